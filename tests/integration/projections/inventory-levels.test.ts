import { describe, expect, it } from "vitest";
import { inventoryLevelsProjection } from "../../../src/core/projections/index.ts";
import { newCreatorId } from "../database.ts";
import { at, conflictDetected, conflictResolved, released, reserved, stockUpdated, uniqueId } from "./events.ts";
import { projectionSpec } from "./read-model-harness.ts";

const { sql, models } = projectionSpec("inventory", inventoryLevelsProjection);

async function level(creatorId: string, skuId: string) {
  const [row] = await sql`select * from ${models.table("inventory_levels")} where creator_id = ${creatorId} and sku_id = ${skuId}`;
  return row;
}

describe("inventory levels projection", () => {
  it("follows stock updates, reservations and releases", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [
      stockUpdated(sku, at("2026-05-01T08:00:00Z"), 0, 50),
      reserved(sku, at("2026-05-01T09:00:00Z"), "o1", 5),
      reserved(sku, at("2026-05-01T09:10:00Z"), "o2", 3),
      released(sku, at("2026-05-01T09:20:00Z"), "o2", 3),
    ]);
    await models.project([inventoryLevelsProjection]);
    expect(await level(creatorId, sku)).toMatchObject({ total: 50, reserved: 5, available: 45, low_stock_severity: null, velocity_per_hour: 0 });

    // Shipping o1 turns its reservation into a sale: velocity over the last day.
    await models.append(creatorId, `inventory-${sku}`, [
      released(sku, at("2026-05-01T12:00:00Z"), "o1", 5, "shipped"),
      stockUpdated(sku, at("2026-05-01T12:00:00Z"), 50, 45, "order"),
      stockUpdated(sku, at("2026-05-01T12:30:00Z"), 45, 8, "manual"),
    ]);
    await models.project([inventoryLevelsProjection]);
    const low = await level(creatorId, sku);
    expect(low).toMatchObject({ total: 8, reserved: 0, available: 8, reorder_point: 10, low_stock_severity: "warning", last_version: "7" });
    expect(low.velocity_per_hour).toBeCloseTo(5 / 24);
    expect(low.hours_to_stockout).toBeCloseTo(8 / (5 / 24));

    // Replayed twice, the events leave the row as it was.
    await models.replay(inventoryLevelsProjection, creatorId);
    await models.replay(inventoryLevelsProjection, creatorId);
    expect(await level(creatorId, sku)).toEqual(low);
  });

  it("flags an open sync conflict until it is resolved", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    const conflictId = crypto.randomUUID();
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, at("2026-05-02T08:00:00Z"), 0, 40, "tiktok"), conflictDetected(sku, at("2026-05-02T08:05:00Z"), conflictId)]);
    await models.project([inventoryLevelsProjection]);
    expect(await level(creatorId, sku)).toMatchObject({ has_open_conflict: true, open_conflict_ids: [conflictId], last_sync_at: at("2026-05-02T08:00:00Z") });
    await models.append(creatorId, `inventory-${sku}`, [conflictResolved(sku, at("2026-05-02T08:10:00Z"), conflictId)]);
    await models.project([inventoryLevelsProjection]);
    expect(await level(creatorId, sku)).toMatchObject({ has_open_conflict: false, open_conflict_ids: [] });
  });
});
