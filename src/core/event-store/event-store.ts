// The event store over Postgres. The SQL client is passed in (postgres.js in Node and
// in Deno alike), so this module stays free of runtime-specific imports.
import type { Sql } from "postgres";
import type { DomainEvent, EventOrigin, EventType, StoredEventMetadata } from "../event-catalogue.ts";
import type { ExpectedVersion } from "./errors.ts";
import type { UpcasterRegistry } from "./upcasting.ts";
import { checkAppendRequest, prepareAppend, toAppendResult, translateAppendError } from "./append-rows.ts";
import { createAppendWriter, type AppendGrouping, type AppendWriter } from "./grouped-appends.ts";
import { readAllAfter, readByType, readStream, type EventReads, type StreamRange, type TypeQuery } from "./reads.ts";
import { aggregateStream, loadSnapshot, saveSnapshot, type AggregateStreamOptions, type Snapshot, type SnapshotQuery } from "./snapshots.ts";

// The shapes the store's parts declare, public where the store's own are.
export { SNAPSHOTS_KEPT, type AggregateStreamOptions, type Snapshot, type SnapshotQuery } from "./snapshots.ts";
export type { StreamRange, TypeQuery } from "./reads.ts";

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
  /**
   * Also answer `settled`: how far the read has seen the whole stream when the page is not full.
   * A consumer of a few types (or one shard's creators) stands there, instead of at its last
   * event, so its next read does not scan again past everything it skipped.
   */
  settled?: boolean;
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

/**
 * The store's operations bound to one SQL client: each is a module-level function of its
 * own (append here, the reads in reads.ts, snapshots in snapshots.ts) taking what it needs.
 */
export function createEventStore({ sql, upcasters = {}, groupCommit = {} }: EventStoreOptions) {
  const writeAppend = createAppendWriter(sql, groupCommit);
  const reads: EventReads = { sql, upcasters };
  return {
    appendToStream: (request: AppendRequest) => appendToStream(writeAppend, request),
    readStream: (aggregateId: string, range: StreamRange = {}) => readStream(reads, aggregateId, range),
    readByType: (query: TypeQuery) => readByType(reads, query),
    readAllAfter: (checkpoint: GlobalCheckpoint = startOfGlobalStream, options: ReadAllOptions = {}) => readAllAfter(reads, checkpoint, options),
    saveSnapshot: <State>(snapshot: Snapshot<State>) => saveSnapshot(sql, snapshot),
    loadSnapshot: <State>(aggregateId: string, options: SnapshotQuery = {}) => loadSnapshot<State>(sql, aggregateId, options),
    aggregateStream: <State>(options: AggregateStreamOptions<State>) => aggregateStream(reads, options),
  };
}

/** Validates an append, writes it in one round trip (grouped with concurrent ones), and turns the database's refusals into typed errors. */
async function appendToStream(writeAppend: AppendWriter, request: AppendRequest): Promise<AppendResult> {
  checkAppendRequest(request);
  // Everything is validated before the single round trip, so a bad event writes nothing.
  const { metadata, rows } = prepareAppend(request, request.events);
  const expected = request.expectedVersion ?? "any";
  try {
    const written = await writeAppend({
      creatorId: request.creatorId,
      aggregateId: request.aggregateId,
      aggregateType: request.aggregateType,
      expected,
      rows,
      metadata,
      idempotencyKey: request.idempotencyKey ?? null,
    });
    return toAppendResult(written);
  } catch (error) {
    throw translateAppendError(error, request.aggregateId, expected);
  }
}
