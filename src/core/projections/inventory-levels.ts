// Stock per creator and SKU: available, reserved, TikTok's holds, total, reorder point, sales velocity,
// hours to stock-out, low-stock severity, last sync, open sync conflicts. Folded with the
// inventory aggregate's own evolve function; the derived figures are computed as of the
// SKU's last event, so a rebuild gives the same numbers as live processing.
import type { StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import {
  available,
  evolveInventory,
  hoursToStockout,
  initialInventoryState,
  lowStockSeverity,
  salesVelocityPerHour,
  tiktokHeld,
  type InventoryState,
} from "../inventory/inventory.ts";
import type { RealtimeChanges } from "../realtime/realtime-changes.ts";
import { tableIn, type Projection, type ProjectionContext } from "./projection.ts";

interface InventoryLevel {
  creatorId: string;
  skuId: string;
  aggregateId: string;
  state: InventoryState;
  openConflictIds: string[];
  lastVersion: number;
  lastEventAt: Date;
}

interface InventoryLevelRow {
  creator_id: string;
  sku_id: string;
  aggregate_id: string;
  state: InventoryState;
  open_conflict_ids: string[];
  last_version: string;
  last_event_at: Date;
}

function foldLevel(existing: InventoryLevel | undefined, event: StoredEvent, skuId: string): InventoryLevel {
  const level: InventoryLevel = existing
    ? { ...existing }
    : {
        creatorId: event.creatorId,
        skuId,
        aggregateId: inventoryAggregateId(skuId),
        state: { ...initialInventoryState(), skuId },
        openConflictIds: [],
        lastVersion: 0,
        lastEventAt: event.occurredAt,
      };
  const data = event.data as Record<string, unknown>;
  if (event.aggregateType === "inventory") {
    level.aggregateId = event.aggregateId;
    level.lastVersion = event.version;
  }
  if (event.type === "inventory.sync_conflict_detected") {
    const conflictId = String(data.conflict_id);
    if (!level.openConflictIds.includes(conflictId)) level.openConflictIds = [...level.openConflictIds, conflictId];
  } else if (event.type === "inventory.sync_conflict_resolved") {
    level.openConflictIds = level.openConflictIds.filter((conflictId) => conflictId !== String(data.conflict_id));
  } else {
    level.state = evolveInventory(level.state, event);
  }
  if (event.occurredAt > level.lastEventAt) level.lastEventAt = event.occurredAt;
  return level;
}

/** Events of the SKU's own stream carry versions; conflict events may come from elsewhere and are idempotent by id. */
function alreadyApplied(level: InventoryLevel | undefined, event: StoredEvent): boolean {
  return level !== undefined && event.aggregateType === "inventory" && event.aggregateId === level.aggregateId && event.version <= level.lastVersion;
}

async function loadLevels(context: ProjectionContext, keys: { creator_id: string; sku_id: string }[]): Promise<Map<string, InventoryLevel>> {
  const { sql } = context;
  const rows = await sql<InventoryLevelRow[]>`
    select l.creator_id, l.sku_id, l.aggregate_id, l.state, l.open_conflict_ids, l.last_version, l.last_event_at
      from ${tableIn(context, "inventory_levels")} l
      join jsonb_to_recordset(${sql.json(keys as never)}) as k(creator_id uuid, sku_id text)
        on l.creator_id = k.creator_id and l.sku_id = k.sku_id`;
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
  const { sql } = context;
  const rows = levels.map((level) => {
    const { state } = level;
    return {
      creator_id: level.creatorId,
      sku_id: level.skuId,
      aggregate_id: level.aggregateId,
      product_id: state.productId,
      available: available(state),
      reserved: state.reserved,
      tiktok_held: tiktokHeld(state),
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
  await sql`
    insert into ${tableIn(context, "inventory_levels")} (
      creator_id, sku_id, aggregate_id, product_id, available, reserved, tiktok_held, total, reorder_point, velocity_per_hour,
      hours_to_stockout, low_stock_severity, last_sync_at, has_open_conflict, open_conflict_ids, last_version, last_event_at, state)
    select * from jsonb_to_recordset(${sql.json(rows as never)}) as r(
      creator_id uuid, sku_id text, aggregate_id text, product_id text, available integer, reserved integer, tiktok_held integer, total integer,
      reorder_point integer, velocity_per_hour double precision, hours_to_stockout double precision, low_stock_severity text,
      last_sync_at timestamptz, has_open_conflict boolean, open_conflict_ids text[], last_version bigint,
      last_event_at timestamptz, state jsonb)
     order by creator_id, sku_id
    on conflict (creator_id, sku_id) do update set
      aggregate_id = excluded.aggregate_id, product_id = excluded.product_id, available = excluded.available,
      reserved = excluded.reserved, tiktok_held = excluded.tiktok_held, total = excluded.total, reorder_point = excluded.reorder_point,
      velocity_per_hour = excluded.velocity_per_hour, hours_to_stockout = excluded.hours_to_stockout,
      low_stock_severity = excluded.low_stock_severity, last_sync_at = excluded.last_sync_at,
      has_open_conflict = excluded.has_open_conflict, open_conflict_ids = excluded.open_conflict_ids,
      last_version = excluded.last_version, last_event_at = excluded.last_event_at, state = excluded.state`;
}

export const inventoryLevelsProjection: Projection = {
  name: "projection-inventory-levels",
  handles: ["inventory.*"],
  tables: [{ name: "inventory_levels", key: ["creator_id", "sku_id"] }],
  readModel: "inventory",
  batchSize: 1_000,
  async apply(events, context, changes: RealtimeChanges) {
    const bySku = new Map<string, { creatorId: string; skuId: string; events: StoredEvent[] }>();
    for (const event of events) {
      const skuId = (event.data as { sku_id?: unknown }).sku_id;
      if (typeof skuId !== "string") continue;
      const key = `${event.creatorId}|${skuId}`;
      const entry = bySku.get(key);
      if (entry) entry.events.push(event);
      else bySku.set(key, { creatorId: event.creatorId, skuId, events: [event] });
    }
    if (bySku.size === 0) return;
    const existing = await loadLevels(context, [...bySku.values()].map((entry) => ({ creator_id: entry.creatorId, sku_id: entry.skuId })));
    const changed: InventoryLevel[] = [];
    for (const [key, entry] of bySku) {
      let level = existing.get(key);
      let moved = false;
      for (const event of entry.events) {
        if (alreadyApplied(level, event)) continue;
        level = foldLevel(level, event, entry.skuId);
        moved = true;
      }
      if (level && moved) {
        changed.push(level);
        changes.sku(level.creatorId, level.skuId);
      }
    }
    if (changed.length) await saveLevels(context, changed);
  },
};
