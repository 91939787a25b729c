// Detecting inventory sync conflicts: pure functions over a SKU's sync state.
//   quantity_mismatch  TikTok's count (a type 27 webhook, a reconciliation read) differs
//                      from the local count;
//   stale_data         no longer raised (kept for conflicts recorded before): it compared
//                      TikTok's clock with ours, and a skewed clock then destroyed real counts;
// Counts by meaning, not by clocks: TikTok's count is judged against what TikTok should show
// (SkuSyncState.tiktokExpectation), like with like: its total against a total taken from it,
// its available count against the available count pushed to it (TikTok keeps its
// commitments when it is sent a count, so after a push its total is not ours to expect).
// Matching it, the local count differs only by local changes not yet pushed or by orders in
// flight: not a conflict (the stock outbox is sending the changes). Not matching it,
// something happened on TikTok's side that no known event explains (a person changed the
// stock in Seller Center): a mismatch, settled by the creator's rules (by default TikTok's
// count is kept). TikTok's timestamps only order TikTok's own reports among themselves.
//   concurrent_update  two writers from different sources set the stock within a short window.
// Reservations in flight are accounted for in resolution (pending_reservations), so the
// conflict stays on record with both values.
import type { SyncRules } from "./sync-rules.ts";
import { available } from "../inventory/inventory.ts";
import { readPredatesPush, type ConflictType, type SkuSyncState, type StockSource, type StockWrite, type TikTokExpectation } from "./sku-sync-state.ts";

export interface ExternalCount {
  source: "tiktok" | "reconciliation";
  /** The external_count_reported event id, or the reconciliation read's own id. */
  triggerId: string;
  productId?: string;
  total: number;
  /** What TikTok can still sell: its total less its commitments and holds. */
  available: number;
  committed: number;
  /** TikTok's time for the count, seconds since the epoch. */
  updateTime: number;
  /** For a count read from TikTok here (reconciliation, import): when the read began, by the database's clock. */
  readStartedAt?: Date;
}

export interface DetectedConflict {
  type: ConflictType;
  localValue: number;
  externalValue: number;
  source: StockSource;
  /** True when the external value is TikTok's (webhook, read or a TikTok-sourced write). */
  externalIsTikTok: boolean;
  /** TikTok's committed units with the external value, to tell reservations in flight apart. */
  externalCommitted?: number;
  externalUpdateTime?: number;
}

export type ExternalCountDetection =
  | { kind: "agrees" }
  /** A newer TikTok report is already on the stream, or the count was read before a push recorded since: not judged. */
  | { kind: "superseded" }
  /**
   * TikTok shows what it was last told or had (moved by its own orders): the difference is
   * local changes it has not been sent yet. `expected`: the total expected, or after a push
   * the available count pushed.
   */
  | { kind: "explained"; expected: number }
  /** No local level yet: TikTok's first count becomes it. */
  | { kind: "adopt"; total: number }
  | { kind: "conflict"; conflict: DetectedConflict };

export function detectExternalCountConflict(state: SkuSyncState, count: ExternalCount): ExternalCountDetection {
  if (!state.hasLocalLevel) return isSuperseded(state, count) ? { kind: "superseded" } : { kind: "adopt", total: count.total };
  const local = state.inventory.total;
  if (count.total === local) return { kind: "agrees" };
  const conflict = (type: ConflictType): ExternalCountDetection => ({
    kind: "conflict",
    conflict: {
      type,
      localValue: local,
      externalValue: count.total,
      source: count.source,
      externalIsTikTok: true,
      externalCommitted: count.committed,
      externalUpdateTime: count.updateTime,
    },
  });
  if (isSuperseded(state, count) || readPredatesPush(state, count.readStartedAt)) return { kind: "superseded" };
  // A webhook's report is on the stream already: it is judged against the expectation just before it.
  const expected = count.source === "tiktok" ? (state.expectedBeforeReport[count.triggerId] ?? null) : state.tiktokExpectation;
  return judgeAgainstExpectation(expected, count, available(state.inventory)) ?? conflict("quantity_mismatch");
}

/** Whether TikTok's count is what it should show; null when nothing known explains it. */
function judgeAgainstExpectation(expected: TikTokExpectation | null, count: Pick<ExternalCount, "total" | "available" | "committed">, localAvailable: number): ExternalCountDetection | null {
  if (expected === null) return null;
  if (expected.basis === "total") return count.total === expected.total ? { kind: "explained", expected: expected.total } : null;
  // TikTok may sell what the pool has for it: the totals differ only by the orders each side holds.
  if (count.available === localAvailable) return { kind: "agrees" };
  const lowest = expected.pushed - count.committed - expected.shippedSince;
  const highest = expected.pushed + expected.cancelledSince;
  return count.available >= lowest && count.available <= highest ? { kind: "explained", expected: expected.pushed } : null;
}

function isSuperseded(state: SkuSyncState, count: ExternalCount): boolean {
  if (count.source !== "tiktok") return false;
  const newest = state.newestExternalReport;
  // The fold keeps the later of two reports with the same time, so "newest is another report" means a newer one.
  if (newest !== null && newest.eventId !== count.triggerId && newest.updateTime >= count.updateTime) return true;
  // Or a count adopted from a later TikTok report: TikTok's time against TikTok's time, never against ours.
  return state.newestTikTokCountTime !== null && state.newestTikTokCountTime > count.updateTime;
}

/** Sources whose writes set the stock outright; order-driven changes are decrements that compose with them. */
const absoluteWriters = new Set(["manual", "tiktok", "reconciliation", "system"]);
const tiktokWriters = new Set(["tiktok", "reconciliation"]);

/**
 * A stock write against the one before it. This context's own corrections are not a
 * second writer (they would otherwise answer every correction with a new conflict).
 */
export function detectConcurrentUpdate(previous: StockWrite | null, write: StockWrite, rules: Pick<SyncRules, "concurrentWindowSeconds">): DetectedConflict | null {
  if (previous === null || write.bySyncConflicts || previous.bySyncConflicts) return null;
  if (!absoluteWriters.has(write.source) || !absoluteWriters.has(previous.source)) return null;
  if (write.source === previous.source || write.newTotal === previous.newTotal) return null;
  if (write.occurredAtMs - previous.occurredAtMs > rules.concurrentWindowSeconds * 1000) return null;
  const writeIsTikTok = tiktokWriters.has(write.source);
  const previousIsTikTok = tiktokWriters.has(previous.source);
  if (writeIsTikTok !== previousIsTikTok) {
    const [tiktok, local] = writeIsTikTok ? [write, previous] : [previous, write];
    return { type: "concurrent_update", localValue: local.newTotal, externalValue: tiktok.newTotal, source: write.source, externalIsTikTok: true };
  }
  return { type: "concurrent_update", localValue: previous.newTotal, externalValue: write.newTotal, source: write.source, externalIsTikTok: false };
}
