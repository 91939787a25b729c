// The outbox for outbound stock, as pure rules: which inventory events are changes TikTok
// cannot know by itself (the intent to push is the event itself, committed with the
// change), and what to push for a SKU given its stream. Pushes coalesce by construction:
// a push sends the stream's latest count and records the stream version it reflects, so
// every change at or below that version is already covered and is skipped.
import type { StoredEvent } from "../event-store/index.ts";
import { available } from "./inventory.ts";
import { evolveSkuSync, initialSkuSyncState, methodsThatTellTikTok, type ResolutionMethod, type SkuSyncState } from "../conflicts/sku-sync-state.ts";

export interface StockOutboxState {
  sync: SkuSyncState;
  /** The stream version folded so far. */
  version: number;
  /** The stream version whose count TikTok was last sent (0: never). A push never goes below it. */
  pushedVersion: number;
  /** The newest change TikTok cannot know by itself. */
  pushableVersion: number;
  pushableAt: Date | null;
}

export const initialStockOutboxState = (): StockOutboxState => ({ sync: initialSkuSyncState(), version: 0, pushedVersion: 0, pushableVersion: 0, pushableAt: null });

type Data = Record<string, unknown>;

/**
 * A change of sellable quantity that TikTok did not make: a manual adjustment, restock or
 * correction (source manual or system), or a conflict settled for the local or a custom
 * value. Counts taken from TikTok and its orders' reservations, releases and shipments are
 * TikTok's own doing (every reservation carries a TikTok order id), so they are not pushed.
 */
export function isStockChangeTikTokCannotKnow(event: Pick<StoredEvent, "type" | "data">): boolean {
  const data = event.data as Data;
  if (event.type === "inventory.stock_updated") return data.source === "manual" || data.source === "system";
  if (event.type === "inventory.sync_conflict_resolved") {
    return (data.winner === "local" || data.winner === "custom") && methodsThatTellTikTok.has(data.method as ResolutionMethod);
  }
  return false;
}

export function evolveStockOutbox(state: StockOutboxState, event: StoredEvent): StockOutboxState {
  const next: StockOutboxState = { ...state, sync: evolveSkuSync(state.sync, event), version: event.version };
  if (isStockChangeTikTokCannotKnow(event)) {
    next.pushableVersion = event.version;
    next.pushableAt = event.occurredAt;
  }
  if (event.type === "inventory.external_count_pushed") {
    // Pushes recorded before stream versions were kept covered everything before them.
    const reflected = (event.data as Data).stream_version;
    next.pushedVersion = Math.max(state.pushedVersion, typeof reflected === "number" ? reflected : event.version - 1);
  }
  return next;
}

/** A change is waiting for the outbox: newer than the last push. */
export const stockPushPending = (state: StockOutboxState) => state.pushableVersion > state.pushedVersion;

export type StockPushDecision =
  | { action: "skip"; reason: "already_pushed" | "nothing_to_push" | "unknown_to_tiktok" }
  | { action: "push"; skuId: string; productId: string; total: number; available: number; streamVersion: number };

/**
 * What to do for a change at `triggerVersion`: nothing when a push already covered it
 * (a coalesced or stale one), else send the latest count. TikTok is sent what it may sell:
 * the total less what its orders hold here (reservations) and its own holds (campaign and
 * creator reservations, from its newest report).
 */
export function decideStockPush(state: StockOutboxState, triggerVersion: number): StockPushDecision {
  if (triggerVersion <= state.pushedVersion) return { action: "skip", reason: "already_pushed" };
  if (!stockPushPending(state)) return { action: "skip", reason: "nothing_to_push" };
  const { inventory } = state.sync;
  if (inventory.skuId === null || inventory.productId === null) return { action: "skip", reason: "unknown_to_tiktok" };
  // TikTok sets its total to what it is sent plus its commitments and holds: sending the
  // total less our reservations alone would raise its total by the holds.
  return { action: "push", skuId: inventory.skuId, productId: inventory.productId, total: inventory.total, available: available(inventory), streamVersion: state.version };
}
