// A projection folds events into read-model tables: a pure fold (unit-tested without a
// database) and a declared storage that loads what a batch touches and saves what the fold
// changed. It runs as a transactional consumer (rows and checkpoint commit together), and
// the same code rebuilds its tables into shadow copies (rebuild.ts) or into a test's own
// schema: every table name is qualified with the schema the context names.
import type { Sql } from "postgres";
import { orderIdOf } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import type { Consumer } from "../processing/index.ts";
import { recordRealtimeChanges, RealtimeChanges, type ReadModel } from "../realtime/realtime-changes.ts";
import { DAY_MS, HOUR_MS } from "../durations.ts";

export interface ProjectionContext extends FoldContext {
  /** The transaction that also moves the checkpoint (live), or the rebuild's connection. */
  sql: Sql;
  /** Where the tables are: "public" live, the shadow schema during a rebuild, a test's own schema. */
  schema: string;
}

/** What a fold may know of how it runs: plain values and the clock, never the database. */
export interface FoldContext {
  /** Replayed events: tables are still written (idempotently), nothing is published. */
  replay: boolean;
  /** Rebuilding into empty shadow tables from the start of the stream. */
  rebuilding: boolean;
  now(): Date;
}

export interface ProjectionTable {
  name: string;
  /** The primary key, to match shadow rows with live ones. */
  key: readonly string[];
  /**
   * Columns a rebuild cannot recompute from the events (measured at processing time):
   * the live values are kept for rows that exist on both sides.
   */
  keptOnRebuild?: readonly string[];
}

/** A batch folded: the read model as it now stands, and what must be written to get there. */
export interface Folded<State, Writes> {
  state: State;
  writes: Writes;
}

/** Where a projection's read model lives: the part of it a batch touches, and writing what a fold changed. */
export interface ReadModelStorage<State, Writes> {
  load(context: ProjectionContext, events: readonly StoredEvent[]): Promise<State>;
  save(context: ProjectionContext, writes: Writes): Promise<void>;
}

/**
 * The one way to define a projection: a pure fold and the storage it is declared with.
 * `fold` sees the read model as loaded for the batch (or, in a spec, as kept in memory)
 * and must be idempotent: folding events it already folded changes nothing and writes
 * nothing (a projection's spec folds its events twice to prove it).
 */
export interface ProjectionDefinition<State, Writes> {
  /** Its consumer's name (checkpoint row) and the name the CLI knows it by. */
  name: string;
  handles: readonly string[];
  tables: readonly ProjectionTable[];
  /** What the dashboard knows it as, in realtime deltas; none for operational read models. */
  readModel?: ReadModel;
  batchSize: number;
  /** The read model before the first event. */
  initialState(): State;
  /** Folds a batch, in stream order, into `state` without changing it. */
  fold(state: State, events: readonly StoredEvent[], context: FoldContext): Folded<State, Writes>;
  /** Records for realtime what the writes change. */
  announce?(writes: Writes, changes: RealtimeChanges): void;
  storage: ReadModelStorage<State, Writes>;
}

export interface Projection<State = unknown, Writes = unknown> extends ProjectionDefinition<State, Writes> {
  /** Load, fold, save, announce: a batch applied to the tables in `context.schema`. */
  apply(events: StoredEvent[], context: ProjectionContext, changes: RealtimeChanges): Promise<void>;
}

export function defineProjection<State, Writes>(definition: ProjectionDefinition<State, Writes>): Projection<State, Writes> {
  return {
    ...definition,
    async apply(events, context, changes) {
      const state = await definition.storage.load(context, events);
      const { writes } = definition.fold(state, events, context);
      await definition.storage.save(context, writes);
      definition.announce?.(writes, changes);
    },
  };
}

/** `schema.table` as a safely quoted identifier. */
export function tableIn(context: { sql: Sql; schema: string }, table: string) {
  return context.sql(`${context.schema}.${table}`);
}

/** The consumer that keeps a projection's tables in `schema` live, publishing its changes through the realtime outbox. */
export function projectionConsumer(projection: Projection, options: { schema?: string; name?: string; publish?: boolean } = {}): Consumer {
  const schema = options.schema ?? "public";
  const publish = options.publish ?? true;
  return {
    name: options.name ?? projection.name,
    handles: projection.handles,
    transactional: true,
    batchSize: projection.batchSize,
    // A fold skips what it has seen by version: a late event cannot be folded in place.
    retryAdvice: `rebuild the projection (npm run events -- rebuild ${projection.name}, or from the admin panel), which folds every event in order and settles this letter`,
    async handleBatch(events, context) {
      const changes = new RealtimeChanges();
      await projection.apply(events, { sql: context.sql, schema, replay: context.replay, rebuilding: false, now: context.now }, changes);
      changes.causedBy(events);
      if (publish && !context.replay) await recordRealtimeChanges(context.sql, schema, changes);
    },
  };
}

export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** Days are UTC days; a dashboard in another time zone sums the hourly buckets of its local day. */
export function dayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export interface OrderEvents {
  creatorId: string;
  orderId: string;
  events: readonly StoredEvent[];
}

/** The (creator_id, order_id) of every order a batch's events touch: the rows an order read model loads. */
export function orderKeysOf(events: readonly StoredEvent[]): { creator_id: string; order_id: string }[] {
  return [...eventsByOrder(events).values()].map((entry) => ({ creator_id: entry.creatorId, order_id: entry.orderId }));
}

// A batch is grouped by its load (orderKeysOf) and again by its fold, and a rebuild's page by
// two order projections: the grouping is kept with the batch (its array) and made once. A
// batch is never changed once read; the length check guards against one that grew anyway.
const groupedBatches = new WeakMap<readonly StoredEvent[], { length: number; byOrder: ReadonlyMap<string, OrderEvents> }>();

/** A batch's events grouped by (creator, order id), in stream order; keys are `creator|order`. */
export function eventsByOrder(events: readonly StoredEvent[]): ReadonlyMap<string, OrderEvents> {
  const grouped = groupedBatches.get(events);
  if (grouped && grouped.length === events.length) return grouped.byOrder;
  const byOrder = groupByOrder(events);
  groupedBatches.set(events, { length: events.length, byOrder });
  return byOrder;
}

function groupByOrder(events: readonly StoredEvent[]): Map<string, { creatorId: string; orderId: string; events: StoredEvent[] }> {
  const byOrder = new Map<string, { creatorId: string; orderId: string; events: StoredEvent[] }>();
  for (const event of events) {
    const orderId = orderIdOf(event);
    if (typeof orderId !== "string") continue;
    const key = `${event.creatorId}|${orderId}`;
    const entry = byOrder.get(key);
    if (entry) entry.events.push(event);
    else byOrder.set(key, { creatorId: event.creatorId, orderId, events: [event] });
  }
  return byOrder;
}
