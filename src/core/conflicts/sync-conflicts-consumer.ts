// The consumer that watches inventory streams for sync conflicts and settles them by the
// creator's rules in the same append that records them (so automatic resolution lands
// with the detection, not a pass later). Not transactional: it appends events, at least
// once, and is idempotent by construction (conflict ids and command ids derive from the
// triggering event's id; a conflict already on the stream is not raised again).
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin, reactionTo } from "../event-catalogue.ts";
import type { EventStore, StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import { conflictIdFor } from "./conflict-ids.ts";
import type { ExternalCount } from "./detection.ts";
import { evolveSkuSync, initialSkuSyncState, SYNC_CONFLICTS_COMPONENT, type SkuSyncState, type StockWrite } from "./sku-sync-state.ts";
import { decideOnExternalCount, decideOnStockWrite, type SyncDecision } from "./sync-decisions.ts";
import type { SyncRules } from "./sync-rules.ts";
import { loadSyncRules } from "./sync-rules-store.ts";

export const SYNC_CONFLICTS_CONSUMER = "sync-conflicts";

export interface SyncConflictsConsumerOptions {
  /** Defaults to the inventory_sync_rules table (with defaults for creators without rules). */
  rulesFor?: (sql: Sql, creatorId: string) => Promise<SyncRules>;
  /** Told of every decision, e.g. to count outcomes in a run. */
  onDecision?: (decision: SyncDecision, event: StoredEvent) => void;
}

// Replays re-derive nothing (a reactor skips them): the conflicts and their resolutions are already events.
export function createSyncConflictsConsumer(options: SyncConflictsConsumerOptions = {}): Consumer {
  const rulesFor = options.rulesFor ?? loadSyncRules;
  return reactorConsumer({
    name: SYNC_CONFLICTS_CONSUMER,
    handles: ["inventory.external_count_reported", "inventory.stock_updated"],
    batchSize: 200,
    async react(events, { sql, store, now }) {
      for (const event of events) {
        const decision = await handleSyncEvent(sql, store, event, rulesFor, now());
        if (decision) options.onDecision?.(decision, event);
      }
    },
  });
}

async function handleSyncEvent(sql: Sql, store: EventStore, event: StoredEvent, rulesFor: (sql: Sql, creatorId: string) => Promise<SyncRules>, now: Date): Promise<SyncDecision | null> {
  if (event.type !== "inventory.external_count_reported" && event.type !== "inventory.stock_updated") return null;
  const skuId = event.data.sku_id;
  if (event.aggregateId !== inventoryAggregateId(skuId)) return null;
  if (event.type === "inventory.stock_updated" && (event.metadata.component === SYNC_CONFLICTS_COMPONENT || event.data.source === "order")) return null;
  const rules = await rulesFor(sql, event.creatorId);
  // Decides on the SKU's sync state and appends, idempotent per triggering event.
  const decideOnSkuStream = async (decide: (state: SkuSyncState) => SyncDecision): Promise<SyncDecision | null> => {
    let decision: SyncDecision | null = null;
    await handleCommand({
      store,
      creatorId: event.creatorId,
      aggregateId: event.aggregateId,
      aggregateType: "inventory",
      initialState: initialSkuSyncState,
      evolve: evolveSkuSync,
      commandId: `sync-conflicts:${event.id}`,
      metadata: automatedOrigin(SYNC_CONFLICTS_COMPONENT, reactionTo(event)),
      decide: (state) => {
        decision = decide(state);
        return decision.events;
      },
    });
    return decision;
  };

  if (event.type === "inventory.external_count_reported") {
    const count: ExternalCount = {
      source: "tiktok",
      triggerId: event.id,
      productId: event.data.product_id,
      total: event.data.total,
      available: event.data.available,
      committed: event.data.committed,
      updateTime: event.data.tiktok_update_time,
      ...(event.data.read_started_at ? { readStartedAt: new Date(event.data.read_started_at) } : {}),
    };
    const conflictId = await conflictIdFor(event.id, "external_count");
    return decideOnSkuStream((state) => decideOnExternalCount(state, count, { skuId, conflictId, rules, now, triggerEventId: event.id }));
  }

  const before = await store.aggregateStream({ aggregateId: event.aggregateId, initialState: initialSkuSyncState, evolve: evolveSkuSync, at: { version: event.version - 1 } });
  const write: StockWrite = {
    eventId: event.id,
    source: event.data.source,
    newTotal: event.data.new_total,
    effectiveAtMs: event.occurredAt.getTime(),
    occurredAtMs: event.occurredAt.getTime(),
    bySyncConflicts: false,
  };
  const conflictId = await conflictIdFor(event.id, "stock_write");
  return decideOnSkuStream((state) => decideOnStockWrite(state, before.state.lastStockWrite, write, { skuId, conflictId, rules, now }));
}
