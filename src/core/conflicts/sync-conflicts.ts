// The sync_conflicts read model: one record per conflict, open or resolved, with both
// values, how and by whom it was settled. Pure: the table is declared in
// sync-conflicts-projection.ts, the admin panel's queries are in sync-conflict-queries.ts.
import { channelOf, type ChannelId } from "../channels/channel-id.ts";
import type { StoredEvent } from "../event-store/index.ts";
import type { Folded } from "../projections/projection.ts";
import type { ConflictType, ResolutionMethod, Winner } from "./sku-sync-state.ts";

export interface SyncConflictRow {
  creatorId: string;
  conflictId: string;
  skuId: string;
  productId: string | null;
  type: ConflictType;
  status: "open" | "resolved";
  localValue: number;
  externalValue: number;
  source: string;
  /** The channel whose count disagrees with the pool, and its store (none for TikTok Shop's own conflicts). */
  channel: ChannelId;
  shopId: string | null;
  externalUpdateTime: number | null;
  detectedAt: Date;
  resolvedAt: Date | null;
  method: ResolutionMethod | null;
  winner: Winner | null;
  winningValue: number | null;
  losingValue: number | null;
  resolvedBy: string | null;
  reason: string | null;
}

/** A conflict as the read model keeps it: what the queue shows, and the events it came from. */
export interface SyncConflictRecord extends SyncConflictRow {
  detectedEventId: string;
  resolvedEventId: string | null;
}

/** Conflicts by `creator|conflict`: the whole read model in a spec, the conflicts a batch touches live. */
export type SyncConflicts = ReadonlyMap<string, SyncConflictRecord>;

export const syncConflictEventTypes = ["inventory.sync_conflict_detected", "inventory.sync_conflict_resolved"] as const;

export type ConflictEvent = Extract<StoredEvent, { type: (typeof syncConflictEventTypes)[number] }>;

export function isConflictEvent(event: StoredEvent): event is ConflictEvent {
  return event.type === "inventory.sync_conflict_detected" || event.type === "inventory.sync_conflict_resolved";
}

/** The `creator|conflict` key of a conflict event. */
export function conflictKeyOf(event: ConflictEvent): { creatorId: string; conflictId: string } {
  return { creatorId: event.creatorId, conflictId: event.data.conflict_id };
}

/** A detection records the conflict once: a redelivered one changes nothing. */
function applyDetected(existing: SyncConflictRecord | undefined, event: Extract<StoredEvent, { type: "inventory.sync_conflict_detected" }>): SyncConflictRecord {
  if (existing) return existing;
  const data = event.data;
  return {
    creatorId: event.creatorId,
    conflictId: data.conflict_id,
    skuId: data.sku_id,
    productId: data.product_id ?? null,
    type: data.conflict_type,
    status: "open",
    localValue: data.local_value,
    externalValue: data.external_value,
    source: data.source,
    channel: channelOf(data),
    shopId: data.shop_id ?? null,
    externalUpdateTime: data.external_update_time ?? null,
    detectedAt: event.occurredAt,
    detectedEventId: event.id,
    resolvedAt: null,
    method: null,
    winner: null,
    winningValue: null,
    losingValue: null,
    resolvedBy: null,
    reason: null,
    resolvedEventId: null,
  };
}

/** Only an open conflict is resolved: a redelivered resolution changes nothing. */
function applyResolved(existing: SyncConflictRecord | undefined, event: Extract<StoredEvent, { type: "inventory.sync_conflict_resolved" }>): SyncConflictRecord | undefined {
  if (!existing || existing.status !== "open") return existing;
  const data = event.data;
  return {
    ...existing,
    status: "resolved",
    resolvedAt: event.occurredAt,
    method: data.method,
    winner: data.winner ?? null,
    winningValue: data.winning_value,
    losingValue: data.losing_value,
    resolvedBy: data.resolved_by,
    reason: data.reason ?? null,
    resolvedEventId: event.id,
  };
}

/** The conflicts with the batch folded in; writes are the records it changed. */
export function foldSyncConflicts(conflicts: SyncConflicts, events: readonly StoredEvent[]): Folded<SyncConflicts, SyncConflictRecord[]> {
  const next = new Map(conflicts);
  const changed = new Map<string, SyncConflictRecord>();
  for (const event of events) {
    if (!isConflictEvent(event)) continue;
    const { creatorId, conflictId } = conflictKeyOf(event);
    const key = `${creatorId}|${conflictId}`;
    const before = next.get(key);
    const after = event.type === "inventory.sync_conflict_detected" ? applyDetected(before, event) : applyResolved(before, event);
    if (after === undefined || after === before) continue;
    next.set(key, after);
    changed.set(key, after);
  }
  return { state: next, writes: [...changed.values()] };
}
