// The event store over Postgres. The SQL client is passed in (postgres.js in Node and
// in Deno alike), so this module stays free of runtime-specific imports.
import type { Sql } from "postgres";
import { parseEventData, type AnyEventData, type DomainEvent, type EventData, type EventOrigin, type EventType, type StoredEventMetadata } from "../event-catalogue.ts";
import { EventStoreError, EventValidationError, type ExpectedVersion } from "./errors.ts";
import { andEventTypeIn, compileTypeFilter } from "./type-filter.ts";
import { upcastMetadata } from "./metadata-upcasting.ts";
import { upcastEvent, type UpcasterRegistry } from "./upcasting.ts";
import { prepareAppend, translateAppendError } from "./append-rows.ts";
import { createAppendWriter, type AppendGrouping } from "./grouped-appends.ts";

/** An event to append: a catalogued type with its payload, and how to record it. */
export type NewEvent<T extends EventType = EventType> = DomainEvent<T> & {
  /** This event's own metadata, over the append's (e.g. its causation id). */
  metadata?: Partial<EventOrigin>;
  /** Lets a caller know the id before the append (e.g. to use it as a causation id). */
  id?: string;
  /** Defaults to the database clock; set only when recording a fact with its own time. */
  occurredAt?: Date;
};

/** An event as read back: a catalogued type with its payload, where it sits in the store, and its metadata. */
export type StoredEvent<T extends EventType = EventType> = DomainEvent<T> & StoredEventEnvelope;

export interface StoredEventEnvelope {
  id: string;
  position: number;
  transactionId: string;
  creatorId: string;
  aggregateId: string;
  aggregateType: string;
  metadata: StoredEventMetadata;
  schemaVersion: number;
  version: number;
  occurredAt: Date;
  processedAt: Date | null;
  correlationId: string | null;
  causationId: string | null;
  userId: string | null;
}

export interface AppendRequest {
  creatorId: string;
  aggregateId: string;
  aggregateType: string;
  expectedVersion?: ExpectedVersion;
  events: NewEvent[];
  /** Where the events come from; the store adds the creator, priority, service version and environment. */
  metadata: EventOrigin;
  idempotencyKey?: string;
}

export interface AppendResult {
  events: { id: string; position: number; version: number }[];
  nextExpectedVersion: number;
  /** True when the idempotency key had been used: nothing was written. */
  duplicate: boolean;
}

/** Where a reader of the global stream stands: the last (transaction, position) it saw. */
export interface GlobalCheckpoint {
  transactionId: string;
  position: number;
}

export const startOfGlobalStream: GlobalCheckpoint = { transactionId: "0", position: 0 };

export interface ReadAllOptions {
  limit?: number;
  /** Event types, exact or wildcard ("order.*"). */
  types?: string[];
  /** Nothing after this point of the stream (a consumer shard's barrier). */
  until?: GlobalCheckpoint;
  /** Only the events of the creators of shard `index` of `count` (public.creator_shard). */
  shard?: { index: number; count: number };
}

export interface Snapshot<State> {
  aggregateId: string;
  aggregateType: string;
  creatorId: string;
  version: number;
  state: State;
  schemaVersion: number;
}

export const SNAPSHOTS_KEPT = 5;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A row of public.event_store. Its payload fits its type's schema at its schema version:
 * append_to_stream is callable by the service role only, and every append goes through
 * prepareAppend, which parses each payload with the catalogue. Reads trust that; an
 * upcast payload, which no append checked, is parsed again in toStoredEvent.
 */
interface EventRow {
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

export type EventStore = ReturnType<typeof createEventStore>;

export interface EventStoreOptions {
  sql: Sql;
  upcasters?: UpcasterRegistry;
  /**
   * Group commit of concurrent appends (grouped-appends.ts), on by default: a lone append is
   * written as without it, and concurrent ones share a commit. `false` gives every append
   * its own transaction.
   */
  groupCommit?: Partial<AppendGrouping> | false;
}

export function createEventStore({ sql, upcasters = {}, groupCommit = {} }: EventStoreOptions) {
  const writeAppend = createAppendWriter(sql, groupCommit);
  const toStoredEvent = (row: EventRow): StoredEvent => {
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
  };

  async function appendToStream(request: AppendRequest): Promise<AppendResult> {
    if (!uuidPattern.test(request.creatorId)) {
      throw new EventValidationError(`creator_id must be a uuid, got "${request.creatorId}"`, "", ["creator_id"]);
    }
    if (request.events.length === 0) {
      throw new EventValidationError("Nothing to append: events is empty", "", ["events"]);
    }
    // Everything is validated before the single round trip, so a bad event writes nothing.
    const { metadata, rows } = prepareAppend(request, request.events);
    const expected = request.expectedVersion ?? "any";
    try {
      const result = await writeAppend({
        creatorId: request.creatorId,
        aggregateId: request.aggregateId,
        aggregateType: request.aggregateType,
        expected,
        rows,
        metadata,
        idempotencyKey: request.idempotencyKey ?? null,
      });
      const events = result.map((row) => ({
        id: row.event_id,
        position: Number(row.event_position),
        version: Number(row.event_version),
      }));
      return {
        events,
        nextExpectedVersion: events.length ? events[events.length - 1].version : 0,
        duplicate: result[0]?.duplicate ?? false,
      };
    } catch (error) {
      throw translateAppendError(error, request.aggregateId, expected);
    }
  }

  async function readStream(
    aggregateId: string,
    range: { fromVersion?: number; toVersion?: number; creatorId?: string } = {},
  ): Promise<StoredEvent[]> {
    const rows = await sql<EventRow[]>`
      select * from public.event_store
       where aggregate_id = ${aggregateId}
         and version >= ${range.fromVersion ?? 1}
         and version <= ${range.toVersion ?? Number.MAX_SAFE_INTEGER}
         ${range.creatorId ? sql`and creator_id = ${range.creatorId}::uuid` : sql``}
       order by version`;
    return rows.map(toStoredEvent);
  }

  /** Events by type (exact or wildcard), optionally within a time range and for one creator, paged by cursor. */
  async function readByType(query: {
    types: string[];
    from?: Date;
    to?: Date;
    creatorId?: string;
    after?: string;
    limit?: number;
  }): Promise<{ events: StoredEvent[]; nextCursor: string | null }> {
    const filter = compileTypeFilter(query.types);
    const limit = query.limit ?? 100;
    const afterPosition = query.after ? decodeCursor(query.after) : 0;
    const rows = await sql<EventRow[]>`
      select * from public.event_store
       where position > ${afterPosition}
         ${andEventTypeIn(sql, filter)}
         ${query.from ? sql`and occurred_at >= ${query.from}` : sql``}
         ${query.to ? sql`and occurred_at < ${query.to}` : sql``}
         ${query.creatorId ? sql`and creator_id = ${query.creatorId}::uuid` : sql``}
       order by position
       limit ${limit + 1}`;
    const page = rows.slice(0, limit).map(toStoredEvent);
    const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].position) : null;
    return { events: page, nextCursor };
  }

  /**
   * The global stream after a checkpoint, never skipping an event: only rows of
   * transactions older than every transaction still in flight are returned, in
   * (transaction, position) order, so a late commit cannot slip behind a reader.
   */
  async function readAllAfter(
    checkpoint: GlobalCheckpoint = startOfGlobalStream,
    options: ReadAllOptions = {},
  ): Promise<{ events: StoredEvent[]; checkpoint: GlobalCheckpoint }> {
    const filter = options.types ? compileTypeFilter(options.types) : undefined;
    const { until, shard } = options;
    const rows = await sql<EventRow[]>`
      select * from public.event_store
       where (transaction_id, position) > (${checkpoint.transactionId}::xid8, ${checkpoint.position})
         and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ${andEventTypeIn(sql, filter)}
         ${until ? sql`and (transaction_id, position) <= (${until.transactionId}::xid8, ${until.position})` : sql``}
         ${shard && shard.count > 1 ? sql`and public.creator_shard(creator_id, ${shard.count}) = ${shard.index}` : sql``}
       order by transaction_id, position
       limit ${options.limit ?? 500}`;
    const events = rows.map(toStoredEvent);
    const last = events[events.length - 1];
    return {
      events,
      checkpoint: last ? { transactionId: last.transactionId, position: last.position } : checkpoint,
    };
  }

  async function saveSnapshot<State>(snapshot: Snapshot<State>): Promise<void> {
    await sql.begin(async (tx) => {
      await tx`
        insert into public.snapshots (aggregate_id, version, aggregate_type, creator_id, state, schema_version)
        values (${snapshot.aggregateId}, ${snapshot.version}, ${snapshot.aggregateType}, ${snapshot.creatorId}::uuid,
                ${tx.json(snapshot.state as never)}, ${snapshot.schemaVersion})
        on conflict (aggregate_id, version) do update set state = excluded.state, schema_version = excluded.schema_version`;
      await tx`
        delete from public.snapshots
         where aggregate_id = ${snapshot.aggregateId}
           and version not in (select version from public.snapshots where aggregate_id = ${snapshot.aggregateId}
                                order by version desc limit ${SNAPSHOTS_KEPT})`;
    });
  }

  async function loadSnapshot<State>(
    aggregateId: string,
    options: { atOrBeforeVersion?: number; schemaVersion?: number } = {},
  ): Promise<Snapshot<State> | null> {
    const [row] = await sql<{ aggregate_type: string; creator_id: string; version: string; state: State; schema_version: number }[]>`
      select aggregate_type, creator_id, version, state, schema_version from public.snapshots
       where aggregate_id = ${aggregateId}
         and version <= ${options.atOrBeforeVersion ?? Number.MAX_SAFE_INTEGER}
         ${options.schemaVersion ? sql`and schema_version = ${options.schemaVersion}` : sql``}
       order by version desc limit 1`;
    if (!row) return null;
    return {
      aggregateId,
      aggregateType: row.aggregate_type,
      creatorId: row.creator_id,
      version: Number(row.version),
      state: row.state,
      schemaVersion: row.schema_version,
    };
  }

  /**
   * An aggregate's state: the latest usable snapshot plus the events after it, up to
   * a version or a point in time when asked (time travel).
   */
  async function aggregateStream<State>(options: {
    aggregateId: string;
    initialState: () => State;
    evolve: (state: State, event: StoredEvent) => State;
    at?: { version: number } | { time: Date };
    /** Snapshots are used only when they were written with this state shape. */
    snapshotSchemaVersion?: number;
  }): Promise<{ state: State; version: number }> {
    let targetVersion = Number.MAX_SAFE_INTEGER;
    if (options.at && "version" in options.at) targetVersion = options.at.version;
    if (options.at && "time" in options.at) {
      const [row] = await sql<{ version: string | null }[]>`
        select max(version) as version from public.event_store
         where aggregate_id = ${options.aggregateId} and occurred_at <= ${options.at.time}`;
      targetVersion = row?.version === null || row === undefined ? 0 : Number(row.version);
    }
    const snapshot =
      options.snapshotSchemaVersion === undefined || targetVersion === 0
        ? null
        : await loadSnapshot<State>(options.aggregateId, {
            atOrBeforeVersion: targetVersion,
            schemaVersion: options.snapshotSchemaVersion,
          });
    let state = snapshot ? snapshot.state : options.initialState();
    let version = snapshot ? snapshot.version : 0;
    if (targetVersion > version) {
      const events = await readStream(options.aggregateId, { fromVersion: version + 1, toVersion: targetVersion });
      for (const event of events) {
        state = options.evolve(state, event);
        version = event.version;
      }
    }
    return { state, version };
  }

  return { appendToStream, readStream, readByType, readAllAfter, saveSnapshot, loadSnapshot, aggregateStream };
}

/** The event of a stored row's type and payload (the row's own declaration vouches that they belong together). */
function catalogued<T extends EventType>(type: T, data: EventData<T>): DomainEvent<T> {
  return { type, data };
}

function encodeCursor(position: number): string {
  return `p${position.toString(36)}`;
}

function decodeCursor(cursor: string): number {
  const position = cursor.startsWith("p") ? Number.parseInt(cursor.slice(1), 36) : Number.NaN;
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new EventStoreError("validation", `Invalid cursor "${cursor}"`);
  }
  return position;
}
