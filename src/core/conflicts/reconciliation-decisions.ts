// What the periodic reconciliation decides for one SKU when TikTok's inventory search
// answers: tell TikTok a count already decided here, or judge TikTok's count as for a
// webhook; and whether TikTok must then be sent the local count. Pure: reconciliation.ts
// reads TikTok, appends the events and makes the push.
import type { NewEvent } from "../event-store/index.ts";
import { tiktokHeld } from "../inventory/inventory.ts";
import { methodsThatTellTikTok, type SkuSyncState } from "./sku-sync-state.ts";
import { decideOnExternalCount, type SkuDecisionContext, type SyncDecision } from "./sync-decisions.ts";

/** One SKU as TikTok's inventory search reports it. */
export interface InventoryRead {
  /** Names this read: the reconciliation run's own id for the SKU. */
  readId: string;
  productId: string;
  available: number;
  committed: number;
  /** When the search that gave it began, by the database's clock. */
  readStartedAt?: Date;
}

export interface InventoryReadDecision {
  events: NewEvent[];
  /** Null when a count decided earlier only had to be sent to TikTok. */
  decision: SyncDecision | null;
  /** The count TikTok must be sent, or null. */
  pushTotal: number | null;
  /** TikTok's campaign and creator holds, as its last webhook reported them. */
  holds: number;
  externalTotal: number;
  localTotal: number | null;
}

export function decideOnInventoryRead(state: SkuSyncState, read: InventoryRead, context: SkuDecisionContext): InventoryReadDecision {
  // The search reports no campaign or creator holds; TikTok's newest webhook's are the best estimate.
  const holds = tiktokHeld(state.inventory);
  const externalTotal = read.available + read.committed + holds;
  const localTotal = state.hasLocalLevel ? state.inventory.total : null;
  if (state.pendingPushToTikTok && state.hasLocalLevel && externalTotal !== state.inventory.total) {
    // Already decided (an admin or a rule chose the local count): just tell TikTok.
    return { events: [], decision: null, pushTotal: state.inventory.total, holds, externalTotal, localTotal };
  }
  const decision = decideOnExternalCount(
    state,
    { source: "reconciliation", triggerId: read.readId, productId: read.productId, total: externalTotal, available: read.available, committed: read.committed, updateTime: Math.floor(context.now.getTime() / 1000), ...(read.readStartedAt ? { readStartedAt: read.readStartedAt } : {}) },
    context,
  );
  const resolution = decision.resolution;
  let pushTotal: number | null = null;
  // Local changes TikTok was never sent, and the outbox's time for them is past (it stalled or gave up): send them now.
  if (decision.outcome === "explained") pushTotal = state.inventory.total;
  if (resolution?.resolved && resolution.winner === "local" && methodsThatTellTikTok.has(resolution.method)) pushTotal = resolution.winningValue;
  return { events: decision.events, decision, pushTotal, holds, externalTotal, localTotal };
}
