// Resolving inventory sync conflicts: the automatic rules (per creator) and an admin's
// decision, each turned into the events that record it. Pure: clock and ids come in.
import type { NewEvent } from "../event-store/index.ts";
import { DomainError, illegalState } from "../domain-error.ts";
import { decideInventory } from "../inventory/inventory.ts";
import type { DetectedConflict } from "./detection.ts";
import { SYNC_CONFLICTS_COMPONENT, type ResolutionMethod, type SkuConflict, type SkuSyncState, type Winner } from "./sku-sync-state.ts";
import type { SyncRules } from "./sync-rules.ts";

/** `resolved_by` of every resolution the rules make. */
export const AUTOMATIC_RESOLVER = "system:auto-resolution";

export type AutomaticResolution =
  | { resolved: true; method: ResolutionMethod; winner: "local" | "external"; winningValue: number; losingValue: number; reason: string }
  | { resolved: false; reason: string };

/** Which rule settles a conflict, or why a person has to. Rules are tried in the order listed in SyncRules' docs. */
export function chooseAutomaticResolution(conflict: DetectedConflict, state: SkuSyncState, rules: SyncRules): AutomaticResolution {
  const { localValue, externalValue } = conflict;
  const difference = Math.abs(localValue - externalValue);
  const keepLocal = (method: ResolutionMethod, reason: string): AutomaticResolution => ({
    resolved: true,
    method,
    winner: "local",
    winningValue: localValue,
    losingValue: externalValue,
    reason,
  });
  if (!rules.autoResolve) return { resolved: false, reason: "automatic resolution is turned off for this creator" };
  if (difference <= rules.toleranceUnits || difference <= (localValue * rules.tolerancePercent) / 100) {
    const reason = `difference of ${difference} is within tolerance (${rules.toleranceUnits} units or ${rules.tolerancePercent}%)`;
    // Within tolerance the stock is left as it stands, which after a concurrent update may be the external write.
    if (conflict.type === "concurrent_update" && externalValue === state.inventory.total) {
      return { resolved: true, method: "tolerance", winner: "external", winningValue: externalValue, losingValue: localValue, reason };
    }
    return keepLocal("tolerance", reason);
  }
  if (conflict.type === "stale_data") return keepLocal("newest_wins", "TikTok's count predates the last local stock change");
  if (conflict.type === "quantity_mismatch" && rules.autoResolvePendingReservations && externalValue < localValue) {
    // Units local orders still hold that TikTok no longer counts as committed: shipped
    // there, not yet here. The local count drops by them when the shipment is confirmed.
    const inFlight = Math.max(0, state.inventory.reserved - (conflict.externalCommitted ?? 0));
    if (localValue - externalValue <= inFlight) {
      return keepLocal("pending_reservations", `${localValue - externalValue} of the ${state.inventory.reserved} reserved units have left TikTok's count ahead of the local shipment`);
    }
  }
  if (conflict.type === "quantity_mismatch" && rules.autoResolvePendingReservations && externalValue > localValue) {
    // TikTok's total counts the units it committed to its orders, and orders not taken here
    // yet (the saga has still to reserve or refuse them) raise it above ours. After a push
    // detection judges TikTok's available count and never gets here for them; this is for a
    // count no push explains (judged against TikTok's last total, or nothing yet). TikTok's
    // total is then higher by at most those orders exactly when its available count is at
    // most ours: keeping the local count never hands out units that may not exist.
    const notYetTakenHere = Math.max(0, (conflict.externalCommitted ?? 0) - state.inventory.reserved);
    if (externalValue - localValue <= notYetTakenHere) {
      return keepLocal("pending_reservations", `${externalValue - localValue} of the ${conflict.externalCommitted} units TikTok committed are orders not yet taken here`);
    }
  }
  if (rules.reviewAboveUnits !== null && difference > rules.reviewAboveUnits) {
    return { resolved: false, reason: `difference of ${difference} is above the ${rules.reviewAboveUnits} units that need a person` };
  }
  if (!conflict.externalIsTikTok) return { resolved: false, reason: "two local writers disagree and no rule chooses between them" };
  let winner: "local" | "external" = rules.sourceOfTruth === "tiktok" ? "external" : "local";
  let method: ResolutionMethod = "source_wins";
  const valueOf = (side: "local" | "external") => (side === "local" ? localValue : externalValue);
  const other = (side: "local" | "external") => (side === "local" ? "external" : "local");
  if (rules.oversellProtection && valueOf(winner) > valueOf(other(winner))) {
    winner = other(winner);
    method = "oversell_protection";
  }
  if (winner === "external" && externalValue < state.inventory.reserved) {
    return { resolved: false, reason: `orders hold ${state.inventory.reserved} units, more than TikTok's count of ${externalValue}` };
  }
  const reason =
    method === "oversell_protection" ? "oversell protection takes the lower count" : `${rules.sourceOfTruth === "tiktok" ? "TikTok" : "the local count"} is the source of truth`;
  return { resolved: true, method, winner, winningValue: valueOf(winner), losingValue: valueOf(other(winner)), reason };
}

export interface ConflictEventContext {
  conflictId: string;
  skuId: string;
  productId?: string;
  /** The event that revealed the conflict (causation), when it has a uuid. */
  triggerEventId?: string;
  now: Date;
}

/** The detection event, then (when settled) the stock correction and the resolution. */
export function conflictEvents(conflict: DetectedConflict, resolution: AutomaticResolution, state: SkuSyncState, context: ConflictEventContext): NewEvent[] {
  const metadata = { component: SYNC_CONFLICTS_COMPONENT, ...(context.triggerEventId ? { causation_id: context.triggerEventId } : {}) };
  const productId = context.productId ?? state.inventory.productId ?? undefined;
  const detected: NewEvent = {
    type: "inventory.sync_conflict_detected",
    metadata,
    data: {
      conflict_id: context.conflictId,
      sku_id: context.skuId,
      conflict_type: conflict.type,
      local_value: conflict.localValue,
      external_value: conflict.externalValue,
      source: conflict.source,
      ...(productId ? { product_id: productId } : {}),
      ...(conflict.externalUpdateTime !== undefined ? { external_update_time: conflict.externalUpdateTime } : {}),
      ...(context.triggerEventId ? { trigger_event_id: context.triggerEventId } : {}),
    },
  };
  if (!resolution.resolved) return [detected];
  const correction =
    resolution.winningValue === state.inventory.total
      ? []
      : decideInventory(
          { type: "AdjustStock", skuId: context.skuId, newTotal: resolution.winningValue, source: "reconciliation", reason: `sync conflict ${context.conflictId}: ${resolution.method}` },
          state.inventory,
          context.now,
        ).map((event) => ({
          ...event,
          metadata: {
            ...metadata,
            ...(resolution.winner === "external" && conflict.externalUpdateTime !== undefined ? { reflects_tiktok_update_time: conflict.externalUpdateTime } : {}),
          },
        }));
  return [
    detected,
    ...correction,
    resolvedEvent(context, resolution.method, resolution.winner, resolution.winningValue, resolution.losingValue, AUTOMATIC_RESOLVER, resolution.reason, metadata),
  ];
}

function resolvedEvent(
  context: { conflictId: string; skuId: string },
  method: ResolutionMethod,
  winner: Winner,
  winningValue: number,
  losingValue: number,
  resolvedBy: string,
  reason: string,
  metadata: NewEvent["metadata"],
): NewEvent {
  return {
    type: "inventory.sync_conflict_resolved",
    metadata,
    data: {
      conflict_id: context.conflictId,
      sku_id: context.skuId,
      method,
      winning_value: winningValue,
      losing_value: losingValue,
      resolved_by: resolvedBy,
      reason: reason.slice(0, 500),
      winner,
    },
  };
}

export type ManualResolution = { kind: "keep_local" } | { kind: "accept_external" } | { kind: "custom"; value: number };

export interface ManualResolutionCommand {
  creatorId: string;
  conflictId: string;
  resolution: ManualResolution;
  /** Why: required, it is what the next person reading the history needs. */
  reason: string;
  /** Who: shown as `resolved_by`, e.g. the admin's email or user id. */
  resolvedBy: string;
  /** The admin's auth user id, recorded as the events' user id. */
  userId?: string;
}

/** What a person's decision comes to: who won, both values, and the stock total it sets. */
interface ManualDecision {
  method: ResolutionMethod;
  winner: Winner;
  winningValue: number;
  losingValue: number;
  newTotal: number;
}

/**
 * For a conflict of another channel's store (Shopify) the values are sellable counts, the
 * store's and the pool's share for the store, not stock totals: keeping the pool's leaves the
 * stock as it is (the resolution is a pool change, so the channel stock outbox writes the
 * pool's count to the store); accepting the store's moves the stock by the difference, so the
 * store's count becomes what the pool shows it. For TikTok's own, "local" is the count as it
 * stands, or for a concurrent update the write that may since have been overwritten.
 * A custom count sets the stock, either way.
 */
function manualDecision(state: SkuSyncState, conflict: SkuConflict, resolution: ManualResolution): ManualDecision {
  const total = state.inventory.total;
  const localNow = conflict.channel || conflict.type !== "concurrent_update" ? total : conflict.localValue;
  switch (resolution.kind) {
    case "keep_local":
      return conflict.channel
        ? { method: "keep_local", winner: "local", winningValue: conflict.localValue, losingValue: conflict.externalValue, newTotal: total }
        : { method: "keep_local", winner: "local", winningValue: localNow, losingValue: conflict.externalValue, newTotal: localNow };
    case "accept_external":
      return conflict.channel
        ? {
            method: "accept_external",
            winner: "external",
            winningValue: conflict.externalValue,
            losingValue: conflict.localValue,
            newTotal: Math.max(state.inventory.reserved, total + conflict.externalValue - conflict.localValue),
          }
        : { method: "accept_external", winner: "external", winningValue: conflict.externalValue, losingValue: localNow, newTotal: conflict.externalValue };
    case "custom":
      if (!Number.isInteger(resolution.value) || resolution.value < 0) {
        throw new DomainError("validation", `A custom count must be a whole number of units, got ${resolution.value}`);
      }
      return { method: "custom", winner: "custom", winningValue: resolution.value, losingValue: localNow, newTotal: resolution.value };
    default: {
      const unhandled: never = resolution;
      throw new DomainError("validation", `Unknown resolution ${JSON.stringify(unhandled)}`);
    }
  }
}

/** An admin's decision on an open conflict. Refuses another creator's conflict (as not found) and an already settled one. */
export function decideManualResolution(state: SkuSyncState, command: ManualResolutionCommand, now: Date): NewEvent[] {
  const conflict = state.conflicts[command.conflictId];
  if (!conflict || state.creatorId !== command.creatorId) throw new DomainError("not_found", `No sync conflict ${command.conflictId} for this creator`);
  if (conflict.resolution) {
    throw illegalState(`Sync conflict ${command.conflictId} was already resolved (${conflict.resolution.method}) by ${conflict.resolution.resolvedBy} at ${conflict.resolution.resolvedAt}`);
  }
  const reason = command.reason.trim();
  if (reason.length === 0 || reason.length > 500) throw new DomainError("validation", "A resolution needs a reason (1-500 characters)");
  if (command.resolvedBy.trim().length === 0 || command.resolvedBy.length > 200) throw new DomainError("validation", "resolvedBy must name who resolves (1-200 characters)");
  const skuId = state.inventory.skuId ?? "";
  const decided = manualDecision(state, conflict, command.resolution);
  const withChannel = conflict.channel === "shopify" ? " with Shopify" : conflict.channel ? ` with ${conflict.channel}` : "";
  const metadata = { component: SYNC_CONFLICTS_COMPONENT, ...(command.userId ? { user_id: command.userId } : {}) };
  const correction =
    decided.newTotal === state.inventory.total
      ? []
      : decideInventory(
          {
            type: "AdjustStock",
            skuId,
            newTotal: decided.newTotal,
            // A store's count taken into the pool is news to TikTok (its stock outbox pushes "shopify" counts); TikTok's own is not.
            source: decided.winner !== "external" ? "manual" : conflict.channel ? "shopify" : "reconciliation",
            reason: `sync conflict ${command.conflictId}${withChannel}: ${decided.method} by ${command.resolvedBy}`.slice(0, 500),
          },
          state.inventory,
          now,
        ).map((event) => ({ ...event, metadata }));
  return [...correction, resolvedEvent({ conflictId: command.conflictId, skuId }, decided.method, decided.winner, decided.winningValue, decided.losingValue, command.resolvedBy, reason, metadata)];
}
