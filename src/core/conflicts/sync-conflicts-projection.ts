// The sync conflicts projection: the pure fold of sync-conflicts.ts kept in the
// sync_conflicts table, which the admin panel's queue reads (sync-conflict-queries.ts).
import type { StoredEvent } from "../event-store/index.ts";
import { defineProjection, type ProjectionContext, type ProjectionTable } from "../projections/projection.ts";
import { selectRowsMatching, upsertRows } from "../projections/read-model-storage.ts";
import { syncConflictFromRow, type SyncConflictDbRow } from "./sync-conflict-queries.ts";
import { conflictKeyOf, foldSyncConflicts, isConflictEvent, syncConflictEventTypes, type SyncConflictRecord, type SyncConflicts } from "./sync-conflicts.ts";

const syncConflictsTable: ProjectionTable = {
  name: "sync_conflicts",
  key: ["creator_id", "conflict_id"],
  columns: {
    creator_id: "uuid",
    conflict_id: "uuid",
    sku_id: "text",
    product_id: "text",
    conflict_type: "text",
    status: "text",
    local_value: "integer",
    external_value: "integer",
    source: "text",
    external_update_time: "bigint",
    detected_at: "timestamptz",
    detected_event_id: "uuid",
    resolved_at: "timestamptz",
    method: "text",
    winner: "text",
    winning_value: "integer",
    losing_value: "integer",
    resolved_by: "text",
    reason: "text",
    resolved_event_id: "uuid",
  },
};

async function loadConflicts(context: ProjectionContext, events: readonly StoredEvent[]): Promise<Map<string, SyncConflictRecord>> {
  const keys = new Map(events.filter(isConflictEvent).map((event) => conflictKeyOf(event)).map(({ creatorId, conflictId }) => [`${creatorId}|${conflictId}`, { creator_id: creatorId, conflict_id: conflictId }]));
  const rows = await selectRowsMatching<SyncConflictDbRow & { detected_event_id: string; resolved_event_id: string | null }>(context, syncConflictsTable, [...keys.values()]);
  return new Map(
    rows.map((row) => [`${row.creator_id}|${row.conflict_id}`, { ...syncConflictFromRow(row), detectedEventId: row.detected_event_id, resolvedEventId: row.resolved_event_id }]),
  );
}

async function saveConflicts(context: ProjectionContext, records: SyncConflictRecord[]): Promise<void> {
  const rows = records.map((record) => ({
    creator_id: record.creatorId,
    conflict_id: record.conflictId,
    sku_id: record.skuId,
    product_id: record.productId,
    conflict_type: record.type,
    status: record.status,
    local_value: record.localValue,
    external_value: record.externalValue,
    source: record.source,
    external_update_time: record.externalUpdateTime,
    detected_at: record.detectedAt.toISOString(),
    detected_event_id: record.detectedEventId,
    resolved_at: record.resolvedAt?.toISOString() ?? null,
    method: record.method,
    winner: record.winner,
    winning_value: record.winningValue,
    losing_value: record.losingValue,
    resolved_by: record.resolvedBy,
    reason: record.reason,
    resolved_event_id: record.resolvedEventId,
  }));
  // A row moves only from open to resolved, whatever loaded it: a replay running beside the
  // live projection cannot put back a row the live one has moved on.
  await upsertRows(context, syncConflictsTable, rows, { onlyWhen: "t.status = 'open' and excluded.status = 'resolved'" });
}

export const syncConflictsProjection = defineProjection<SyncConflicts, SyncConflictRecord[]>({
  name: "projection-sync-conflicts",
  handles: syncConflictEventTypes,
  tables: [syncConflictsTable],
  batchSize: 500,
  initialState: () => new Map(),
  fold: (conflicts, events) => foldSyncConflicts(conflicts, events),
  storage: { load: loadConflicts, save: saveConflicts },
});
