// The admin panel's conflict queue: open (or settled) inventory sync conflicts of every
// creator, filtered, each with its SKU's recent inventory history so the admin sees what
// led to the disagreement; and resolving them, one or many, in the admin's name.
// Relative imports (not "@/"): the integration tests load this module outside Next.
import type { Sql } from "postgres";
import {
  listSyncConflicts,
  resolveSyncConflict,
  resolveSyncConflicts,
  type BulkResolutionOutcome,
  type ManualResolution,
  type ResolutionContext,
  type ResolvedSyncConflict,
  type SyncConflictRow,
} from "@/core/conflicts/index.ts";
import type { ConflictType } from "@/core/conflicts/sku-sync-state.ts";
import { upcastMetadata } from "@/core/event-store/index.ts";
import { inventoryAggregateId } from "@/core/inventory/events.ts";

export interface ConflictQueueFilter {
  creatorId?: string;
  /** Matches the SKU id or the product id. */
  product?: string;
  type?: ConflictType;
  status?: "open" | "resolved";
  /** Detected at least this many minutes ago. */
  olderThanMinutes?: number;
  /** Detected at most this many minutes ago. */
  newerThanMinutes?: number;
  cursor?: string | null;
  limit?: number;
}

export interface HistoryEntry {
  id: string;
  version: number;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
  source: string | null;
  userId: string | null;
}

export interface ConflictQueueItem extends Omit<SyncConflictRow, "detectedAt" | "resolvedAt"> {
  detectedAt: string;
  resolvedAt: string | null;
  /** The SKU's inventory stream, newest first. */
  recentHistory: HistoryEntry[];
}

export interface ConflictQueuePage {
  conflicts: ConflictQueueItem[];
  nextCursor: string | null;
  /** Creators that have conflicts of this status, for the filter. */
  creators: string[];
}

const RECENT_HISTORY_EVENTS = 8;

/** The admin actor, as the resolution events record it. */
export interface AdminActor {
  userId: string;
  email: string | null;
}

export async function readConflictQueue(sql: Sql, filter: ConflictQueueFilter, now: Date): Promise<ConflictQueuePage> {
  const status = filter.status ?? "open";
  const base = {
    creatorId: filter.creatorId,
    type: filter.type,
    status,
    olderThanMs: filter.olderThanMinutes === undefined ? undefined : filter.olderThanMinutes * 60_000,
    newerThanMs: filter.newerThanMinutes === undefined ? undefined : filter.newerThanMinutes * 60_000,
    now,
    limit: filter.limit ?? 50,
    cursor: filter.cursor ?? null,
  };
  // The one product box matches either id: admins paste whichever the creator reported.
  let page = await listSyncConflicts(sql, { ...base, skuId: filter.product });
  if (filter.product && page.conflicts.length === 0 && !filter.cursor) page = await listSyncConflicts(sql, { ...base, productId: filter.product });
  const histories = await recentHistories(sql, page.conflicts);
  const creators = await sql<{ creator_id: string }[]>`
    select distinct creator_id from public.sync_conflicts where status = ${status} order by creator_id limit 200`;
  return {
    conflicts: page.conflicts.map((conflict) => ({
      ...conflict,
      detectedAt: conflict.detectedAt.toISOString(),
      resolvedAt: conflict.resolvedAt?.toISOString() ?? null,
      recentHistory: histories.get(`${conflict.creatorId}:${conflict.skuId}`) ?? [],
    })),
    nextCursor: page.nextCursor,
    creators: creators.map((row) => row.creator_id),
  };
}

/** Who wrote an event: the part of the engine when it names one, else its source (old events upcast). */
function originOf(row: { event_type: string; creator_id: string; event_data: Record<string, unknown>; metadata: Record<string, unknown> }): string {
  const metadata = upcastMetadata(row);
  return metadata.component ?? metadata.source;
}

/** The last events of each conflicted SKU's inventory stream, in one query. */
async function recentHistories(sql: Sql, conflicts: SyncConflictRow[]): Promise<Map<string, HistoryEntry[]>> {
  const histories = new Map<string, HistoryEntry[]>();
  const keys = [...new Set(conflicts.map((conflict) => `${conflict.creatorId}:${conflict.skuId}`))];
  if (keys.length === 0) return histories;
  const creatorIds = keys.map((key) => key.split(":")[0]!);
  const aggregateIds = keys.map((key) => inventoryAggregateId(key.split(":")[1]!));
  const rows = await sql<
    { creator_id: string; aggregate_id: string; id: string; version: string; event_type: string; occurred_at: Date; event_data: Record<string, unknown>; metadata: Record<string, unknown>; user_id: string | null }[]
  >`
    select wanted.creator_id, wanted.aggregate_id, e.id, e.version, e.event_type, e.occurred_at, e.event_data, e.metadata, e.user_id
      from unnest(${creatorIds}::uuid[], ${aggregateIds}::text[]) as wanted (creator_id, aggregate_id)
      cross join lateral (
        select id, version, event_type, occurred_at, event_data, metadata, user_id from public.event_store
         where aggregate_id = wanted.aggregate_id and creator_id = wanted.creator_id
         order by version desc limit ${RECENT_HISTORY_EVENTS}
      ) e
     order by wanted.aggregate_id, e.version desc`;
  for (const row of rows) {
    const key = `${row.creator_id}:${row.aggregate_id.slice("inventory-".length)}`;
    const list = histories.get(key) ?? [];
    list.push({
      id: row.id,
      version: Number(row.version),
      type: row.event_type,
      occurredAt: row.occurred_at.toISOString(),
      data: row.event_data,
      source: originOf(row),
      userId: row.user_id,
    });
    histories.set(key, list);
  }
  return histories;
}

export interface AdminResolution {
  creatorId: string;
  resolution: ManualResolution;
  reason: string;
  /** Makes a retried request (double click, flaky network) append nothing new. */
  requestId?: string;
}

/** Who the events name: the email when the account has one (what a person reads), and always the user id. */
function resolverOf(admin: AdminActor) {
  return { resolvedBy: admin.email ?? admin.userId, userId: admin.userId };
}

export async function resolveConflictAsAdmin(
  options: ResolutionContext,
  admin: AdminActor,
  request: AdminResolution & { conflictId: string },
): Promise<ResolvedSyncConflict> {
  return resolveSyncConflict(options, { ...request, ...resolverOf(admin) });
}

/** Bulk: the selection may span creators; each creator's conflicts go through the core's bulk resolution, each succeeding or failing on its own. */
export async function resolveConflictsAsAdmin(
  options: ResolutionContext,
  admin: AdminActor,
  request: { conflicts: { creatorId: string; conflictId: string }[]; resolution: ManualResolution; reason: string },
): Promise<(BulkResolutionOutcome & { creatorId: string })[]> {
  const byCreator = new Map<string, string[]>();
  for (const { creatorId, conflictId } of request.conflicts) byCreator.set(creatorId, [...(byCreator.get(creatorId) ?? []), conflictId]);
  const outcomes: (BulkResolutionOutcome & { creatorId: string })[] = [];
  for (const [creatorId, conflictIds] of byCreator) {
    const resolved = await resolveSyncConflicts(options, { creatorId, conflictIds, resolution: request.resolution, reason: request.reason, ...resolverOf(admin) });
    outcomes.push(...resolved.map((outcome) => ({ ...outcome, creatorId })));
  }
  return outcomes;
}
