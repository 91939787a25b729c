// Reading the event store: one stream, events by type, and the global stream. Each query
// is a function of the SQL client and the upcasters; turning rows into events, paging and
// moving a checkpoint are plain functions, so they are tested without a database.
import type { Sql } from "postgres";
import { parseEventData, type AnyEventData, type DomainEvent, type EventData, type EventType } from "../event-catalogue.ts";
import { EventStoreError } from "./errors.ts";
import type { GlobalCheckpoint, ReadAllOptions, StoredEvent } from "./event-store.ts";
import { upcastMetadata } from "./metadata-upcasting.ts";
import { andEventTypeIn, compileTypeFilter } from "./type-filter.ts";
import { upcastEvent, type UpcasterRegistry } from "./upcasting.ts";

/** What every read needs: where to read, and how to bring old payloads to today's shape. */
export interface EventReads {
  sql: Sql;
  upcasters: UpcasterRegistry;
}

/**
 * A row of public.event_store. Its payload fits its type's schema at its schema version:
 * append_to_stream is callable by the service role only, and every append goes through
 * prepareAppend, which parses each payload with the catalogue. Reads trust that; an
 * upcast payload, which no append checked, is parsed again in toStoredEvent.
 */
export interface EventRow {
  id: string;
  position: string;
  transaction_id: string;
  creator_id: string;
  aggregate_id: string;
  aggregate_type: string;
  event_type: EventType;
  event_data: AnyEventData;
  metadata: Record<string, unknown>;
  schema_version: number;
  version: string;
  occurred_at: Date;
  processed_at: Date | null;
  correlation_id: string | null;
  causation_id: string | null;
  user_id: string | null;
}

export interface StreamRange {
  fromVersion?: number;
  toVersion?: number;
  creatorId?: string;
}

/** Events by type (exact or wildcard), optionally within a time range and for one creator, paged by cursor. */
export interface TypeQuery {
  types: string[];
  from?: Date;
  to?: Date;
  creatorId?: string;
  after?: string;
  limit?: number;
}

export function toStoredEvent(upcasters: UpcasterRegistry, row: EventRow): StoredEvent {
  const upcast = upcastEvent(upcasters, row.event_type, row.schema_version, row.event_data);
  return {
    id: row.id,
    position: Number(row.position),
    transactionId: String(row.transaction_id),
    creatorId: row.creator_id,
    aggregateId: row.aggregate_id,
    aggregateType: row.aggregate_type,
    // An upcast payload has a shape no append checked: it is parsed with the current schema.
    ...catalogued(row.event_type, upcast.schemaVersion === row.schema_version ? row.event_data : parseEventData(row.event_type, upcast.data)),
    metadata: upcastMetadata(row),
    schemaVersion: upcast.schemaVersion,
    version: Number(row.version),
    occurredAt: row.occurred_at,
    processedAt: row.processed_at,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    userId: row.user_id,
  };
}

export async function readStream({ sql, upcasters }: EventReads, aggregateId: string, range: StreamRange = {}): Promise<StoredEvent[]> {
  const rows = await sql<EventRow[]>`
    select * from public.event_store
     where aggregate_id = ${aggregateId}
       and version >= ${range.fromVersion ?? 1}
       and version <= ${range.toVersion ?? Number.MAX_SAFE_INTEGER}
       ${range.creatorId ? sql`and creator_id = ${range.creatorId}::uuid` : sql``}
     order by version`;
  return rows.map((row) => toStoredEvent(upcasters, row));
}

export async function readByType({ sql, upcasters }: EventReads, query: TypeQuery): Promise<{ events: StoredEvent[]; nextCursor: string | null }> {
  const filter = compileTypeFilter(query.types);
  const limit = query.limit ?? 100;
  const afterPosition = query.after ? decodeCursor(query.after) : 0;
  // One row more than the page, to know whether another page follows.
  const rows = await sql<EventRow[]>`
    select * from public.event_store
     where position > ${afterPosition}
       ${andEventTypeIn(sql, filter)}
       ${query.from ? sql`and occurred_at >= ${query.from}` : sql``}
       ${query.to ? sql`and occurred_at < ${query.to}` : sql``}
       ${query.creatorId ? sql`and creator_id = ${query.creatorId}::uuid` : sql``}
     order by position
     limit ${limit + 1}`;
  return pageOf(rows, limit, (row) => toStoredEvent(upcasters, row));
}

/** The first `limit` rows as events (only those are turned), and a cursor after the last when `rows` held more. */
export function pageOf<Row>(rows: readonly Row[], limit: number, toEvent: (row: Row) => StoredEvent): { events: StoredEvent[]; nextCursor: string | null } {
  const page = rows.slice(0, limit).map(toEvent);
  const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].position) : null;
  return { events: page, nextCursor };
}

/**
 * The global stream after a checkpoint, never skipping an event: only rows of
 * transactions older than every transaction still in flight are returned, in
 * (transaction, position) order, so a late commit cannot slip behind a reader.
 */
export async function readAllAfter(
  { sql, upcasters }: EventReads,
  checkpoint: GlobalCheckpoint,
  options: ReadAllOptions = {},
): Promise<{ events: StoredEvent[]; checkpoint: GlobalCheckpoint; settled?: GlobalCheckpoint }> {
  const filter = options.types ? compileTypeFilter(options.types) : undefined;
  const { until, shard } = options;
  const limit = options.limit ?? 500;
  const page = sql<EventRow[]>`
    select * from public.event_store
     where (transaction_id, position) > (${checkpoint.transactionId}::xid8, ${checkpoint.position})
       and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ${andEventTypeIn(sql, filter)}
       ${until ? sql`and (transaction_id, position) <= (${until.transactionId}::xid8, ${until.position})` : sql``}
       ${shard && shard.count > 1 ? sql`and public.creator_shard(creator_id, ${shard.count}) = ${shard.index}` : sql``}
     order by transaction_id, position
     limit ${limit}`;
  if (!options.settled || until) {
    const events = (await page).map((row) => toStoredEvent(upcasters, row));
    return { events, checkpoint: checkpointAfter(events, checkpoint) };
  }
  // The last event of the whole stream below the statement's xmin (one backward index probe):
  // every event up to it has committed, none can still appear before it, and a page that is not
  // full has read every one after the checkpoint that the filters let through.
  const rows = await sql<(EventRow & SettledColumns)[]>`
    select h.settled_transaction_id::text, h.settled_position, e.*
      from (select s.transaction_id as settled_transaction_id, s.position as settled_position
              from public.event_store s
             where s.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             order by s.transaction_id desc, s.position desc
             limit 1) h
      left join lateral (${page}) e on true`;
  const events = rows.filter((row) => row.id !== null).map((row) => toStoredEvent(upcasters, row));
  const after = checkpointAfter(events, checkpoint);
  const horizon = rows[0] ? { transactionId: rows[0].settled_transaction_id, position: Number(rows[0].settled_position) } : undefined;
  const settled = events.length < limit && horizon && isPast(horizon, after) ? horizon : undefined;
  return { events, checkpoint: after, settled };
}

interface SettledColumns {
  settled_transaction_id: string;
  settled_position: string;
}

/** Whether checkpoint `a` is further along the global stream than `b` (transaction ids are xid8, beyond 2^53). */
export function isPast(a: GlobalCheckpoint, b: GlobalCheckpoint): boolean {
  const [ta, tb] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return ta > tb || (ta === tb && a.position > b.position);
}

/** Where a reader stands after `events` (read in stream order from `checkpoint`): at the last of them, or still where it was. */
export function checkpointAfter(events: readonly StoredEvent[], checkpoint: GlobalCheckpoint): GlobalCheckpoint {
  const last = events[events.length - 1];
  return last ? { transactionId: last.transactionId, position: last.position } : checkpoint;
}

/** The event of a stored row's type and payload (the row's own declaration vouches that they belong together). */
function catalogued<T extends EventType>(type: T, data: EventData<T>): DomainEvent<T> {
  return { type, data };
}

export function encodeCursor(position: number): string {
  return `p${position.toString(36)}`;
}

export function decodeCursor(cursor: string): number {
  const position = cursor.startsWith("p") ? Number.parseInt(cursor.slice(1), 36) : Number.NaN;
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new EventStoreError("validation", `Invalid cursor "${cursor}"`);
  }
  return position;
}
