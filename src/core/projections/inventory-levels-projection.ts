// The inventory levels projection: the pure fold of inventory-levels.ts kept in the
// inventory_levels table, one row per creator and SKU, with the derived figures the
// dashboard reads as columns.
import type { StoredEvent } from "../event-store/index.ts";
import { available, hoursToStockout, lowStockSeverity, salesVelocityPerHour, tiktokHeld, type InventoryState } from "../inventory/inventory.ts";
import { eventsBySku, foldInventoryLevels, type InventoryLevel, type InventoryLevels } from "./inventory-levels.ts";
import { defineProjection, type ProjectionContext, type ProjectionTable } from "./projection.ts";
import { selectRowsMatching, upsertRows } from "./read-model-storage.ts";

const inventoryLevelsTable: ProjectionTable = {
  name: "inventory_levels",
  key: ["creator_id", "sku_id"],
  columns: {
    creator_id: "uuid",
    sku_id: "text",
    aggregate_id: "text",
    product_id: "text",
    available: "integer",
    tiktok_held: "integer",
    reserved: "integer",
    total: "integer",
    reorder_point: "integer",
    velocity_per_hour: "double precision",
    hours_to_stockout: "double precision",
    low_stock_severity: "text",
    last_sync_at: "timestamptz",
    has_open_conflict: "boolean",
    open_conflict_ids: "text[]",
    last_version: "bigint",
    last_event_at: "timestamptz",
    state: "jsonb",
  },
};

interface InventoryLevelRow {
  creator_id: string;
  sku_id: string;
  aggregate_id: string;
  state: InventoryState;
  open_conflict_ids: string[];
  last_version: string;
  last_event_at: Date;
}

async function loadLevels(context: ProjectionContext, events: readonly StoredEvent[]): Promise<Map<string, InventoryLevel>> {
  const keys = [...eventsBySku(events).values()].map((entry) => ({ creator_id: entry.creatorId, sku_id: entry.skuId }));
  const rows = await selectRowsMatching<InventoryLevelRow>(context, inventoryLevelsTable, keys);
  return new Map(
    rows.map((row) => [
      `${row.creator_id}|${row.sku_id}`,
      {
        creatorId: row.creator_id,
        skuId: row.sku_id,
        aggregateId: row.aggregate_id,
        state: row.state,
        openConflictIds: row.open_conflict_ids,
        lastVersion: Number(row.last_version),
        lastEventAt: row.last_event_at,
      },
    ]),
  );
}

async function saveLevels(context: ProjectionContext, levels: InventoryLevel[]): Promise<void> {
  const rows = levels.map((level) => {
    const { state } = level;
    return {
      creator_id: level.creatorId,
      sku_id: level.skuId,
      aggregate_id: level.aggregateId,
      product_id: state.productId,
      available: available(state),
      tiktok_held: tiktokHeld(state),
      reserved: state.reserved,
      total: state.total,
      reorder_point: state.reorderPoint,
      velocity_per_hour: salesVelocityPerHour(state, level.lastEventAt),
      hours_to_stockout: hoursToStockout(state, level.lastEventAt),
      low_stock_severity: lowStockSeverity(state, level.lastEventAt),
      last_sync_at: state.lastSyncAt,
      has_open_conflict: level.openConflictIds.length > 0,
      open_conflict_ids: level.openConflictIds,
      last_version: level.lastVersion,
      last_event_at: level.lastEventAt.toISOString(),
      state,
    };
  });
  await upsertRows(context, inventoryLevelsTable, rows);
}

export const inventoryLevelsProjection = defineProjection<InventoryLevels, InventoryLevel[]>({
  name: "projection-inventory-levels",
  handles: ["inventory.*"],
  tables: [inventoryLevelsTable],
  readModel: "inventory",
  batchSize: 1_000,
  initialState: () => new Map(),
  fold: (levels, events) => foldInventoryLevels(levels, events),
  announce(levels, changes) {
    for (const level of levels) changes.sku(level.creatorId, level.skuId);
  },
  storage: { load: loadLevels, save: saveLevels },
});
