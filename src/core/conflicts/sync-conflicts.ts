// The sync_conflicts read model: one record per conflict, open or resolved, with both
// values, how and by whom it was settled. Pure: the table is declared in
// sync-conflicts-projection.ts, the admin panel's queries are in sync-conflict-queries.ts.
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

type Data = Record<string, unknown>;

export const syncConflictEventTypes = ["inventory.sync_conflict_detected", "inventory.sync_conflict_resolved"] as const;

/** The `creator|conflict` key of a conflict event. */
export function conflictKeyOf(event: StoredEvent): { creatorId: string; conflictId: string } {
  return { creatorId: event.creatorId, conflictId: String((event.data as Data).conflict_id) };
}

/** A detection records the conflict once: a redelivered one changes nothing. */
function applyDetected(existing: SyncConflictRecord | undefined, event: StoredEvent): SyncConflictRecord {
  if (existing) return existing;
  const data = event.data as Data;
  return {
    creatorId: event.creatorId,
    conflictId: String(data.conflict_id),
    skuId: String(data.sku_id),
    productId: (data.product_id as string | undefined) ?? null,
    type: String(data.conflict_type) as ConflictType,
    status: "open",
    localValue: data.local_value as number,
    externalValue: data.external_value as number,
    source: String(data.source),
    externalUpdateTime: (data.external_update_time as number | undefined) ?? null,
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
function applyResolved(existing: SyncConflictRecord | undefined, event: StoredEvent): SyncConflictRecord | undefined {
  if (!existing || existing.status !== "open") return existing;
  const data = event.data as Data;
  return {
    ...existing,
    status: "resolved",
    resolvedAt: event.occurredAt,
    method: String(data.method) as ResolutionMethod,
    winner: (data.winner as Winner | undefined) ?? null,
    winningValue: data.winning_value as number,
    losingValue: data.losing_value as number,
    resolvedBy: String(data.resolved_by),
    reason: (data.reason as string | undefined) ?? null,
    resolvedEventId: event.id,
  };
}

/** The conflicts with the batch folded in; writes are the records it changed. */
export function foldSyncConflicts(conflicts: SyncConflicts, events: readonly StoredEvent[]): Folded<SyncConflicts, SyncConflictRecord[]> {
  const next = new Map(conflicts);
  const changed = new Map<string, SyncConflictRecord>();
  for (const event of events) {
    const { creatorId, conflictId } = conflictKeyOf(event);
    const key = `${creatorId}|${conflictId}`;
    const before = next.get(key);
    const after =
      event.type === "inventory.sync_conflict_detected" ? applyDetected(before, event) : event.type === "inventory.sync_conflict_resolved" ? applyResolved(before, event) : before;
    if (after === undefined || after === before) continue;
    next.set(key, after);
    changed.set(key, after);
  }
  return { state: next, writes: [...changed.values()] };
}
