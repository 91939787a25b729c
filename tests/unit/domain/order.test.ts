import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/core/domain-error.ts";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { decideOrder, evolveOrder, initialOrderState, type OrderCommand } from "../../../src/core/orders/order.ts";
import { fold } from "./specification.ts";

const ORDER = "576684019603311365";
const item = { sku_id: "sku-red", product_id: "prod-1", quantity: 2, unit_price_minor: 1500 };

const received = (onHold = false): NewEvent => ({
  type: "order.received_from_tiktok",
  data: { order_id: ORDER, shop_id: "7494726673780148744", tiktok_status: onHold ? "ON_HOLD" : "AWAITING_SHIPMENT", is_on_hold: onHold, tiktok_update_time: 1764000000 },
});
const validated: NewEvent = {
  type: "order.validated",
  data: { order_id: ORDER, items: [item], subtotal_minor: 3000, shipping_minor: 499, total_minor: 3499, currency: "USD" },
};
const allocated: NewEvent = { type: "order.inventory_allocated", data: { order_id: ORDER, allocations: [{ sku_id: "sku-red", quantity: 2 }] } };
const paid: NewEvent = { type: "order.payment_processed", data: { order_id: ORDER, amount_minor: 3499, currency: "USD", payment_reference: "pay-1" } };
const shipped: NewEvent = { type: "order.shipped", data: { order_id: ORDER, carrier: "USPS", tracking_number: "1Z" } };
const cancelled: NewEvent = { type: "order.cancelled", data: { order_id: ORDER, cancelled_by: "buyer" } };

function spec(given: NewEvent[], when: OrderCommand) {
  return () => decideOrder(when, fold(initialOrderState, evolveOrder, given));
}

describe("order decider", () => {
  it("validates a received order once", () => {
    expect(spec([received()], { type: "RecordValidation", orderId: ORDER, items: [item], subtotalMinor: 3000, shippingMinor: 499, currency: "USD" })()).toEqual([validated]);
    expect(spec([received(), validated], { type: "RecordValidation", orderId: ORDER, items: [item], subtotalMinor: 3000, shippingMinor: 499, currency: "USD" })()).toEqual([]);
  });

  it("rejects a validation whose items do not add up", () => {
    expect(spec([received()], { type: "RecordValidation", orderId: ORDER, items: [item], subtotalMinor: 2999, shippingMinor: 0, currency: "USD" })).toThrow(/add up to 3000, not 2999/);
  });

  it("ships a paid order", () => {
    expect(spec([received(), validated, allocated, paid], { type: "Ship", orderId: ORDER, carrier: "USPS", trackingNumber: "1Z" })()).toEqual([shipped]);
  });

  it("never ships a cancelled order", () => {
    expect(spec([received(), validated, allocated, paid, cancelled], { type: "Ship", orderId: ORDER, carrier: "USPS", trackingNumber: "1Z" })).toThrow(/Cannot ship cancelled order/);
  });

  it("never ships during the hold", () => {
    const attempt = spec([received(true), validated, allocated, paid], { type: "Ship", orderId: ORDER, carrier: "USPS", trackingNumber: "1Z" });
    expect(attempt).toThrow(DomainError);
    expect(attempt).toThrow(/during its hold/);
  });

  it("ships once TikTok ends the hold", () => {
    const holdEnded: NewEvent = {
      type: "order.tiktok_status_changed",
      data: { order_id: ORDER, previous_status: "ON_HOLD", tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 1764003600 },
    };
    expect(spec([received(true), holdEnded, validated, allocated, paid], { type: "Ship", orderId: ORDER, carrier: "USPS", trackingNumber: "1Z" })()).toEqual([shipped]);
  });

  it("never ships an unpaid order", () => {
    expect(spec([received(), validated, allocated], { type: "Ship", orderId: ORDER, carrier: "USPS", trackingNumber: "1Z" })).toThrow(/unpaid/);
  });

  it("records the payment TikTok collected with TikTok's own figures, and refuses one in another currency", () => {
    const payment = { type: "RecordPayment" as const, orderId: ORDER, amountMinor: 3499, currency: "USD", paymentReference: `tiktok-order-${ORDER}` };
    expect(spec([received(), validated, allocated], { ...payment, collectedByTikTok: { paidTime: 1764000100, taxMinor: 280, buyerTotalMinor: 3779 } })()).toEqual([{
      type: "order.payment_processed",
      data: { order_id: ORDER, amount_minor: 3499, currency: "USD", payment_reference: `tiktok-order-${ORDER}`, collected_by: "tiktok", paid_time: 1764000100, tax_minor: 280, buyer_total_minor: 3779 },
    }]);
    expect(spec([received(), validated, allocated], { ...payment, currency: "GBP" })).toThrow(/GBP does not match the order's currency USD/);
  });

  it("refunds only after payment, and never more than was paid", () => {
    expect(spec([received(), validated], { type: "Refund", orderId: ORDER, amountMinor: 100 })).toThrow(/never paid/);
    expect(spec([received(), validated, allocated, paid], { type: "Refund", orderId: ORDER, amountMinor: 5000 })).toThrow(/exceeds the 3499 paid/);
    expect(spec([received(), validated, allocated, paid, shipped], { type: "Refund", orderId: ORDER, amountMinor: 3499, reason: "damaged" })()).toEqual([
      { type: "order.refunded", data: { order_id: ORDER, amount_minor: 3499, currency: "USD", reason: "damaged" } },
    ]);
  });

  it("cancels before shipping, not after, and a second cancel changes nothing", () => {
    expect(spec([received(), validated, allocated], { type: "Cancel", orderId: ORDER, cancelledBy: "buyer" })()).toEqual([cancelled]);
    expect(spec([received(), validated, allocated, paid, shipped], { type: "Cancel", orderId: ORDER, cancelledBy: "buyer" })).toThrow(/it has shipped/);
    expect(spec([received(), cancelled], { type: "Cancel", orderId: ORDER, cancelledBy: "seller" })()).toEqual([]);
  });

  it("keeps what a cancellation must give back", () => {
    const state = fold(initialOrderState, evolveOrder, [received(), validated, allocated, cancelled]);
    expect(state.status).toBe("cancelled");
    expect(state.allocations).toEqual([{ sku_id: "sku-red", quantity: 2 }]);
  });

  it("never moves the status backwards, whatever order events arrive in", () => {
    const delivered: NewEvent = { type: "order.delivered", data: { order_id: ORDER } };
    const state = fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, shipped, delivered, shipped, validated]);
    expect(state.status).toBe("delivered");
  });

  it("refuses commands for an order never received", () => {
    expect(spec([], { type: "StartValidation", orderId: ORDER })).toThrow(/has not been received/);
  });
});

describe("order state", () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 12, minute));

  it("folds a TikTok order's journey: status, figures, shipping, TikTok's status and time, and a timeline entry per event", () => {
    const journey: NewEvent[] = [
      { type: "order.received_from_tiktok", occurredAt: at(0), data: { order_id: ORDER, shop_id: "7494726673780148744", tiktok_status: "ON_HOLD", is_on_hold: true, tiktok_update_time: 1764000000, items: [item], total_minor: 3499, currency: "USD" } },
      { type: "order.tiktok_status_changed", occurredAt: at(1), data: { order_id: ORDER, previous_status: "ON_HOLD", tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 1764003600 } },
      { type: "order.validation_started", occurredAt: at(2), data: { order_id: ORDER } },
      { ...validated, occurredAt: at(3) },
      { ...allocated, occurredAt: at(4) },
      { ...paid, occurredAt: at(5) },
      { ...shipped, occurredAt: at(6) },
      { type: "order.shipped", occurredAt: at(7), data: { order_id: ORDER, tiktok_status: "IN_TRANSIT", tiktok_update_time: 1764007200 } },
    ];
    expect(fold(initialOrderState, evolveOrder, journey)).toEqual({
      status: "shipped",
      orderId: ORDER,
      shopId: "7494726673780148744",
      items: [item],
      totalMinor: 3499,
      currency: "USD",
      onHold: false,
      tiktokStatus: "IN_TRANSIT",
      tiktokUpdateTime: 1764007200,
      allocations: [{ sku_id: "sku-red", quantity: 2 }],
      paid: true,
      paidMinor: 3499,
      shipping: { carrier: "USPS", trackingNumber: "1Z" },
      receivedAt: at(0),
      shippedAt: at(6),
      timeline: journey.map((event, index) => ({ type: event.type, at: event.occurredAt, version: index + 1 })),
    });
  });

  it("moves TikTok's status on to each milestone, never back from a later one", () => {
    const delivered: NewEvent = { type: "order.delivered", data: { order_id: ORDER } };
    const completed: NewEvent = { type: "order.completed", data: { order_id: ORDER } };
    expect(fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, shipped]).tiktokStatus).toBe("AWAITING_COLLECTION");
    expect(fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, shipped, delivered]).tiktokStatus).toBe("DELIVERED");
    expect(fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, shipped, completed, delivered])).toMatchObject({ status: "completed", tiktokStatus: "COMPLETED" });
  });

  it("takes a channel order's items, total and currency as it arrives", () => {
    const fromShopify: NewEvent = {
      type: "order.received_from_channel",
      occurredAt: at(0),
      data: { order_id: "shopify-1001", channel: "shopify", shop_id: "demo.myshopify.com", channel_order_id: "1001", items: [item], total_minor: 3000, currency: "EUR", placed_at: "2026-11-20T11:59:00Z" },
    };
    expect(fold(initialOrderState, evolveOrder, [fromShopify])).toMatchObject({
      status: "received", orderId: "shopify-1001", shopId: "demo.myshopify.com", items: [item], totalMinor: 3000, currency: "EUR", receivedAt: at(0), tiktokStatus: null,
    });
  });

  it("stays refunded when a cancellation follows, and an event it has no rule for only joins the timeline", () => {
    const refunded: NewEvent = { type: "order.refunded", data: { order_id: ORDER, amount_minor: 3499 } };
    const refundedState = fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, refunded]);
    expect(fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, refunded, cancelled])).toMatchObject({ status: "refunded", tiktokStatus: "CANCELLED" });
    const onChannel: NewEvent = { type: "order.cancelled_on_channel", data: { order_id: ORDER, channel: "shopify", shop_id: "demo.myshopify.com", channel_order_id: "1001" } };
    const after = fold(initialOrderState, evolveOrder, [received(), validated, allocated, paid, refunded, onChannel]);
    expect(after).toEqual({ ...refundedState, timeline: [...refundedState.timeline, { type: "order.cancelled_on_channel", at: new Date("2026-11-20T12:00:00Z"), version: 6 }] });
  });
});
