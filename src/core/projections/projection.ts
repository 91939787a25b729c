// A projection folds events into read-model tables. It runs as a transactional consumer
// (rows and checkpoint commit together), and the same code rebuilds its tables into
// shadow copies (rebuild.ts) or into a test's own schema: every table name is qualified
// with the schema the context names.
import type { Sql } from "postgres";
import { orderIdOf } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import type { Consumer } from "../processing/index.ts";
import { recordRealtimeChanges, RealtimeChanges, type ReadModel } from "../realtime/realtime-changes.ts";

export interface ProjectionContext {
  /** The transaction that also moves the checkpoint (live), or the rebuild's connection. */
  sql: Sql;
  /** Where the tables are: "public" live, the shadow schema during a rebuild, a test's own schema. */
  schema: string;
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

export interface Projection {
  /** Its consumer's name (checkpoint row) and the name the CLI knows it by. */
  name: string;
  handles: readonly string[];
  tables: readonly ProjectionTable[];
  /** What the dashboard knows it as, in realtime deltas; none for operational read models. */
  readModel?: ReadModel;
  batchSize: number;
  /**
   * Applies a batch in stream order; idempotent (events already applied are skipped);
   * records what changed in `changes`, for realtime.
   */
  apply(events: StoredEvent[], context: ProjectionContext, changes: RealtimeChanges): Promise<void>;
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
    async handleBatch(events, context) {
      const changes = new RealtimeChanges();
      await projection.apply(events, { sql: context.sql, schema, replay: context.replay, rebuilding: false, now: context.now }, changes);
      if (publish && !context.replay) await recordRealtimeChanges(context.sql, schema, changes);
    },
  };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

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
  events: StoredEvent[];
}

/** A batch's events grouped by (creator, order id), in stream order; keys are `creator|order`. */
export function eventsByOrder(events: StoredEvent[]): Map<string, OrderEvents> {
  const byOrder = new Map<string, OrderEvents>();
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
