import { beforeAll, describe, expect, it } from "vitest";
import { reorderSettingsProjection } from "../../../src/core/analytics/reorder-settings-projection.ts";
import { handleCommand } from "../../../src/core/command-handling.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState } from "../../../src/core/inventory/inventory.ts";
import { setLeadTime } from "../../../src/server/inventory/lead-time.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { readModelSchema } from "../projections/read-model-harness.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "leadtime");
const origin = { source: "api_call" as const, user_id: "5b0c8d7e-1f2a-4c3b-9d4e-6f7a8b9c0d1e" };

/** A SKU in the creator's inventory: its stream, and its row in the inventory levels the route checks. */
async function stockedSku(creatorId: string): Promise<string> {
  const skuId = uniqueId("LT");
  await handleCommand({
    store: models.store, creatorId, aggregateId: inventoryAggregateId(skuId), aggregateType: "inventory", initialState: initialInventoryState, evolve: evolveInventory,
    snapshotSchemaVersion: INVENTORY_STATE_VERSION, metadata: { source: "automated_system" },
    decide: (state) => decideInventory({ type: "AdjustStock", skuId, productId: "p1", newTotal: 40, source: "manual", reason: "opening stock" }, state, new Date()),
  });
  // The row the inventory levels projection keeps for it (the shared database's public read models are nobody's to project here).
  await sql`insert into public.inventory_levels (creator_id, sku_id, aggregate_id, total, reserved, available, reorder_point, last_event_at, state)
            values (${creatorId}, ${skuId}, ${inventoryAggregateId(skuId)}, 40, 0, 40, 10, now(), '{}'::jsonb)`;
  return skuId;
}

describe("setting a SKU's lead time", () => {
  beforeAll(() => models.startAtEndOfStream([reorderSettingsProjection]));

  it("records who set it as an event, keeps it for the reorder suggestion, and records nothing when it is unchanged", async () => {
    const creatorId = newCreatorId();
    const skuId = await stockedSku(creatorId);
    expect(await setLeadTime(sql, { creatorId, skuId, leadTimeDays: 12, origin })).toEqual({ skuId, leadTimeDays: 12, changed: true });
    expect(await setLeadTime(sql, { creatorId, skuId, leadTimeDays: 12, origin })).toEqual({ skuId, leadTimeDays: 12, changed: false });
    const events = await sql<{ event_data: unknown; user_id: string }[]>`
      select event_data, metadata->>'user_id' as user_id from event_store where aggregate_id = ${inventoryAggregateId(skuId)} and event_type = 'inventory.lead_time_changed'`;
    expect(events).toEqual([{ event_data: { sku_id: skuId, lead_time_days: 12, previous_lead_time_days: null }, user_id: origin.user_id }]);

    await models.project([reorderSettingsProjection]);
    expect(await sql`select lead_time_days::int, service_level::float8 from ${models.table("reorder_settings")} where creator_id = ${creatorId} and sku_id = ${skuId}`).toEqual([{ lead_time_days: 12, service_level: 0.95 }]);
  });

  it("refuses a bad lead time and another creator's SKU, and records nothing", async () => {
    const creatorId = newCreatorId();
    const skuId = await stockedSku(creatorId);
    await expect(setLeadTime(sql, { creatorId, skuId, leadTimeDays: 0, origin })).rejects.toThrow(/whole number of days from 1 to 365/);
    await expect(setLeadTime(sql, { creatorId: newCreatorId(), skuId, leadTimeDays: 5, origin })).rejects.toThrow(`No SKU ${skuId} in your inventory`);
    expect(await sql`select 1 from event_store where aggregate_id = ${inventoryAggregateId(skuId)} and event_type = 'inventory.lead_time_changed'`).toEqual([]);
  });
});
