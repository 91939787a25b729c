// Reconciliation of every connected channel store that is not TikTok Shop (TikTok's runs in
// conflicts/reconciliation.ts), on the same schedule and in the same run: read the store's
// counts through its adapter, compare each with what the pool says the store should show
// (channelDisagreements: the pool's available, less the store's buffer, within its cap), and
// raise a sync conflict naming the channel and the store where they disagree. Webhooks can
// be lost for good (Shopify stops retrying after 48 hours) and counts can be changed by hand
// in the store's admin: this is what finds both.
//
// A SKU whose pool count changed moments ago and is not yet pushed is the channel stock
// outbox's (it is about to write the store); a store count read before the outbox's latest
// push may be older than the push; and a disagreement already open for the store is not raised
// again every run. The pure decision is decideChannelReconciliation; the rest loads and appends.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { deterministicUuid } from "../conflicts/conflict-ids.ts";
import { automatedOrigin } from "../event-catalogue.ts";
import { createEventStore, type EventStore, type NewEvent, type StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { available } from "../inventory/inventory.ts";
import { channelDisagreements, type ChannelAllocation, type ChannelShopApi, type ChannelStockLevel } from "./channel.ts";
import type { ChannelId } from "./channel-id.ts";
import { channelShopKey, evolveChannelStockOutbox, initialChannelStockOutboxState, POOL_CHANGE_TYPES, type ChannelStockOutboxState } from "./channel-stock-outbox.ts";

/** The component named in the events it appends (the reconciliation run's own). */
export const CHANNEL_RECONCILIATION_COMPONENT = "reconciliation";
/** How long a pool change is the stock outbox's to push before a disagreement about it is a conflict. */
export const CHANNEL_OUTBOX_GRACE_MS = 2 * 60 * 1000;
const SKUS_PER_READ = 100;

/** A connected store to reconcile, with the SKUs it lists and the channel's handles for them. */
export interface ChannelStoreToReconcile {
  creatorId: string;
  channel: ChannelId;
  shopId: string;
  allocation: ChannelAllocation;
  skus: { skuId: string; handles: Record<string, string> }[];
  api: ChannelShopApi;
}

/** What reconciliation needs of one SKU's inventory stream. */
export interface ChannelReconciliationState {
  outbox: ChannelStockOutboxState;
  /** Open conflicts raised about a channel store, by conflict id: the store's key. */
  openChannelConflicts: Record<string, string>;
  /** The newest change of the pool's available count: its version and when it was recorded. */
  lastPoolChange: { version: number; at: string } | null;
}

export const initialChannelReconciliationState = (): ChannelReconciliationState => ({ outbox: initialChannelStockOutboxState(), openChannelConflicts: {}, lastPoolChange: null });

export function evolveChannelReconciliation(state: ChannelReconciliationState, event: StoredEvent): ChannelReconciliationState {
  const next = { ...state, outbox: evolveChannelStockOutbox(state.outbox, event) };
  if ((POOL_CHANGE_TYPES as readonly string[]).includes(event.type)) next.lastPoolChange = { version: event.version, at: event.occurredAt.toISOString() };
  if (event.type === "inventory.sync_conflict_detected" && event.data.channel && event.data.channel !== "tiktok_shop" && event.data.shop_id) {
    next.openChannelConflicts = { ...state.openChannelConflicts, [event.data.conflict_id]: channelShopKey(event.data.channel, event.data.shop_id) };
  }
  if (event.type === "inventory.sync_conflict_resolved" && event.data.conflict_id in state.openChannelConflicts) {
    const { [event.data.conflict_id]: _resolved, ...open } = state.openChannelConflicts;
    next.openChannelConflicts = open;
  }
  return next;
}

export type ChannelReconciliationDecision =
  | { outcome: "agrees" }
  /** The pool moved moments ago and the outbox has not pushed it yet: the outbox's to settle. */
  | { outcome: "left_to_outbox" }
  /** The store's count was read before the outbox's newest push landed: it says nothing of the store now. */
  | { outcome: "read_predates_push" }
  | { outcome: "already_open"; conflictId: string }
  | { outcome: "conflict"; pool: number; target: number; channel: number };

export function decideChannelReconciliation(
  state: ChannelReconciliationState,
  store: { channel: ChannelId; shopId: string; allocation: ChannelAllocation },
  level: ChannelStockLevel,
  context: { now: Date; readStartedAt: Date; graceMs?: number },
): ChannelReconciliationDecision {
  const key = channelShopKey(store.channel, store.shopId);
  const [disagreement] = channelDisagreements(new Map([[level.skuId, available(state.outbox.inventory)]]), [level], store.allocation);
  if (!disagreement) return { outcome: "agrees" };
  const shop = state.outbox.shops[key];
  if (shop?.lastPushAt && Date.parse(shop.lastPushAt) >= context.readStartedAt.getTime()) return { outcome: "read_predates_push" };
  const change = state.lastPoolChange;
  const unpushed = change !== null && (shop?.pushedVersion ?? 0) < change.version;
  if (unpushed && context.now.getTime() - Date.parse(change.at) < (context.graceMs ?? CHANNEL_OUTBOX_GRACE_MS)) return { outcome: "left_to_outbox" };
  const open = Object.entries(state.openChannelConflicts).find(([, shopKey]) => shopKey === key);
  if (open) return { outcome: "already_open", conflictId: open[0] };
  return { outcome: "conflict", pool: disagreement.pool, target: disagreement.target, channel: disagreement.channel };
}

/** The conflict, and the store's count as read (so the next push compares against what the store holds). */
export function channelConflictEvents(store: { channel: ChannelId; shopId: string }, level: ChannelStockLevel, decision: Extract<ChannelReconciliationDecision, { outcome: "conflict" }>, conflictId: string): NewEvent[] {
  return [
    {
      type: "inventory.sync_conflict_detected",
      data: {
        conflict_id: conflictId,
        sku_id: level.skuId,
        conflict_type: "quantity_mismatch",
        local_value: decision.target,
        external_value: Math.max(0, decision.channel),
        source: store.channel === "shopify" ? "shopify" : "reconciliation",
        channel: store.channel,
        shop_id: store.shopId,
      },
    },
    { type: "inventory.channel_count_reported", data: { sku_id: level.skuId, channel: store.channel, shop_id: store.shopId, available: level.available, handles: level.handles } },
  ];
}

export interface ChannelDrift {
  creatorId: string;
  channel: ChannelId;
  shopId: string;
  skuId: string;
  pool: number;
  channelCount: number;
  conflictId: string;
}

export interface ChannelReconciliationReport {
  stores: number;
  skusChecked: number;
  agreed: number;
  conflictsRaised: number;
  alreadyOpen: number;
  leftToOutbox: number;
  failures: { shopId: string; skuId?: string; error: string }[];
  drift: ChannelDrift[];
}

export interface ChannelReconciliationRun {
  sql: Sql;
  stores: readonly ChannelStoreToReconcile[];
  now: () => Date;
  /** Names the run: a rerun of a crashed run raises no conflict twice. */
  runId: string;
  graceMs?: number;
}

export const emptyChannelReconciliationReport = (): ChannelReconciliationReport => ({ stores: 0, skusChecked: 0, agreed: 0, conflictsRaised: 0, alreadyOpen: 0, leftToOutbox: 0, failures: [], drift: [] });

export async function reconcileChannelStores(run: ChannelReconciliationRun): Promise<ChannelReconciliationReport> {
  const eventStore = createEventStore({ sql: run.sql });
  const report = emptyChannelReconciliationReport();
  for (const store of run.stores) {
    report.stores += 1;
    await reconcileStore(run, eventStore, store, report);
  }
  return report;
}

/** A store's SKUs a page at a time; a read that fails ends the store's turn (the next run reads it again), a SKU that fails only that SKU. */
async function reconcileStore(run: ChannelReconciliationRun, eventStore: EventStore, store: ChannelStoreToReconcile, report: ChannelReconciliationReport): Promise<void> {
  for (let start = 0; start < store.skus.length; start += SKUS_PER_READ) {
    // By the database's clock, as pushes are recorded.
    const [{ readStartedAt }] = await run.sql<{ readStartedAt: Date }[]>`select clock_timestamp() as "readStartedAt"`;
    let levels: ChannelStockLevel[];
    try {
      levels = await store.api.readStock(store.skus.slice(start, start + SKUS_PER_READ));
    } catch (error) {
      report.failures.push({ shopId: store.shopId, error: describe(error) });
      return;
    }
    for (const level of levels) {
      report.skusChecked += 1;
      try {
        countReconciledSku(report, store, level, await reconcileSku(run, eventStore, store, level, readStartedAt));
      } catch (error) {
        report.failures.push({ shopId: store.shopId, skuId: level.skuId, error: describe(error) });
      }
    }
  }
}

/** One SKU's decision, and whether its conflict was appended now or by an earlier try of the same run. */
export interface ReconciledSku {
  decision: ChannelReconciliationDecision;
  conflictId: string;
  duplicate: boolean;
}

async function reconcileSku(run: ChannelReconciliationRun, eventStore: EventStore, store: ChannelStoreToReconcile, level: ChannelStockLevel, readStartedAt: Date): Promise<ReconciledSku> {
  const runKey = `channel-reconciliation:${run.runId}:${store.channel}:${store.shopId}:${level.skuId}`;
  const conflictId = await deterministicUuid(runKey);
  let decision: ChannelReconciliationDecision = { outcome: "agrees" };
  const result = await handleCommand({
    store: eventStore,
    creatorId: store.creatorId,
    aggregateId: inventoryAggregateId(level.skuId),
    aggregateType: "inventory",
    initialState: initialChannelReconciliationState,
    evolve: evolveChannelReconciliation,
    commandId: runKey,
    metadata: automatedOrigin(CHANNEL_RECONCILIATION_COMPONENT, { correlation_id: run.runId }),
    decide: (state) => {
      // A SKU the creator never stocked is not the pool's to judge.
      if (state.outbox.version === 0) return [];
      decision = decideChannelReconciliation(state, store, level, { now: run.now(), readStartedAt, graceMs: run.graceMs });
      return decision.outcome === "conflict" ? channelConflictEvents(store, level, decision, conflictId) : [];
    },
  });
  return { decision, conflictId, duplicate: result.duplicate };
}

/** Counts one SKU's outcome in the run's report; a conflict an earlier try of the run raised is not counted again. */
export function countReconciledSku(report: ChannelReconciliationReport, store: Pick<ChannelStoreToReconcile, "creatorId" | "channel" | "shopId">, level: ChannelStockLevel, { decision, conflictId, duplicate }: ReconciledSku): void {
  if (decision.outcome === "agrees") report.agreed += 1;
  else if (decision.outcome === "already_open") report.alreadyOpen += 1;
  else if (decision.outcome === "left_to_outbox" || decision.outcome === "read_predates_push") report.leftToOutbox += 1;
  else if (!duplicate) {
    report.conflictsRaised += 1;
    report.drift.push({ creatorId: store.creatorId, channel: store.channel, shopId: store.shopId, skuId: level.skuId, pool: decision.target, channelCount: decision.channel, conflictId });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
