// What happens to a SKU when TikTok reports a count or a writer sets the stock: the pure
// decision (detect, then settle by the creator's rules where a rule applies), with the
// outcome named so callers can count and report it.
import type { NewEvent } from "../event-store/index.ts";
import { decideInventory } from "../inventory/inventory.ts";
import { detectConcurrentUpdate, detectExternalCountConflict, type DetectedConflict, type ExternalCount } from "./detection.ts";
import { chooseAutomaticResolution, conflictEvents, type AutomaticResolution } from "./resolution.ts";
import { SYNC_CONFLICTS_COMPONENT, type SkuSyncState, type StockWrite } from "./sku-sync-state.ts";
import type { SyncRules } from "./sync-rules.ts";

export type SyncOutcome = "agrees" | "superseded" | "explained" | "adopted" | "already_handled" | "no_conflict" | "auto_resolved" | "left_for_person";

export interface SyncDecision {
  events: NewEvent[];
  outcome: SyncOutcome;
  conflict?: DetectedConflict;
  resolution?: AutomaticResolution;
}

export interface SkuDecisionContext {
  skuId: string;
  conflictId: string;
  rules: SyncRules;
  now: Date;
}

function settle(conflict: DetectedConflict, state: SkuSyncState, context: SkuDecisionContext, triggerEventId: string | undefined, productId?: string): SyncDecision {
  const resolution = chooseAutomaticResolution(conflict, state, context.rules);
  const events = conflictEvents(conflict, resolution, state, { conflictId: context.conflictId, skuId: context.skuId, productId, triggerEventId, now: context.now });
  return { events, outcome: resolution.resolved ? "auto_resolved" : "left_for_person", conflict, resolution };
}

/** TikTok's count (webhook or reconciliation read) against the local one. */
export function decideOnExternalCount(state: SkuSyncState, count: ExternalCount, context: SkuDecisionContext & { triggerEventId?: string }): SyncDecision {
  if (state.conflicts[context.conflictId]) return { events: [], outcome: "already_handled" };
  const detection = detectExternalCountConflict(state, count);
  switch (detection.kind) {
    case "agrees":
    case "superseded":
    case "explained":
      return { events: [], outcome: detection.kind };
    case "adopt": {
      if (detection.total < state.inventory.reserved) {
        const conflict: DetectedConflict = {
          type: "quantity_mismatch",
          localValue: state.inventory.total,
          externalValue: detection.total,
          source: count.source,
          externalIsTikTok: true,
          externalCommitted: count.committed,
          externalUpdateTime: count.updateTime,
        };
        return settle(conflict, state, context, context.triggerEventId, count.productId);
      }
      const events = decideInventory(
        { type: "AdjustStock", skuId: context.skuId, productId: count.productId, newTotal: detection.total, source: "tiktok", reason: "first count from TikTok Shop" },
        state.inventory,
        context.now,
      ).map((event) => ({
        ...event,
        metadata: {
          component: SYNC_CONFLICTS_COMPONENT,
          reflects_tiktok_update_time: count.updateTime,
          ...(context.triggerEventId ? { causation_id: context.triggerEventId } : {}),
        },
      }));
      return { events, outcome: "adopted" };
    }
    case "conflict":
      return settle(detection.conflict, state, context, context.triggerEventId, count.productId);
    default: {
      const unhandled: never = detection;
      throw new Error(`Unknown detection ${JSON.stringify(unhandled)}`);
    }
  }
}

/** A stock write against the one before it (`previous`, from the state before the write). */
export function decideOnStockWrite(state: SkuSyncState, previous: StockWrite | null, write: StockWrite, context: SkuDecisionContext): SyncDecision {
  if (state.conflicts[context.conflictId]) return { events: [], outcome: "already_handled" };
  const conflict = detectConcurrentUpdate(previous, write, context.rules);
  if (conflict === null) return { events: [], outcome: "no_conflict" };
  return settle(conflict, state, context, write.eventId);
}
