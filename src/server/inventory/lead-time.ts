// A creator sets how long a reorder of one SKU takes to arrive: an inventory.lead_time_changed
// event on the SKU's stream (who and when in its metadata), which the reorder settings
// projection keeps for the reorder suggestion. Only for SKUs the creator's inventory shows.
import type { Sql } from "postgres";
import { decideLeadTime } from "@/core/analytics/reorder.ts";
import { handleCommand } from "@/core/command-handling.ts";
import type { EventOrigin } from "@/core/event-catalogue.ts";
import { createEventStore } from "@/core/event-store/index.ts";
import { inventoryAggregateId } from "@/core/inventory/events.ts";
import { evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState } from "@/core/inventory/inventory.ts";
import { ApiError } from "@/server/auth/api-error.ts";

export interface SetLeadTimeResult {
  skuId: string;
  leadTimeDays: number;
  /** False when the SKU already had this lead time (nothing recorded). */
  changed: boolean;
}

export async function setLeadTime(sql: Sql, input: { creatorId: string; skuId: string; leadTimeDays: number; origin: EventOrigin }): Promise<SetLeadTimeResult> {
  const [level] = await sql`select 1 from public.inventory_levels where creator_id = ${input.creatorId} and sku_id = ${input.skuId}`;
  if (!level) throw new ApiError("not_found", `No SKU ${input.skuId} in your inventory`);
  const result = await handleCommand({
    store: createEventStore({ sql }),
    creatorId: input.creatorId,
    aggregateId: inventoryAggregateId(input.skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    snapshotSchemaVersion: INVENTORY_STATE_VERSION,
    metadata: input.origin,
    decide: (state) => decideLeadTime(state, input.leadTimeDays),
  });
  return { skuId: input.skuId, leadTimeDays: input.leadTimeDays, changed: result.appended.length > 0 };
}
