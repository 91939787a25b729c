// Detecting inventory sync conflicts: pure functions over a SKU's sync state.
//   quantity_mismatch  TikTok's count (a type 27 webhook, a reconciliation read) differs
//                      from the local count;
//   stale_data         ... and TikTok's count is older than the local last stock change;
//   concurrent_update  two writers from different sources set the stock within a short window.
// Reservations in flight are accounted for in resolution (pending_reservations), so the
// conflict stays on record with both values.
import type { SyncRules } from "./sync-rules.ts";
import type { ConflictType, SkuSyncState, StockWrite } from "./sku-sync-state.ts";

export interface ExternalCount {
  source: "tiktok" | "reconciliation";
  /** The external_count_reported event id, or the reconciliation read's own id. */
  triggerId: string;
  productId?: string;
  total: number;
  committed: number;
  /** TikTok's time for the count, seconds since the epoch. */
  updateTime: number;
}

export interface DetectedConflict {
  type: ConflictType;
  localValue: number;
  externalValue: number;
  source: string;
  /** True when the external value is TikTok's (webhook, read or a TikTok-sourced write). */
  externalIsTikTok: boolean;
  /** TikTok's committed units with the external value, to tell reservations in flight apart. */
  externalCommitted?: number;
  externalUpdateTime?: number;
}

export type ExternalCountDetection =
  | { kind: "agrees" }
  /** A newer TikTok report is already on the stream; that one is compared instead. */
  | { kind: "superseded" }
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
  // Whole seconds: TikTok's times have no finer grain, so a tie is not "older".
  const lastWrite = state.lastStockWrite;
  if (lastWrite && count.updateTime < Math.floor(lastWrite.effectiveAtMs / 1000)) return conflict("stale_data");
  if (isSuperseded(state, count)) return { kind: "superseded" };
  return conflict("quantity_mismatch");
}

function isSuperseded(state: SkuSyncState, count: ExternalCount): boolean {
  const newest = state.newestExternalReport;
  // The fold keeps the later of two reports with the same time, so "newest is another report" means a newer one.
  return count.source === "tiktok" && newest !== null && newest.eventId !== count.triggerId && newest.updateTime >= count.updateTime;
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
