import { describe, expect, it } from "vitest";
import type { NewEvent, StoredEvent } from "../../../src/core/event-store/index.ts";
import { alertsProjection, type AlertsState } from "../../../src/core/projections/index.ts";
import { SPEC_CREATOR_ID, storedEvent } from "../../test-data.ts";
import { at, conflictDetected, conflictResolved, lowStockDetected, recovered, stockUpdated, syncFailure } from "../../integration/projections/events.ts";
import { projectTwice } from "./projection-spec.ts";

const live = { replay: false, rebuilding: false, now: () => at("2026-06-03T00:00:00Z") };
const creatorUser = "7d1f6a1e-3c1b-4f55-9a57-2f0d0c9b8e11";

/** Events as consumers see them: one after another in the global order (positions from `from`). */
function inOrder(events: NewEvent[], from = 1): StoredEvent[] {
  return events.map((event, index) =>
    storedEvent({ id: crypto.randomUUID(), position: from + index, version: from + index, aggregateId: "spec", aggregateType: "spec", type: event.type, data: event.data, occurredAt: event.occurredAt ?? at("2026-06-01T00:00:00Z") }),
  );
}

const stockShortfall = (sku: string, orderId: string, occurredAt: Date): NewEvent => ({
  type: "system.sync_failure_detected",
  occurredAt,
  data: {
    source: "saga:order_fulfilment",
    reason: `step allocate failed (permanent_error): Not enough stock for SKU ${sku}`,
    reference: orderId,
    sku_id: sku,
    product_name: "Glow Serum 30 ml",
    problem: "step_failed",
    step: "allocate",
  },
});

const alertAction = (type: "alert.acknowledged" | "alert.resolved", alertId: string, occurredAt: Date): NewEvent => ({
  type,
  occurredAt,
  data: { alert_id: alertId, by: { user_id: creatorUser, role: "creator" } },
});

describe("alerts fold", () => {
  const sku = "SKU-alerts";

  it("keeps one alert for a SKU that 100 orders hit, with a count of 100 and the latest time", () => {
    const failures = Array.from({ length: 100 }, (_, index) => stockShortfall(sku, `order-${index}`, new Date(at("2026-06-01T10:00:00Z").getTime() + index * 1_000)));
    const { writes, state } = alertsProjection.fold(alertsProjection.initialState(), inOrder(failures), live);
    expect(writes.alerts).toHaveLength(1);
    const [alert] = writes.alerts;
    expect(alert).toMatchObject({ kind: "stuck_saga", subject: `stock:${sku}`, occurrences: 100, lastOccurredAt: at("2026-06-01T10:01:39Z"), productName: "Glow Serum 30 ml" });
    expect(alert!.openCauses).toHaveLength(100);
    expect(alert!.title).toBe(`100 orders waiting for stock: Glow Serum 30 ml (SKU ${sku})`);
    expect(alert!.action).toBe(`Restock SKU ${sku} or cancel the 100 orders waiting for it`);
    expect(alert!.actionHref).toBe(`/dashboard#sku-${sku}`);
    expect(alert!.detail).toContain("saga:order_fulfilment: step allocate failed");
    expect(state.open.size).toBe(1);
  });

  it("resolves an orders-waiting alert itself when the last waiting order recovers or is cancelled", () => {
    const events = inOrder([
      stockShortfall(sku, "o1", at("2026-06-01T10:00:00Z")),
      stockShortfall(sku, "o2", at("2026-06-01T10:01:00Z")),
      recovered(at("2026-06-01T11:00:00Z"), "o1"),
    ]);
    const first = alertsProjection.fold(alertsProjection.initialState(), events, live);
    expect(first.writes.alerts.map((alert) => [alert.title, alert.resolvedAt])).toEqual([[`1 order waiting for stock: Glow Serum 30 ml (SKU ${sku})`, null]]);
    const cancelled = inOrder([{ type: "order.cancelled", occurredAt: at("2026-06-01T12:00:00Z"), data: { order_id: "o2", cancelled_by: "buyer", reason: "changed my mind" } }], 10);
    const second = alertsProjection.fold(first.state, cancelled, live);
    expect(second.writes.alerts.map((alert) => [alert.resolvedAt, alert.resolvedBy])).toEqual([[at("2026-06-01T12:00:00Z"), "system"]]);
    expect(second.state.open.size).toBe(0);
  });

  it("updates a low-stock alert's severity in place and resolves it on restock", () => {
    const events = inOrder([
      lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning"),
      lowStockDetected(sku, at("2026-06-01T11:00:00Z"), 2, "critical"),
      stockUpdated(sku, at("2026-06-01T12:00:00Z"), 2, 100, "manual"),
    ]);
    const { writes } = alertsProjection.fold(alertsProjection.initialState(), events, live);
    expect(writes.alerts.map((alert) => [alert.severity, alert.occurrences, alert.openedAt, alert.lastOccurredAt, alert.resolvedAt])).toEqual([
      ["critical", 2, at("2026-06-01T10:00:00Z"), at("2026-06-01T11:00:00Z"), at("2026-06-01T12:00:00Z")],
    ]);
    expect(writes.alerts[0]!.title).toBe(`Running low: SKU ${sku}`);
    expect(writes.alerts[0]!.message).toBe("2 units left, at or below your reorder point of 10. At the current rate it sells out in about 30 h.");
  });

  it("names the product once an order has named it", () => {
    const events = inOrder([
      { type: "order.validated", occurredAt: at("2026-06-01T09:00:00Z"), data: { order_id: "o9", items: [{ sku_id: sku, product_id: "p1", quantity: 1, unit_price_minor: 999, product_name: "Glow Serum 30 ml" }], subtotal_minor: 999, shipping_minor: 0, total_minor: 999, currency: "USD" } },
      lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 0, "emergency"),
    ]);
    const { writes } = alertsProjection.fold(alertsProjection.initialState(), events, live);
    expect(writes.productNames).toEqual([{ creatorId: SPEC_CREATOR_ID, skuId: sku, productName: "Glow Serum 30 ml" }]);
    expect(writes.alerts[0]!.title).toBe(`Sold out: Glow Serum 30 ml (SKU ${sku})`);
  });

  it("keeps one stock-conflict alert per SKU, resolved when its last conflict is settled", () => {
    const events = inOrder([
      conflictDetected(sku, at("2026-06-02T10:01:00Z"), "c-1"),
      conflictDetected(sku, at("2026-06-02T10:02:00Z"), "c-2"),
      conflictResolved(sku, at("2026-06-02T11:01:00Z"), "c-1"),
    ]);
    const first = alertsProjection.fold(alertsProjection.initialState(), events, live);
    expect(first.writes.alerts.map((alert) => [alert.kind, alert.subject, alert.occurrences, alert.openCauses, alert.resolvedAt])).toEqual([["sync_conflict", sku, 2, ["c-2"], null]]);
    const settled = alertsProjection.fold(first.state, inOrder([conflictResolved(sku, at("2026-06-02T11:05:00Z"), "c-2")], 10), live);
    expect(settled.writes.alerts.map((alert) => alert.resolvedAt)).toEqual([at("2026-06-02T11:05:00Z")]);
  });

  it("says which channel disagrees: a Shopify store's conflict speaks of the store, TikTok's of TikTok Shop", () => {
    const shopifyConflict = { ...conflictDetected("SKU-SHOP", at("2026-06-02T10:01:00Z"), "c-s") };
    shopifyConflict.data = { ...(shopifyConflict.data as object), source: "shopify", channel: "shopify", shop_id: "store.myshopify.com" } as never;
    const { writes } = alertsProjection.fold(alertsProjection.initialState(), inOrder([shopifyConflict, conflictDetected(sku, at("2026-06-02T10:02:00Z"), "c-t")]), live);
    const messageOf = (subject: string) => writes.alerts.find((alert) => alert.subject === subject)!.message;
    expect(messageOf("SKU-SHOP")).toMatch(/on your Shopify store\. Until it is settled Shopify may oversell/);
    expect(messageOf(sku)).toMatch(/on TikTok Shop\. Until it is settled TikTok may oversell/);
  });

  it("counts sync failures per source and resolves them on recovery", () => {
    const events = inOrder([syncFailure(at("2026-06-02T10:00:00Z"), "tiktok_webhook"), syncFailure(at("2026-06-02T10:05:00Z"), "tiktok_webhook"), recovered(at("2026-06-02T10:10:00Z"), "tiktok_webhook")]);
    const { writes } = alertsProjection.fold(alertsProjection.initialState(), events, live);
    expect(writes.alerts.map((alert) => [alert.kind, alert.occurrences, alert.message, alert.resolvedBy])).toEqual([
      ["sync_failure", 2, "It failed 2 times. Nothing received is lost; it is retried automatically.", "system"],
    ]);
  });

  it("records who acknowledged, snoozed and resolved an alert, and when", () => {
    const [opening] = inOrder([lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning")]);
    const opened = alertsProjection.fold(alertsProjection.initialState(), [opening!], live);
    const alertId = opening!.id;
    const actions = inOrder(
      [
        alertAction("alert.acknowledged", alertId, at("2026-06-01T10:05:00Z")),
        { type: "alert.snoozed", occurredAt: at("2026-06-01T10:06:00Z"), data: { alert_id: alertId, by: { user_id: creatorUser, role: "creator" }, until: "2026-06-01T14:06:00.000Z" } },
      ],
      10,
    );
    const handled = alertsProjection.fold(opened.state, actions, live);
    expect(handled.writes.alerts.map((alert) => [alert.acknowledgedAt, alert.acknowledgedBy, alert.snoozedUntil, alert.snoozedBy])).toEqual([
      [at("2026-06-01T10:05:00Z"), creatorUser, at("2026-06-01T14:06:00Z"), creatorUser],
    ]);
    const resolved = alertsProjection.fold(handled.state, inOrder([alertAction("alert.resolved", alertId, at("2026-06-01T10:07:00Z"))], 20), live);
    expect(resolved.writes.alerts.map((alert) => [alert.resolvedAt, alert.resolvedBy])).toEqual([[at("2026-06-01T10:07:00Z"), creatorUser]]);
    expect(resolved.state.open.size).toBe(0);
    // The problem comes back: a new alert, not the one the creator resolved.
    const [again] = inOrder([lowStockDetected(sku, at("2026-06-01T12:00:00Z"), 3, "warning")], 30);
    const reopened = alertsProjection.fold(resolved.state, [again!], live);
    expect(reopened.writes.alerts.map((alert) => [alert.id, alert.occurrences])).toEqual([[again!.id, 1]]);
  });

  it("brings a snoozed alert back when it gets worse", () => {
    const events = inOrder([lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning")]);
    const snooze: NewEvent = { type: "alert.snoozed", occurredAt: at("2026-06-01T10:01:00Z"), data: { alert_id: events[0]!.id, by: { user_id: creatorUser, role: "creator" }, until: "2026-06-02T10:00:00.000Z" } };
    const state: AlertsState = alertsProjection.fold(alertsProjection.initialState(), [...events, ...inOrder([snooze], 2)], live).state;
    const worse = alertsProjection.fold(state, inOrder([lowStockDetected(sku, at("2026-06-01T11:00:00Z"), 1, "emergency")], 3), live);
    expect(worse.writes.alerts.map((alert) => [alert.severity, alert.snoozedUntil])).toEqual([["emergency", null]]);
  });

  it("ignores an action on an alert it does not know (another creator's, or one already resolved)", () => {
    const { writes } = alertsProjection.fold(alertsProjection.initialState(), inOrder([alertAction("alert.acknowledged", crypto.randomUUID(), at("2026-06-01T10:00:00Z"))]), live);
    expect(writes.alerts).toEqual([]);
  });

  it("gets the same read model when its events are replayed, and writes nothing", () => {
    const events = inOrder([
      lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning"),
      stockShortfall(sku, "o1", at("2026-06-01T10:01:00Z")),
      stockShortfall(sku, "o2", at("2026-06-01T10:02:00Z")),
      recovered(at("2026-06-01T10:03:00Z"), "o1"),
      stockUpdated(sku, at("2026-06-01T12:00:00Z"), 2, 100, "manual"),
      lowStockDetected(sku, at("2026-06-01T13:00:00Z"), 9, "warning"),
    ]);
    const { once, replayed } = projectTwice(alertsProjection, events);
    expect(once.writes.alerts.map((alert) => [alert.kind, alert.occurrences, alert.resolvedAt === null])).toEqual([
      ["low_stock", 1, false],
      ["stuck_saga", 2, true],
      ["low_stock", 1, true],
    ]);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes.alerts).toEqual([]);
  });
});
