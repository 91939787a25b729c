// A creator's manual stock correction: the AdjustStock command, appended only if the SKU's
// stream is still at the version the creator was looking at. A stock count typed over a
// number that has since moved (an order reserved units, TikTok synced) must not silently
// overwrite it, so a moved stream is a conflict the creator resolves, not a retry.
import type { Sql } from "postgres";
import { handleCommand } from "@/core/command-handling.ts";
import type { EventOrigin } from "@/core/event-catalogue.ts";
import { ConcurrencyError, createEventStore } from "@/core/event-store/index.ts";
import { inventoryAggregateId } from "@/core/inventory/events.ts";
import { available, decideInventory, evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState, type InventoryState } from "@/core/inventory/inventory.ts";
import { ApiError } from "@/server/auth/api-error.ts";

export interface AdjustStockInput {
  creatorId: string;
  skuId: string;
  newTotal: number;
  expectedVersion: number;
  commandId: string;
  reason?: string;
  /** The request: the metadata of the adjustment's events. */
  origin: EventOrigin;
}

export interface AdjustStockResult {
  skuId: string;
  total: number;
  reserved: number;
  available: number;
  version: number;
  duplicate: boolean;
}

const conflictDetails = (state: InventoryState, version: number) => ({
  version,
  total: state.total,
  reserved: state.reserved,
  available: available(state),
});

export async function adjustStock(sql: Sql, input: AdjustStockInput, now: Date = new Date()): Promise<AdjustStockResult> {
  // The creator can only adjust SKUs its read model shows: this also keeps one creator
  // from creating streams under another creator's SKU ids.
  const [level] = await sql<{ sku_id: string }[]>`
    select sku_id from public.inventory_levels where creator_id = ${input.creatorId} and sku_id = ${input.skuId}`;
  if (!level) throw new ApiError("not_found", `No SKU ${input.skuId} in your inventory`);

  const store = createEventStore({ sql });
  const conflict = (state: InventoryState, version: number) =>
    new ApiError(
      "version_conflict",
      `Stock of ${input.skuId} changed while you were editing (now ${state.total} in stock, ${state.reserved} reserved). Your change to ${input.newTotal} was not saved.`,
      conflictDetails(state, version),
    );

  try {
    const result = await handleCommand({
      store,
      creatorId: input.creatorId,
      aggregateId: inventoryAggregateId(input.skuId),
      aggregateType: "inventory",
      initialState: initialInventoryState,
      evolve: evolveInventory,
      decide: (state) =>
        decideInventory(
          { type: "AdjustStock", skuId: input.skuId, newTotal: input.newTotal, source: "manual", reason: input.reason ?? "manual adjustment on the dashboard" },
          state,
          now,
        ),
      commandId: input.commandId,
      metadata: input.origin,
      // Appended only at the version the creator saw; a repeated command id returns its first result.
      expectedVersion: input.expectedVersion,
      snapshotSchemaVersion: INVENTORY_STATE_VERSION,
    });
    return {
      skuId: input.skuId,
      total: result.state.total,
      reserved: result.state.reserved,
      available: available(result.state),
      version: result.version,
      duplicate: result.duplicate,
    };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof ConcurrencyError) {
      const current = await store.aggregateStream({
        aggregateId: inventoryAggregateId(input.skuId),
        initialState: initialInventoryState,
        evolve: evolveInventory,
        snapshotSchemaVersion: INVENTORY_STATE_VERSION,
      });
      throw conflict(current.state, current.version);
    }
    throw error;
  }
}
