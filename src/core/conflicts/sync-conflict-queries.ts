// The admin panel's reads of the sync_conflicts read model: the queue, page by page, and
// one conflict of one creator.
import type { Sql } from "postgres";
import type { ChannelId } from "../channels/channel-id.ts";
import type { ConflictType, ResolutionMethod, Winner } from "./sku-sync-state.ts";
import type { SyncConflictRow } from "./sync-conflicts.ts";

export interface SyncConflictFilter {
  /** Required for a creator's own view; an admin may leave it out to see every creator. */
  creatorId?: string;
  skuId?: string;
  productId?: string;
  type?: ConflictType;
  status?: "open" | "resolved";
  /** Age filters, as the queue shows them: detected at least / at most this long before `now`. */
  olderThanMs?: number;
  newerThanMs?: number;
  now?: Date;
  /** Oldest first (the queue's order); the cursor is the last row's `nextCursor`. */
  limit?: number;
  cursor?: string | null;
}

/** A sync_conflicts row as postgres.js reads it. */
export interface SyncConflictDbRow {
  creator_id: string;
  conflict_id: string;
  sku_id: string;
  product_id: string | null;
  conflict_type: ConflictType;
  status: "open" | "resolved";
  local_value: number;
  external_value: number;
  source: string;
  channel: ChannelId;
  shop_id: string | null;
  external_update_time: string | null;
  detected_at: Date;
  detected_at_exact?: string;
  resolved_at: Date | null;
  method: ResolutionMethod | null;
  winner: Winner | null;
  winning_value: number | null;
  losing_value: number | null;
  resolved_by: string | null;
  reason: string | null;
}

const MAX_PAGE = 500;

/** A page of conflicts matching the filter, oldest first, with the cursor of the next page. */
export async function listSyncConflicts(sql: Sql, filter: SyncConflictFilter = {}): Promise<{ conflicts: SyncConflictRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(1, filter.limit ?? 50), MAX_PAGE);
  const now = filter.now ?? new Date();
  const after = filter.cursor ? decodeCursor(filter.cursor) : null;
  const rows = await sql<SyncConflictDbRow[]>`
    select creator_id, conflict_id, sku_id, product_id, conflict_type, status, local_value, external_value, source, channel, shop_id,
           external_update_time, detected_at, detected_at::text as detected_at_exact, resolved_at, method, winner,
           winning_value, losing_value, resolved_by, reason
      from public.sync_conflicts
     where true
       ${filter.creatorId ? sql`and creator_id = ${filter.creatorId}::uuid` : sql``}
       ${filter.skuId ? sql`and sku_id = ${filter.skuId}` : sql``}
       ${filter.productId ? sql`and product_id = ${filter.productId}` : sql``}
       ${filter.type ? sql`and conflict_type = ${filter.type}` : sql``}
       ${filter.status ? sql`and status = ${filter.status}` : sql``}
       ${filter.olderThanMs !== undefined ? sql`and detected_at <= ${new Date(now.getTime() - filter.olderThanMs)}` : sql``}
       ${filter.newerThanMs !== undefined ? sql`and detected_at >= ${new Date(now.getTime() - filter.newerThanMs)}` : sql``}
       ${after ? sql`and (detected_at, conflict_id) > (${after.detectedAt}::timestamptz, ${after.conflictId}::uuid)` : sql``}
     order by detected_at, conflict_id
     limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  // The cursor keeps Postgres' own microsecond timestamp: a JS Date would round it and skip rows.
  return { conflicts: page.map(syncConflictFromRow), nextCursor: rows.length > limit && last?.detected_at_exact ? encodeCursor(last.detected_at_exact, last.conflict_id) : null };
}

/** One conflict of one creator, or null (also for another creator's conflict). */
export async function findSyncConflict(sql: Sql, creatorId: string, conflictId: string): Promise<SyncConflictRow | null> {
  if (!uuidPattern.test(conflictId)) return null;
  const [row] = await sql<SyncConflictDbRow[]>`
    select creator_id, conflict_id, sku_id, product_id, conflict_type, status, local_value, external_value, source, channel, shop_id,
           external_update_time, detected_at, resolved_at, method, winner, winning_value, losing_value, resolved_by, reason
      from public.sync_conflicts where creator_id = ${creatorId}::uuid and conflict_id = ${conflictId}::uuid`;
  return row ? syncConflictFromRow(row) : null;
}

const postgresTimestampPattern = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function syncConflictFromRow(row: SyncConflictDbRow): SyncConflictRow {
  return {
    creatorId: row.creator_id,
    conflictId: row.conflict_id,
    skuId: row.sku_id,
    productId: row.product_id,
    type: row.conflict_type,
    status: row.status,
    localValue: row.local_value,
    externalValue: row.external_value,
    source: row.source,
    channel: row.channel,
    shopId: row.shop_id,
    externalUpdateTime: row.external_update_time === null ? null : Number(row.external_update_time),
    detectedAt: row.detected_at,
    resolvedAt: row.resolved_at,
    method: row.method,
    winner: row.winner,
    winningValue: row.winning_value,
    losingValue: row.losing_value,
    resolvedBy: row.resolved_by,
    reason: row.reason,
  };
}

function encodeCursor(detectedAt: string, conflictId: string): string {
  return btoa(JSON.stringify([detectedAt, conflictId]));
}

function decodeCursor(cursor: string): { detectedAt: string; conflictId: string } {
  try {
    const [detectedAt, conflictId] = JSON.parse(atob(cursor)) as [string, string];
    if (typeof detectedAt !== "string" || !postgresTimestampPattern.test(detectedAt) || !uuidPattern.test(conflictId)) throw new Error("bad cursor");
    return { detectedAt, conflictId };
  } catch {
    throw new RangeError(`Invalid conflicts cursor "${cursor}"`);
  }
}
