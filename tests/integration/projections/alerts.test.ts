import { describe, expect, it } from "vitest";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { alertsProjection } from "../../../src/core/projections/index.ts";
import { newCreatorId } from "../database.ts";
import { at, conflictDetected, conflictResolved, lowStockDetected, recovered, stockUpdated, syncFailure, uniqueId } from "./events.ts";
import { projectionSpec } from "./read-model-harness.ts";

const { sql, models } = projectionSpec("alerts", alertsProjection);

async function alerts(creatorId: string) {
  return sql`select kind, severity, subject, occurrences, opened_at, last_occurred_at, resolved_at, resolved_by from ${models.table("alerts")} where creator_id = ${creatorId} order by opened_at, kind`;
}

const everyRow = (creatorId: string) => sql`select * from ${models.table("alerts")} where creator_id = ${creatorId} order by opened_at, id`;

const notEnoughStock = (sku: string, orderId: string, occurredAt: Date): NewEvent => ({
  type: "system.sync_failure_detected",
  occurredAt,
  data: { source: "saga:order_fulfilment", reason: `step allocate failed (permanent_error): Not enough stock for SKU ${sku}`, reference: orderId, sku_id: sku, product_name: "Glow Serum 30 ml", problem: "step_failed", step: "allocate" },
});

describe("alerts projection", () => {
  it("keeps one alert for a SKU that 100 orders hit, counted 100, and resolves it when the last order is settled", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    const orders = Array.from({ length: 100 }, (_, index) => uniqueId(`o${index}`));
    const start = at("2026-06-01T10:00:00Z").getTime();
    // In several appends and batches, as orders fail one after another.
    for (let batch = 0; batch < 4; batch += 1) {
      const slice = orders.slice(batch * 25, batch * 25 + 25);
      await models.append(creatorId, `system-${creatorId}`, slice.map((orderId, index) => notEnoughStock(sku, orderId, new Date(start + (batch * 25 + index) * 1_000))));
      await models.project([alertsProjection]);
    }
    const [alert] = await sql`select kind, subject, title, action, action_href, occurrences, cardinality(open_causes) as waiting, last_occurred_at, resolved_at from ${models.table("alerts")} where creator_id = ${creatorId}`;
    expect(alert).toEqual({
      kind: "stuck_saga",
      subject: `stock:${sku}`,
      title: `100 orders waiting for stock: Glow Serum 30 ml (SKU ${sku})`,
      action: `Restock SKU ${sku} or cancel the 100 orders waiting for it`,
      action_href: `/dashboard#sku-${sku}`,
      occurrences: 100,
      waiting: 100,
      last_occurred_at: new Date(start + 99_000),
      resolved_at: null,
    });
    expect(await sql`select product_name from ${models.table("product_names")} where creator_id = ${creatorId} and sku_id = ${sku}`).toEqual([{ product_name: "Glow Serum 30 ml" }]);

    // Replayed twice, the events count nothing again.
    const before = await everyRow(creatorId);
    await models.replay(alertsProjection, creatorId);
    await models.replay(alertsProjection, creatorId);
    expect(await everyRow(creatorId)).toEqual(before);

    await models.append(creatorId, `system-${creatorId}`, orders.slice(0, 99).map((orderId) => recovered(at("2026-06-01T12:00:00Z"), orderId)));
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((row) => row.resolved_at)).toEqual([null]);
    await models.append(creatorId, `order-${orders[99]}`, [{ type: "order.cancelled", occurredAt: at("2026-06-01T12:30:00Z"), data: { order_id: orders[99]!, cancelled_by: "seller" } }]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((row) => [row.resolved_at, row.resolved_by])).toEqual([[at("2026-06-01T12:30:00Z"), "system"]]);
  });

  it("updates a low-stock alert's severity in place and resolves it on restock; replays change nothing", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning")]);
    await models.project([alertsProjection]);
    await models.append(creatorId, `inventory-${sku}`, [
      lowStockDetected(sku, at("2026-06-01T11:00:00Z"), 2, "critical"),
      lowStockDetected(sku, at("2026-06-01T11:05:00Z"), 2, "critical"),
      stockUpdated(sku, at("2026-06-01T12:00:00Z"), 2, 100, "manual"),
    ]);
    await models.project([alertsProjection]);
    expect(await alerts(creatorId)).toEqual([
      { kind: "low_stock", severity: "critical", subject: sku, occurrences: 3, opened_at: at("2026-06-01T10:00:00Z"), last_occurred_at: at("2026-06-01T11:05:00Z"), resolved_at: at("2026-06-01T12:00:00Z"), resolved_by: "system" },
    ]);
    // The 11:05 detection, replayed after the 12:00 restock resolved the alert, does not reopen it.
    const before = await everyRow(creatorId);
    await models.replay(alertsProjection, creatorId);
    await models.replay(alertsProjection, creatorId);
    expect(await everyRow(creatorId)).toEqual(before);
  });

  it("counts sync failures per source and conflicts per SKU, and resolves them when their cause clears", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    const conflicts = [crypto.randomUUID(), crypto.randomUUID()];
    await models.append(creatorId, `system-${creatorId}`, [syncFailure(at("2026-06-02T10:00:00Z"), "tiktok-inventory"), syncFailure(at("2026-06-02T10:00:30Z"), "tiktok-inventory")]);
    await models.append(creatorId, `inventory-${sku}`, [conflictDetected(sku, at("2026-06-02T10:01:00Z"), conflicts[0]!), conflictDetected(sku, at("2026-06-02T10:02:00Z"), conflicts[1]!)]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => [alert.kind, alert.occurrences, alert.resolved_at])).toEqual([
      ["sync_failure", 2, null],
      ["sync_conflict", 2, null],
    ]);

    await models.append(creatorId, `system-${creatorId}`, [recovered(at("2026-06-02T11:00:00Z"), "tiktok-inventory")]);
    await models.append(creatorId, `inventory-${sku}`, [conflictResolved(sku, at("2026-06-02T11:01:00Z"), conflicts[0]!)]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => alert.resolved_at)).toEqual([at("2026-06-02T11:00:00Z"), null]);
    await models.append(creatorId, `inventory-${sku}`, [conflictResolved(sku, at("2026-06-02T11:02:00Z"), conflicts[1]!)]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => alert.resolved_at)).toEqual([at("2026-06-02T11:00:00Z"), at("2026-06-02T11:02:00Z")]);
  });

  it("records who acknowledged, snoozed and resolved an alert, and when", async () => {
    const creatorId = newCreatorId();
    const userId = crypto.randomUUID();
    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [lowStockDetected(sku, at("2026-06-05T10:00:00Z"), 3, "warning")]);
    await models.project([alertsProjection]);
    const [{ id: alertId }] = await sql<{ id: string }[]>`select id from ${models.table("alerts")} where creator_id = ${creatorId}`;
    const by = { user_id: userId, role: "creator" as const };
    await models.append(creatorId, `alert-${alertId}`, [
      { type: "alert.acknowledged", occurredAt: at("2026-06-05T10:01:00Z"), data: { alert_id: alertId!, by } },
      { type: "alert.snoozed", occurredAt: at("2026-06-05T10:02:00Z"), data: { alert_id: alertId!, by, until: "2026-06-05T14:02:00Z" } },
    ]);
    await models.project([alertsProjection]);
    expect(await sql`select acknowledged_at, acknowledged_by, snoozed_until, snoozed_by, resolved_at from ${models.table("alerts")} where id = ${alertId!}`).toEqual([
      { acknowledged_at: at("2026-06-05T10:01:00Z"), acknowledged_by: userId, snoozed_until: at("2026-06-05T14:02:00Z"), snoozed_by: userId, resolved_at: null },
    ]);
    await models.append(creatorId, `alert-${alertId}`, [{ type: "alert.resolved", occurredAt: at("2026-06-05T10:03:00Z"), data: { alert_id: alertId!, by } }]);
    await models.project([alertsProjection]);
    expect(await sql`select resolved_at, resolved_by from ${models.table("alerts")} where id = ${alertId!}`).toEqual([{ resolved_at: at("2026-06-05T10:03:00Z"), resolved_by: userId }]);
  });

  it("opens a shop connection alert when a shop is deauthorised or needs reconnecting, once, and resolves it when the shop connects again", async () => {
    const creatorId = newCreatorId();
    const shopId = uniqueId("9");
    const seller = { shop_id: shopId, seller_open_id: "seller-a" };
    await models.append(creatorId, `shop-${shopId}`, [
      { type: "shop.connected", occurredAt: at("2026-06-03T09:00:00Z"), data: { ...seller, shop_name: "Shop A", reconnected: false } },
      { type: "shop.reconnection_required", occurredAt: at("2026-06-03T10:00:00Z"), data: { ...seller, reason: "TikTok's refresh token has expired" } },
      { type: "shop.deauthorized", occurredAt: at("2026-06-03T10:05:00Z"), data: { shop_id: shopId, tiktok_timestamp: 1_780_000_000 } },
    ]);
    await models.project([alertsProjection]);
    const open = await sql`select kind, severity, subject, title, message, action_href, occurrences, resolved_at from ${models.table("alerts")} where creator_id = ${creatorId}`;
    expect(open).toEqual([
      {
        kind: "shop_connection",
        severity: "critical",
        subject: shopId,
        // The latest of the two says what is wrong now.
        title: `TikTok Shop ${shopId} was disconnected`,
        message: "Orders and stock no longer sync with it.",
        action_href: "/api/tiktok/connect",
        occurrences: 2,
        resolved_at: null,
      },
    ]);

    await models.append(creatorId, `shop-${shopId}`, [{ type: "shop.connected", occurredAt: at("2026-06-03T11:00:00Z"), data: { ...seller, shop_name: "Shop A", reconnected: true } }]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => [alert.kind, alert.resolved_at])).toEqual([["shop_connection", at("2026-06-03T11:00:00Z")]]);

    await models.append(creatorId, `shop-${shopId}`, [{ type: "shop.deauthorized", occurredAt: at("2026-06-04T08:00:00Z"), data: { shop_id: shopId, tiktok_timestamp: 1_780_100_000 } }]);
    await models.project([alertsProjection]);
    const latest = await sql`select title, occurrences, resolved_at from ${models.table("alerts")} where creator_id = ${creatorId} and resolved_at is null`;
    expect(latest).toEqual([{ title: `TikTok Shop ${shopId} was disconnected`, occurrences: 1, resolved_at: null }]);
  });
});
