// Steps of the admin specs: sync conflicts, either raised straight in the e2e database
// (the admin panel spec, so its conflict's values do not depend on detection) or detected
// by the real sync-conflicts consumer that process-events runs after a TikTok webhook
// (webhook-conflict.spec.ts); a creator's sync rules set for one spec; and reading what
// the store holds.
import postgres, { type Sql } from "postgres";
import type { SyncRules } from "../../src/core/conflicts/sync-rules.ts";
import { saveSyncRules } from "../../src/core/conflicts/sync-rules-store.ts";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { evolveSkuSync, initialSkuSyncState } from "../../src/core/conflicts/sku-sync-state.ts";
import { inventoryAggregateId } from "../../src/core/inventory/events.ts";
import { evolveInventory, initialInventoryState } from "../../src/core/inventory/inventory.ts";
import { e2eEnv } from "./dashboard-helpers.ts";

export function e2eDatabase(): Sql {
  return postgres(e2eEnv("E2E_DATABASE_URL"), { max: 2, onnotice: () => {} });
}

/** The creator's first SKU as the dashboard lists them (by SKU id), once the projection has it. */
export async function firstDashboardSku(sql: Sql, creatorId: string): Promise<string | null> {
  const [row] = await sql<{ sku_id: string }[]>`select sku_id from public.inventory_levels where creator_id = ${creatorId}::uuid order by sku_id limit 1`;
  return row?.sku_id ?? null;
}

export interface SkuOfCreator {
  skuId: string;
  productId: string;
  /** The SKU's total as its inventory stream has it now: the count detection compares with. */
  total: number;
  /**
   * TikTok's time of the newest count it sent for the SKU, seconds, or null. Earlier specs'
   * simulated traffic runs a simulated clock ahead of ours; a report older than this one is
   * superseded, not judged.
   */
  newestTikTokTime: number | null;
}

/** The creator's last SKU by id (the admin panel spec takes the first), with its current total. */
export async function lastSkuOf(sql: Sql, creatorId: string): Promise<SkuOfCreator | null> {
  const [row] = await sql<{ sku_id: string; product_id: string }[]>`
    select sku_id, product_id from public.inventory_levels
     where creator_id = ${creatorId}::uuid and product_id is not null order by sku_id desc limit 1`;
  if (!row) return null;
  const store = createEventStore({ sql });
  const { state } = await store.aggregateStream({ aggregateId: inventoryAggregateId(row.sku_id), initialState: initialSkuSyncState, evolve: evolveSkuSync });
  return { skuId: row.sku_id, productId: row.product_id, total: state.inventory.total, newestTikTokTime: state.newestTikTokCountTime };
}

/**
 * TikTok's time for a report of the SKU that is TikTok's newest: now, or just after the newest
 * TikTok already sent (earlier specs' simulated traffic runs a clock hours ahead of ours, and
 * an older report is superseded, not judged).
 */
export function reportTimeAfterNewest(sku: SkuOfCreator): number {
  return Math.max(Math.floor(Date.now() / 1000), (sku.newestTikTokTime ?? 0) + 1);
}

/**
 * Sets some of the creator's sync rules for one spec. The returned function puts the
 * creator's row back as it was, or removes it if there was none, so later specs get
 * the rules they would have had.
 */
export async function overrideSyncRules(sql: Sql, creatorId: string, changes: Partial<SyncRules>): Promise<() => Promise<void>> {
  const [previous] = await sql<Record<string, unknown>[]>`select * from public.inventory_sync_rules where creator_id = ${creatorId}::uuid`;
  await saveSyncRules(sql, creatorId, changes, "e2e");
  return async () => {
    await sql.begin(async (tx) => {
      await tx`delete from public.inventory_sync_rules where creator_id = ${creatorId}::uuid`;
      if (previous) await tx`insert into public.inventory_sync_rules ${tx(previous)}`;
    });
  };
}

/** The id of the event a webhook delivery appended, found by its notification id (the event's request_id). */
export async function eventIdOfDelivery(sql: Sql, notificationId: string, eventType: string): Promise<string | null> {
  const [row] = await sql<{ id: string }[]>`
    select id::text from public.event_store
     where event_type = ${eventType} and metadata ->> 'request_id' = ${notificationId}`;
  return row?.id ?? null;
}

/** The conflict the sync-conflicts consumer detected because of the given event, or null while it has not. */
export async function conflictDetectedFrom(sql: Sql, triggerEventId: string) {
  const [row] = await sql<{ event_data: { conflict_id: string; conflict_type: string; local_value: number; external_value: number; source: string }; causation_id: string | null }[]>`
    select event_data, causation_id::text from public.event_store
     where event_type = 'inventory.sync_conflict_detected' and event_data ->> 'trigger_event_id' = ${triggerEventId}`;
  return row ?? null;
}

/** The last stock write on the SKU's stream. */
export async function lastStockWriteOf(sql: Sql, skuId: string) {
  const [row] = await sql<{ id: string; event_data: { new_total: number; source: string } }[]>`
    select id::text, event_data from public.event_store
     where aggregate_id = ${inventoryAggregateId(skuId)} and event_type = 'inventory.stock_updated' order by version desc limit 1`;
  return row ?? null;
}

/** Whether the consumer's checkpoint has reached the event, i.e. it has handled it (or dead-lettered it). */
export async function consumerHasReached(sql: Sql, consumer: string, eventId: string): Promise<boolean> {
  const [row] = await sql<{ reached: boolean }[]>`
    select (c.transaction_id, c.position) >= (e.transaction_id, e.position) as reached
      from public.consumer_checkpoints c, public.event_store e
     where c.consumer = ${consumer} and e.id = ${eventId}::uuid`;
  return row?.reached ?? false;
}

/** Appends an open quantity_mismatch (TikTok reports `externalDelta` more than the local count) to the SKU's stream. */
export async function raiseOpenConflict(sql: Sql, creatorId: string, skuId: string, externalDelta: number): Promise<{ conflictId: string; localTotal: number }> {
  const store = createEventStore({ sql });
  const aggregateId = inventoryAggregateId(skuId);
  const { state, version } = await store.aggregateStream({ aggregateId, initialState: initialInventoryState, evolve: evolveInventory });
  const conflictId = crypto.randomUUID();
  await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId,
    aggregateId,
    aggregateType: "inventory",
    expectedVersion: version,
    events: [
      {
        type: "inventory.sync_conflict_detected",
        data: {
          conflict_id: conflictId,
          sku_id: skuId,
          conflict_type: "quantity_mismatch",
          local_value: state.total,
          external_value: state.total + externalDelta,
          source: "tiktok",
          ...(state.productId ? { product_id: state.productId } : {}),
        },
      },
    ],
  });
  return { conflictId, localTotal: state.total };
}

export async function resolutionEventOf(sql: Sql, conflictId: string) {
  const [row] = await sql<{ event_data: Record<string, unknown>; user_id: string | null; occurred_at: Date }[]>`
    select event_data, user_id, occurred_at from public.event_store
     where event_type = 'inventory.sync_conflict_resolved' and event_data ->> 'conflict_id' = ${conflictId}`;
  return row ?? null;
}

/** A number as the dashboard shows it (locale-formatted), parsed back. */
export function parseShownNumber(text: string | null): number {
  return Number((text ?? "").replace(/[^\d.-]/g, ""));
}
