// The sync conflicts projection: the pure fold of sync-conflicts.ts kept in the
// sync_conflicts table, which the admin panel's queue reads (sync-conflict-queries.ts).
import { defineProjection, type ProjectionTable } from "../projections/projection.ts";
import { rowPerEntityStorage } from "../projections/read-model-storage.ts";
import { syncConflictFromRow, type SyncConflictDbRow } from "./sync-conflict-queries.ts";
import { conflictKeyOf, foldSyncConflicts, isConflictEvent, syncConflictEventTypes, type SyncConflictRecord, type SyncConflicts } from "./sync-conflicts.ts";

const syncConflictsTable: ProjectionTable = { name: "sync_conflicts", key: ["creator_id", "conflict_id"] };

type SyncConflictStoredRow = SyncConflictDbRow & { detected_event_id: string; resolved_event_id: string | null };

function conflictRow(record: SyncConflictRecord) {
  return {
    creator_id: record.creatorId,
    conflict_id: record.conflictId,
    sku_id: record.skuId,
    product_id: record.productId,
    conflict_type: record.type,
    status: record.status,
    local_value: record.localValue,
    external_value: record.externalValue,
    source: record.source,
    channel: record.channel,
    shop_id: record.shopId,
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
  };
}

const conflictStorage = rowPerEntityStorage<SyncConflictRecord, SyncConflictRecord, SyncConflictStoredRow>({
  table: syncConflictsTable,
  keysOf: (events) => events.filter(isConflictEvent).map((event) => conflictKeyOf(event)).map(({ creatorId, conflictId }) => ({ creator_id: creatorId, conflict_id: conflictId })),
  fromRow: (row) => ({ ...syncConflictFromRow(row), detectedEventId: row.detected_event_id, resolvedEventId: row.resolved_event_id }),
  toRow: conflictRow,
  // A row moves only from open to resolved, whatever loaded it: a replay running beside the
  // live projection cannot put back a row the live one has moved on.
  upsert: { onlyWhen: "t.status = 'open' and excluded.status = 'resolved'" },
});

export const syncConflictsProjection = defineProjection<SyncConflicts, SyncConflictRecord[]>({
  name: "projection-sync-conflicts",
  handles: syncConflictEventTypes,
  tables: [syncConflictsTable],
  batchSize: 500,
  initialState: () => new Map(),
  fold: (conflicts, events) => foldSyncConflicts(conflicts, events),
  storage: conflictStorage,
});
