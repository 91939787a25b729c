// Stock per creator and SKU: available, reserved, TikTok's holds, total, reorder point, sales velocity,
// hours to stock-out, low-stock severity, last sync, open sync conflicts, and what each
// channel was last told or reported it shows. Folded with the
// inventory aggregate's own evolve function; the derived figures are computed as of the
// SKU's last event, so a rebuild gives the same numbers as live processing. Pure: the
// table it is kept in is declared in inventory-levels-projection.ts.
import type { ChannelId } from "../channels/channel-id.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { skuIdOf } from "../event-catalogue.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { evolveInventory, initialInventoryState, type InventoryState } from "../inventory/inventory.ts";
import { foldEntities } from "./entity-fold.ts";
import type { Folded } from "./projection.ts";

export interface InventoryLevel {
  creatorId: string;
  skuId: string;
  aggregateId: string;
  state: InventoryState;
  openConflictIds: string[];
  /**
   * The newest count each channel was sent or reported for the SKU (TikTok Shop's available,
   * a Shopify store's available), by channel; a channel that never showed the SKU is absent.
   */
  channelAvailable: Partial<Record<ChannelId, number>>;
  lastVersion: number;
  lastEventAt: Date;
}

function newLevel(creatorId: string, skuId: string, firstEventAt: Date): InventoryLevel {
  const state = { ...initialInventoryState(), skuId };
  return { creatorId, skuId, aggregateId: inventoryAggregateId(skuId), state, openConflictIds: [], channelAvailable: {}, lastVersion: 0, lastEventAt: firstEventAt };
}

/** Moves `level` (a copy) by one event. */
function applyToLevel(level: InventoryLevel, event: StoredEvent): void {
  if (event.aggregateType === "inventory") {
    level.aggregateId = event.aggregateId;
    level.lastVersion = event.version;
  }
  if (event.type === "inventory.sync_conflict_detected") {
    const conflictId = event.data.conflict_id;
    if (!level.openConflictIds.includes(conflictId)) level.openConflictIds = [...level.openConflictIds, conflictId];
  } else if (event.type === "inventory.sync_conflict_resolved") {
    const resolvedId = event.data.conflict_id;
    level.openConflictIds = level.openConflictIds.filter((conflictId) => conflictId !== resolvedId);
  } else {
    level.state = evolveInventory(level.state, event);
  }
  const shown = shownOnChannel(event);
  if (shown) level.channelAvailable = { ...level.channelAvailable, [shown.channel]: shown.available };
  if (event.occurredAt > level.lastEventAt) level.lastEventAt = event.occurredAt;
}

/** The count a channel shows after the event, when the event says: a push to it, or its own report. */
function shownOnChannel(event: StoredEvent): { channel: ChannelId; available: number } | null {
  switch (event.type) {
    case "inventory.external_count_reported":
    case "inventory.external_count_pushed":
      return { channel: "tiktok_shop", available: event.data.available };
    case "inventory.channel_count_reported":
    case "inventory.channel_count_pushed":
      return { channel: event.data.channel, available: event.data.available };
    default:
      return null;
  }
}

/** Events of the SKU's own stream carry versions; conflict events may come from elsewhere and are idempotent by id. */
function alreadyApplied(level: InventoryLevel, event: StoredEvent): boolean {
  return event.aggregateType === "inventory" && event.aggregateId === level.aggregateId && event.version <= level.lastVersion;
}

/** Inventory levels by `creator|sku`: the whole read model in a spec, the SKUs a batch touches live. */
export type InventoryLevels = ReadonlyMap<string, InventoryLevel>;

/** A batch's events grouped by (creator, SKU), in stream order; keys are `creator|sku`. */
export function eventsBySku(events: readonly StoredEvent[]): Map<string, { creatorId: string; skuId: string; events: StoredEvent[] }> {
  const bySku = new Map<string, { creatorId: string; skuId: string; events: StoredEvent[] }>();
  for (const event of events) {
    const skuId = skuIdOf(event);
    if (skuId === undefined) continue;
    const key = `${event.creatorId}|${skuId}`;
    const entry = bySku.get(key);
    if (entry) entry.events.push(event);
    else bySku.set(key, { creatorId: event.creatorId, skuId, events: [event] });
  }
  return bySku;
}

/** The levels with the batch folded in; writes are the levels it moved. */
export function foldInventoryLevels(levels: InventoryLevels, events: readonly StoredEvent[]): Folded<InventoryLevels, InventoryLevel[]> {
  const { state, moves } = foldEntities(levels, eventsBySku(events), {
    start: (sku, event) => newLevel(sku.creatorId, sku.skuId, event.occurredAt),
    apply: applyToLevel,
    hasFolded: alreadyApplied,
  });
  return { state, writes: moves.map((move) => move.after) };
}
