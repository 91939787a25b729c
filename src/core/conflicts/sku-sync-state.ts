// What conflict detection and resolution know about one SKU, folded from its inventory
// stream: the inventory aggregate's own state, every conflict raised on it, TikTok's
// newest report, the last stock write, and whether TikTok still has to be told a count.
import { channelOf, type ChannelId } from "../channels/channel-id.ts";
import type { EventData } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { evolveInventory, initialInventoryState, type InventoryState } from "../inventory/inventory.ts";

/** Metadata `source` of every event this context appends: its own stock writes are not "another writer". */
export const SYNC_CONFLICTS_COMPONENT = "sync-conflicts";

export type ConflictType = EventData<"inventory.sync_conflict_detected">["conflict_type"];
export type ResolutionMethod = EventData<"inventory.sync_conflict_resolved">["method"];
export type Winner = NonNullable<EventData<"inventory.sync_conflict_resolved">["winner"]>;
/** Who set a stock level, or reported the count a conflict compares with. */
export type StockSource = EventData<"inventory.stock_updated">["source"];

export interface SkuConflict {
  conflictId: string;
  type: ConflictType;
  localValue: number;
  externalValue: number;
  source: StockSource;
  /** Set for a conflict of a channel other than TikTok Shop: its values are the channel's sellable count and the pool's share for it. */
  channel?: ChannelId;
  detectedAt: string;
  resolution: { method: ResolutionMethod; winningValue: number; losingValue: number; resolvedBy: string; resolvedAt: string; winner?: Winner } | null;
}

export interface StockWrite {
  eventId: string;
  source: StockSource;
  newTotal: number;
  /** When the count was true: TikTok's own time for a count taken from TikTok, else when it was written. */
  effectiveAtMs: number;
  occurredAtMs: number;
  bySyncConflicts: boolean;
}

export interface ExternalReport {
  eventId: string;
  version: number;
  updateTime: number;
  total: number;
  committed: number;
}

/**
 * TikTok's total is its available count plus its holds and the units it committed to its
 * orders. Taken from TikTok, the total is known and moves only by its orders' shipments
 * (a new order or a cancellation moves units between available and committed). A push sets
 * the available count alone and TikTok keeps its commitments, so after one only the
 * available count is known: its total is what it was sent plus orders of its own that may
 * not be ours to count (not taken here yet, or with one pool across channels, never ours
 * while another channel's orders hold the pool's units). After a push TikTok's available
 * count moves by its own orders only: lower by an order placed since (committed there until
 * it ships), higher by one cancelled.
 */
export type TikTokExpectation =
  | { basis: "total"; total: number }
  | {
      basis: "available";
      /** The available count TikTok was sent. */
      pushed: number;
      /** Units shipped here since the push: an order TikTok took since may have left its committed units already. */
      shippedSince: number;
      /** Units of TikTok's orders cancelled here since the push: they went back to TikTok's available count. */
      cancelledSince: number;
    };

export interface SkuSyncState {
  creatorId: string | null;
  inventory: InventoryState;
  /** A stock level was ever set here; before that TikTok's first count is simply adopted. */
  hasLocalLevel: boolean;
  conflicts: Record<string, SkuConflict>;
  lastStockWrite: StockWrite | null;
  newestExternalReport: ExternalReport | null;
  /** A count decided here (local or custom won) that TikTok has not been sent yet. */
  pendingPushToTikTok: { total: number; conflictId: string } | null;
  /**
   * What TikTok should show by what is known: a report that differs from it is a change made
   * on TikTok's side; a report that matches it differs from the local count only by local
   * changes TikTok has not been sent yet, or by orders in flight. Null until one is known.
   */
  tiktokExpectation: TikTokExpectation | null;
  /** TikTok's time of the newest count taken from TikTok (a report, or a count adopted from one): orders TikTok's reports only. */
  newestTikTokCountTime: number | null;
  /** The expectation as it stood just before each recent TikTok report (by event id): what that report is judged against. */
  expectedBeforeReport: Record<string, TikTokExpectation | null>;
  /** When the newest push to TikTok was recorded (the database's clock): a count read from TikTok before it may predate it. */
  lastPushRecordedAt: string | null;
}

export const initialSkuSyncState = (): SkuSyncState => ({
  creatorId: null,
  inventory: initialInventoryState(),
  hasLocalLevel: false,
  conflicts: {},
  lastStockWrite: null,
  newestExternalReport: null,
  pendingPushToTikTok: null,
  tiktokExpectation: null,
  newestTikTokCountTime: null,
  expectedBeforeReport: {},
  lastPushRecordedAt: null,
});

/**
 * A count read from TikTok before a push we recorded since (the read began before the push
 * was recorded, both by the database's clock): TikTok may have had it before our push
 * reached it, so it says nothing about TikTok's count now. Such a read is set aside, never
 * judged: judged against the count pushed, it would look like a change made on TikTok's side
 * and overwrite newer counts (ours, and TikTok's own) with an older one.
 */
export function readPredatesPush(state: Pick<SkuSyncState, "lastPushRecordedAt">, readStartedAt: Date | undefined): boolean {
  return readStartedAt !== undefined && state.lastPushRecordedAt !== null && Date.parse(state.lastPushRecordedAt) >= readStartedAt.getTime();
}

/** Reports whose expectation is kept: enough for any report still waiting to be decided. */
const KEPT_REPORT_EXPECTATIONS = 50;

/**
 * Resolutions after which TikTok must be sent the local count. Not tolerance (the
 * difference is accepted as it is) nor pending reservations (TikTok is merely ahead).
 */
export const methodsThatTellTikTok: ReadonlySet<ResolutionMethod> = new Set(["source_wins", "oversell_protection", "newest_wins", "keep_local", "custom"]);

export function evolveSkuSync(state: SkuSyncState, event: StoredEvent): SkuSyncState {
  const inventory = evolveInventory(state.inventory, event);
  const next: SkuSyncState = { ...state, creatorId: event.creatorId ?? state.creatorId, inventory };
  switch (event.type) {
    case "inventory.stock_updated":
      return afterStockWrite(state, next, event);
    case "inventory.external_count_reported":
      return afterExternalReport(state, next, event);
    case "inventory.sync_conflict_detected": {
      const data = event.data;
      const conflictId = data.conflict_id;
      next.conflicts = {
        ...state.conflicts,
        [conflictId]: {
          conflictId,
          type: data.conflict_type,
          localValue: data.local_value,
          externalValue: data.external_value,
          source: data.source,
          ...(data.channel && data.channel !== "tiktok_shop" ? { channel: data.channel } : {}),
          detectedAt: event.occurredAt.toISOString(),
          resolution: null,
        },
      };
      return next;
    }
    case "inventory.sync_conflict_resolved":
      return afterResolution(state, next, event);
    case "inventory.external_count_pushed":
      next.lastPushRecordedAt = event.occurredAt.toISOString();
      next.pendingPushToTikTok = null;
      next.tiktokExpectation = { basis: "available", pushed: event.data.available, shippedSince: 0, cancelledSince: 0 };
      return next;
    case "inventory.released": {
      const expectation = state.tiktokExpectation;
      // Shipments are counted by their stock write; a release of another channel's order is not TikTok's.
      if (expectation?.basis === "available" && event.data.reason !== "shipped" && channelOf(event.data) === "tiktok_shop") {
        next.tiktokExpectation = { ...expectation, cancelledSince: expectation.cancelledSince + event.data.quantity };
      }
      return next;
    }
    default:
      return next;
  }
}

/** A local write: the newest stock write, and what TikTok is now expected to show. */
function afterStockWrite(state: SkuSyncState, next: SkuSyncState, event: StoredEvent<"inventory.stock_updated">): SkuSyncState {
  const data = event.data;
  const occurredAtMs = event.occurredAt.getTime();
  const reflects = event.metadata?.reflects_tiktok_update_time;
  next.hasLocalLevel = true;
  // A count taken from TikTok is what TikTok has; a shipment moved TikTok's total as it moved ours.
  if (data.source === "tiktok" || typeof reflects === "number") next.tiktokExpectation = { basis: "total", total: data.new_total };
  if (typeof reflects === "number") next.newestTikTokCountTime = Math.max(state.newestTikTokCountTime ?? reflects, reflects);
  else if (data.source === "order") next.tiktokExpectation = afterShipment(state.tiktokExpectation, data.previous_total - data.new_total);
  next.lastStockWrite = {
    eventId: event.id,
    source: data.source,
    newTotal: data.new_total,
    effectiveAtMs: typeof reflects === "number" ? reflects * 1000 : occurredAtMs,
    occurredAtMs,
    bySyncConflicts: event.metadata.component === SYNC_CONFLICTS_COMPONENT,
  };
  return next;
}

function afterShipment(expectation: TikTokExpectation | null, shipped: number): TikTokExpectation | null {
  if (expectation === null) return null;
  if (expectation.basis === "total") return { basis: "total", total: Math.max(0, expectation.total - shipped) };
  return { ...expectation, shippedSince: expectation.shippedSince + Math.max(0, shipped) };
}

/** TikTok's report of its count: kept with the expectation it is judged against, unless it predates our latest push. */
function afterExternalReport(state: SkuSyncState, next: SkuSyncState, event: StoredEvent<"inventory.external_count_reported">): SkuSyncState {
  const data = event.data;
  const report: ExternalReport = {
    eventId: event.id,
    version: event.version,
    updateTime: data.tiktok_update_time,
    total: data.total,
    committed: data.committed,
  };
  const newest = state.newestExternalReport;
  const kept = Object.entries(state.expectedBeforeReport).slice(-(KEPT_REPORT_EXPECTATIONS - 1));
  next.expectedBeforeReport = { ...Object.fromEntries(kept), [event.id]: state.tiktokExpectation };
  if (readPredatesPush(state, data.read_started_at === undefined ? undefined : new Date(data.read_started_at))) return next;
  // TikTok's times order TikTok's own reports: only its newest says what it has now.
  if (newest === null || report.updateTime >= newest.updateTime) {
    next.newestExternalReport = report;
    next.tiktokExpectation = { basis: "total", total: report.total };
  }
  next.newestTikTokCountTime = Math.max(state.newestTikTokCountTime ?? report.updateTime, report.updateTime);
  // TikTok already shows the count it was to be sent.
  if (state.pendingPushToTikTok && report.total === state.pendingPushToTikTok.total) next.pendingPushToTikTok = null;
  return next;
}

/** A settled conflict, and whether TikTok must now be sent the winning count. */
function afterResolution(state: SkuSyncState, next: SkuSyncState, event: StoredEvent<"inventory.sync_conflict_resolved">): SkuSyncState {
  const data = event.data;
  const conflictId = data.conflict_id;
  const conflict = state.conflicts[conflictId];
  if (!conflict) return next;
  const winner = data.winner;
  next.conflicts = {
    ...state.conflicts,
    [conflictId]: {
      ...conflict,
      resolution: {
        method: data.method,
        winningValue: data.winning_value,
        losingValue: data.losing_value,
        resolvedBy: data.resolved_by,
        resolvedAt: event.occurredAt.toISOString(),
        ...(winner ? { winner } : {}),
      },
    },
  };
  // Another channel's conflict is settled on that channel (its stock outbox writes the pool's count there), not on TikTok.
  if (conflict.channel) return next;
  if ((winner === "local" || winner === "custom") && methodsThatTellTikTok.has(data.method)) {
    next.pendingPushToTikTok = { total: data.winning_value, conflictId };
  }
  else if (winner === "external") next.pendingPushToTikTok = null;
  return next;
}

export const openConflicts = (state: SkuSyncState) => Object.values(state.conflicts).filter((conflict) => conflict.resolution === null);
