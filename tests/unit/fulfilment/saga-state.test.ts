import { describe, expect, it } from "vitest";
import { storedEvent } from "../../test-data.ts";
import { nextAttemptAfter, nextSagaAction, stepsToCompensate, unitsBySku, type FulfilmentSagaState } from "../../../src/core/fulfilment/saga-state.ts";
import { evolveOrder, initialOrderState, type OrderState } from "../../../src/core/orders/order.ts";

const orderId = "576684019603311365";
const now = new Date("2026-11-22T10:00:00Z");

function orderAfter(...events: { type: string; data: Record<string, unknown> }[]): OrderState {
  return events.reduce(
    (state, event, index) => evolveOrder(state, storedEvent({ ...event, version: index + 1, occurredAt: now })),
    initialOrderState(),
  );
}

const received = (status: string, onHold = false) => ({
  type: "order.received_from_tiktok",
  data: { order_id: orderId, shop_id: "7494726673780148744", tiktok_status: status, is_on_hold: onHold, tiktok_update_time: 1764000000 },
});
const paid = { type: "order.payment_processed", data: { order_id: orderId, amount_minor: 1798, currency: "USD", payment_reference: "pay_1" } };

function saga(overrides: Partial<FulfilmentSagaState> = {}): FulfilmentSagaState {
  return {
    creatorId: "5f0c7d2e-8a43-4c4b-9d8e-2f1a3b4c5d6e",
    orderId,
    status: "running",
    step: "validate",
    waitingFor: null,
    correlationId: "0c6f2a4e-1b3d-4e5f-8a9b-0c1d2e3f4a5b",
    causeEventId: "7b1e9c3a-2d4f-4a6b-8c0d-1e2f3a4b5c6d",
    progress: {},
    attempts: 0,
    lastError: null,
    nextAttemptAt: null,
    failure: null,
    alertedAt: null,
    version: 1,
    startedAt: now,
    updatedAt: now,
    finishedAt: null,
    ...overrides,
  };
}

describe("the fulfilment saga's next action", () => {
  it("validates and allocates an order still on hold: stock is reserved during the hour", () => {
    const onHold = orderAfter(received("ON_HOLD", true));
    expect(nextSagaAction(saga({ step: "validate" }), onHold, now)).toEqual({ type: "run_step", step: "validate" });
    expect(nextSagaAction(saga({ step: "allocate" }), onHold, now)).toEqual({ type: "run_step", step: "allocate" });
  });

  it("buys no label and ships nothing while TikTok holds the order", () => {
    const onHold = orderAfter(received("ON_HOLD", true), paid);
    expect(nextSagaAction(saga({ step: "label" }), onHold, now)).toEqual({ type: "wait", for: "hold_release" });
    expect(nextSagaAction(saga({ step: "ship" }), onHold, now)).toEqual({ type: "wait", for: "hold_release" });
  });

  it("goes on to the label once a status change ends the hold", () => {
    const released = orderAfter(received("ON_HOLD", true), paid, {
      type: "order.tiktok_status_changed",
      data: { order_id: orderId, previous_status: "ON_HOLD", tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 1764003600 },
    });
    expect(nextSagaAction(saga({ step: "label", status: "waiting", waitingFor: "hold_release" }), released, now)).toEqual({ type: "run_step", step: "label" });
  });

  it("waits for an unpaid order to be paid before confirming payment", () => {
    expect(nextSagaAction(saga({ step: "pay" }), orderAfter(received("UNPAID")), now)).toEqual({ type: "wait", for: "payment" });
    expect(nextSagaAction(saga({ step: "pay" }), orderAfter(received("AWAITING_SHIPMENT")), now)).toEqual({ type: "run_step", step: "pay" });
  });

  it("compensates whatever step it is at when the order is cancelled", () => {
    const cancelled = orderAfter(received("ON_HOLD", true), { type: "order.cancelled", data: { order_id: orderId, cancelled_by: "buyer" } });
    expect(nextSagaAction(saga({ step: "label", status: "waiting", waitingFor: "hold_release" }), cancelled, now)).toMatchObject({
      type: "compensate",
      failure: { step: "label", cause: "cancelled" },
    });
  });

  it("keeps compensating a saga interrupted while compensating, even though the order is now refunded", () => {
    const failure = { step: "label" as const, reason: "carrier refused", cause: "permanent_error" as const };
    const refunded = orderAfter(received("AWAITING_SHIPMENT"), paid, { type: "order.refunded", data: { order_id: orderId } });
    expect(nextSagaAction(saga({ status: "compensating", step: "label", failure }), refunded, now)).toEqual({ type: "compensate", failure });
  });

  it("finishes the ship step it recorded before a crash, and stops for an order shipped without it", () => {
    const shipped = orderAfter(received("AWAITING_SHIPMENT"), paid, { type: "order.shipped", data: { order_id: orderId, carrier: "SimPost" } });
    expect(nextSagaAction(saga({ step: "ship" }), shipped, now)).toEqual({ type: "run_step", step: "ship" });
    expect(nextSagaAction(saga({ step: "label" }), shipped, now)).toEqual({ type: "finish_shipped_elsewhere" });
  });

  it("runs nothing while it needs configuration, but still compensates a cancellation and finishes an order shipped by hand", () => {
    const needsConfiguration = saga({ step: "label", status: "needs_configuration", progress: { needsConfiguration: { step: "label", missing: "carrier", detail: "no carrier" } } });
    expect(nextSagaAction(needsConfiguration, orderAfter(received("AWAITING_SHIPMENT"), paid), now)).toEqual({ type: "await_configuration" });
    const cancelled = orderAfter(received("AWAITING_SHIPMENT"), paid, { type: "order.cancelled", data: { order_id: orderId, cancelled_by: "buyer" } });
    expect(nextSagaAction(needsConfiguration, cancelled, now)).toMatchObject({ type: "compensate", failure: { step: "label", cause: "cancelled" } });
    const shippedByHand = orderAfter(received("AWAITING_SHIPMENT"), paid, { type: "order.shipped", data: { order_id: orderId, carrier: "USPS" } });
    expect(nextSagaAction(needsConfiguration, shippedByHand, now)).toEqual({ type: "finish_shipped_elsewhere" });
  });

  it("waits for a retry that is not due yet, and runs the step once it is", () => {
    const order = orderAfter(received("AWAITING_SHIPMENT"), paid);
    const retryAt = new Date(now.getTime() + 2_000);
    const waiting = saga({ step: "label", status: "waiting", waitingFor: "retry", nextAttemptAt: retryAt, attempts: 1 });
    expect(nextSagaAction(waiting, order, now)).toEqual({ type: "wait_for_retry", until: retryAt });
    expect(nextSagaAction(waiting, order, retryAt)).toEqual({ type: "run_step", step: "label" });
  });

  it("does nothing more for a finished saga", () => {
    const order = orderAfter(received("AWAITING_SHIPMENT"));
    for (const status of ["completed", "failed", "cancelled"] as const) expect(nextSagaAction(saga({ status }), order, now)).toEqual({ type: "stop" });
  });
});

describe("saga helpers", () => {
  it("compensates every started step, latest first", () => {
    expect(stepsToCompensate("label")).toEqual(["label", "pay", "allocate", "validate"]);
    expect(stepsToCompensate("validate")).toEqual(["validate"]);
  });

  it("counts units per SKU across line items of different prices", () => {
    expect(unitsBySku([
      { sku_id: "a", product_id: "p", quantity: 1, unit_price_minor: 100 },
      { sku_id: "b", product_id: "p", quantity: 2, unit_price_minor: 200 },
      { sku_id: "a", product_id: "p", quantity: 1, unit_price_minor: 90 },
    ])).toEqual([{ sku_id: "a", quantity: 2 }, { sku_id: "b", quantity: 2 }]);
  });

  it("backs off 1 s, 2 s, 4 s up to the cap, then gives up", () => {
    const schedule = { maxAttempts: 4, initialDelayMs: 1_000, maxDelayMs: 3_000 };
    expect([1, 2, 3].map((attempts) => nextAttemptAfter(schedule, attempts, now)!.getTime() - now.getTime())).toEqual([1_000, 2_000, 3_000]);
    expect(nextAttemptAfter(schedule, 4, now)).toBeNull();
  });
});
