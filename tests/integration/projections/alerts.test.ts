import { beforeAll, describe, expect, it } from "vitest";
import { alertsProjection } from "../../../src/core/projections/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { at, conflictDetected, conflictResolved, lowStockDetected, recovered, stockUpdated, syncFailure, uniqueId } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "alerts");

async function alerts(creatorId: string) {
  return sql`select kind, severity, subject, opened_at, resolved_at from ${models.table("alerts")} where creator_id = ${creatorId} order by opened_at, kind`;
}

describe("alerts projection", () => {
  beforeAll(() => models.startAtEndOfStream([alertsProjection]));

  it("opens a low-stock alert, replaces it when the severity changes and resolves it on restock", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning")]);
    await models.project([alertsProjection]);
    expect(await alerts(creatorId)).toEqual([{ kind: "low_stock", severity: "warning", subject: sku, opened_at: at("2026-06-01T10:00:00Z"), resolved_at: null }]);

    await models.append(creatorId, `inventory-${sku}`, [
      lowStockDetected(sku, at("2026-06-01T11:00:00Z"), 2, "critical"),
      lowStockDetected(sku, at("2026-06-01T11:05:00Z"), 2, "critical"),
      stockUpdated(sku, at("2026-06-01T12:00:00Z"), 2, 100, "manual"),
    ]);
    await models.project([alertsProjection]);
    expect(await alerts(creatorId)).toEqual([
      { kind: "low_stock", severity: "warning", subject: sku, opened_at: at("2026-06-01T10:00:00Z"), resolved_at: at("2026-06-01T11:00:00Z") },
      { kind: "low_stock", severity: "critical", subject: sku, opened_at: at("2026-06-01T11:00:00Z"), resolved_at: at("2026-06-01T12:00:00Z") },
    ]);

    // Replayed twice, the events leave the alerts as they were: the 11:05 detection, which
    // changed nothing at the time, does not reopen what the 12:00 restock resolved.
    const before = await sql`select * from ${models.table("alerts")} where creator_id = ${creatorId} order by opened_at`;
    await models.replay(alertsProjection, creatorId);
    await models.replay(alertsProjection, creatorId);
    expect(await sql`select * from ${models.table("alerts")} where creator_id = ${creatorId} order by opened_at`).toEqual(before);
  });

  it("opens sync failure, sync conflict and stuck saga alerts and resolves them", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    const conflictId = crypto.randomUUID();
    const orderId = uniqueId("o");
    await models.append(creatorId, `system-${creatorId}`, [syncFailure(at("2026-06-02T10:00:00Z"), "tiktok-inventory")]);
    await models.append(creatorId, `inventory-${sku}`, [conflictDetected(sku, at("2026-06-02T10:01:00Z"), conflictId)]);
    await models.append(creatorId, `order-${orderId}`, [syncFailure(at("2026-06-02T10:02:00Z"), "saga:order-fulfilment", orderId)]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => [alert.kind, alert.severity, alert.resolved_at])).toEqual([
      ["sync_failure", "critical", null],
      ["sync_conflict", "warning", null],
      ["stuck_saga", "critical", null],
    ]);

    await models.append(creatorId, `system-${creatorId}`, [recovered(at("2026-06-02T11:00:00Z"), "tiktok-inventory")]);
    await models.append(creatorId, `inventory-${sku}`, [conflictResolved(sku, at("2026-06-02T11:01:00Z"), conflictId)]);
    await models.append(creatorId, `order-${orderId}`, [recovered(at("2026-06-02T11:02:00Z"), orderId)]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => alert.resolved_at)).toEqual([at("2026-06-02T11:00:00Z"), at("2026-06-02T11:01:00Z"), at("2026-06-02T11:02:00Z")]);
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
    const open = await sql`select kind, severity, subject, message, resolved_at from ${models.table("alerts")} where creator_id = ${creatorId}`;
    expect(open).toEqual([
      {
        kind: "shop_connection",
        severity: "critical",
        subject: shopId,
        message: `TikTok Shop ${shopId} needs reconnecting (TikTok's refresh token has expired): orders and stock no longer sync with it until you connect it again.`,
        resolved_at: null,
      },
    ]);

    await models.append(creatorId, `shop-${shopId}`, [{ type: "shop.connected", occurredAt: at("2026-06-03T11:00:00Z"), data: { ...seller, shop_name: "Shop A", reconnected: true } }]);
    await models.project([alertsProjection]);
    expect((await alerts(creatorId)).map((alert) => [alert.kind, alert.resolved_at])).toEqual([["shop_connection", at("2026-06-03T11:00:00Z")]]);

    await models.append(creatorId, `shop-${shopId}`, [{ type: "shop.deauthorized", occurredAt: at("2026-06-04T08:00:00Z"), data: { shop_id: shopId, tiktok_timestamp: 1_780_100_000 } }]);
    await models.project([alertsProjection]);
    const latest = await sql`select message, resolved_at from ${models.table("alerts")} where creator_id = ${creatorId} and resolved_at is null`;
    expect(latest).toEqual([{ message: `TikTok Shop ${shopId} was disconnected on TikTok: orders and stock no longer sync with it. Connect it again to resume.`, resolved_at: null }]);
  });
});
