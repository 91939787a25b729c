// A Shopify order in the order aggregate and the dashboard's figures: received with its
// items and total, so it counts in the totals like a TikTok order.
import { describe, expect, it } from "vitest";
import { notEnoughStockReason, orderAllocated, orderRefused, releasesOnCancel, unitsBySku } from "../../../src/core/channels/channel-orders-consumer.ts";
import { evolveOrder, initialOrderState } from "../../../src/core/orders/order.ts";
import { foldDashboardMetrics } from "../../../src/core/projections/dashboard-metrics.ts";
import { storedEvent } from "../../test-data.ts";
import { storedStream } from "../domain/specification.ts";

const received = storedEvent({
  type: "order.received_from_channel",
  version: 1,
  aggregateId: "order-shopify-1001",
  data: {
    order_id: "shopify-1001", channel: "shopify", shop_id: "spec.myshopify.com", channel_order_id: "1001", placed_at: "2026-12-02T10:00:00Z",
    items: [{ sku_id: "A", product_id: "1", quantity: 2, unit_price_minor: 500 }, { sku_id: "A", product_id: "1", quantity: 1, unit_price_minor: 450 }, { sku_id: "B", product_id: "2", quantity: 1, unit_price_minor: 100 }],
    total_minor: 1550, currency: "USD",
  },
});

describe("an order from another channel", () => {
  it("is received with its items, total and shop", () => {
    const order = evolveOrder(initialOrderState(), received);
    expect(order).toMatchObject({ status: "received", orderId: "shopify-1001", shopId: "spec.myshopify.com", totalMinor: 1550, currency: "USD" });
    expect(order.items).toHaveLength(3);
  });

  it("counts in the dashboard's totals with its amount", () => {
    const { writes } = foldDashboardMetrics(new Map(), [received]);
    expect(writes.daily[0]?.counters).toMatchObject({ orders_received: 1, orders_valued: 1, gross_minor: 1550, net_minor: 1550 });
  });

  it("reserves per SKU, a SKU at two prices summed, and says why when the pool is short", () => {
    expect(unitsBySku(received.type === "order.received_from_channel" ? received.data.items : [])).toEqual([{ skuId: "A", quantity: 3 }, { skuId: "B", quantity: 1 }]);
    expect(notEnoughStockReason("A", 3, 1)).toBe("not enough stock: 3 of A ordered, 1 left in the pool when the order arrived");
  });
});

describe("allocating an order from another channel", () => {
  const order = received.type === "order.received_from_channel" ? received.data : undefined;
  if (!order) throw new Error("the spec's order is a channel order");

  it("allocates every SKU's summed units", () => {
    expect(orderAllocated(order, unitsBySku(order.items))).toEqual({
      type: "order.inventory_allocated",
      data: { order_id: "shopify-1001", allocations: [{ sku_id: "A", quantity: 3 }, { sku_id: "B", quantity: 1 }] },
    });
  });

  it("refuses the whole order, by the system, naming the SKU the pool could not cover", () => {
    expect(orderRefused(order, { skuId: "B", quantity: 1 }, 0)).toEqual({
      type: "order.cancelled",
      data: { order_id: "shopify-1001", cancelled_by: "system", reason: "not enough stock: 1 of B ordered, 0 left in the pool when the order arrived" },
    });
  });

  it("gives a cancelled channel order's units back to the pool, named for its channel, and leaves TikTok's orders to the saga", () => {
    const channelOrder = storedStream("order-shopify-1001", [{ type: "order.received_from_channel", data: order }, { type: "order.cancelled", data: { order_id: "shopify-1001", cancelled_by: "buyer", reason: "changed their mind" } }]);
    expect(releasesOnCancel(channelOrder, "shopify-1001")).toEqual([
      { type: "Release", skuId: "A", orderId: "shopify-1001", reason: "cancelled", channel: "shopify" },
      { type: "Release", skuId: "B", orderId: "shopify-1001", reason: "cancelled", channel: "shopify" },
    ]);
    const tiktokOrder = storedStream("order-tt-1", [{ type: "order.cancelled", data: { order_id: "tt-1", cancelled_by: "buyer", reason: "changed their mind" } }]);
    expect(releasesOnCancel(tiktokOrder, "tt-1")).toEqual([]);
  });
});
