// The inventory levels projection: the pure fold of inventory-levels.ts kept in the
// inventory_levels table, one row per creator and SKU, with the derived figures the
// dashboard reads as columns.
import { available, hoursToStockout, lowStockSeverity, salesVelocityPerHour, tiktokHeld } from "../inventory/inventory.ts";
import { eventsBySku, foldInventoryLevels, type InventoryLevel, type InventoryLevels } from "./inventory-levels.ts";
import { defineProjection, type ProjectionTable } from "./projection.ts";
import { rowPerEntityStorage } from "./read-model-storage.ts";
import type { SnakeCaseRow } from "../snake-case-rows.ts";

const inventoryLevelsTable: ProjectionTable = { name: "inventory_levels", key: ["creator_id", "sku_id"] };

/** The columns a level is read back from (the table has the dashboard's derived figures besides); rows from before channels have no channel counts. */
type InventoryLevelRow = SnakeCaseRow<Omit<InventoryLevel, "lastVersion" | "channelAvailable">> & {
  last_version: string;
  channel_available: InventoryLevel["channelAvailable"] | null;
};

function levelFromRow(row: InventoryLevelRow): InventoryLevel {
  return {
    creatorId: row.creator_id,
    skuId: row.sku_id,
    aggregateId: row.aggregate_id,
    state: row.state,
    openConflictIds: row.open_conflict_ids,
    channelAvailable: row.channel_available ?? {},
    lastVersion: Number(row.last_version),
    lastEventAt: row.last_event_at,
  };
}

/** The row of a level, with the figures the dashboard reads as columns. */
function levelRow(level: InventoryLevel) {
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
    channel_available: level.channelAvailable,
    last_version: level.lastVersion,
    last_event_at: level.lastEventAt.toISOString(),
    state,
  };
}

const levelStorage = rowPerEntityStorage<InventoryLevel, InventoryLevel, InventoryLevelRow>({
  table: inventoryLevelsTable,
  keysOf: (events) => [...eventsBySku(events).values()].map((entry) => ({ creator_id: entry.creatorId, sku_id: entry.skuId })),
  fromRow: levelFromRow,
  toRow: levelRow,
});

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
  storage: levelStorage,
});
