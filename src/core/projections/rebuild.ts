// Rebuilds a projection from the events without taking the dashboard down:
//   1. take the projection consumer's lease (live processing of it pauses; readers keep
//      reading the live tables, which merely stop moving);
//   2. fold every event into empty shadow tables shaped like the live ones;
//   3. in ONE short transaction (rebuild-swap.ts), replace the live rows by the shadow
//      rows (DELETE + INSERT ... SELECT, not TRUNCATE, whose exclusive lock would block
//      readers: with MVCC readers keep seeing the old rows until the commit) and move the
//      checkpoint to where the rebuild stopped reading, so live processing resumes right after it.
// Progress is kept in consumer_checkpoints.rebuild_progress for the CLI and admin panel.
// An event the fold throws on is recorded as a dead letter of the projection's consumer and
// skipped, as live processing does, and counted in the progress; the swap settles the
// projection's other letters, whose events the rebuild has now folded in order.
import type { Sql } from "postgres";
import { andEventTypeIn, compileTypeFilter, createEventStore, startOfGlobalStream, typeMatches, type GlobalCheckpoint, type StoredEvent } from "../event-store/index.ts";
import { CONSUMER_LEASE_MS } from "../processing/consumer-leases.ts";
import { RealtimeChanges } from "../realtime/realtime-changes.ts";
import type { Projection } from "./projection.ts";
import { createTablesLike, dropTables, shadowSchemaFor } from "./projection-schema.ts";
import { acquireRebuildLeases } from "./rebuild-lease.ts";
import { swapIn } from "./rebuild-swap.ts";

export { RebuildLeaseUnavailableError } from "./rebuild-lease.ts";

export interface RebuildProgress {
  projection: string;
  phase: "building" | "swapping" | "done" | "failed";
  processed: number;
  /** Events to fold, counted when the rebuild started (more may arrive meanwhile). */
  total: number;
  eventsPerSecond: number;
  /** Events the fold threw on: recorded as dead letters and skipped. */
  deadLettered: number;
  error?: string;
}

export interface RebuildOptions {
  sql: Sql;
  projection: Projection;
  /** Schema of the live tables; "public" in production. */
  schema?: string;
  /** The consumer keeping the projection live; defaults to the projection's name. */
  consumerName?: string;
  owner?: string;
  /** Events read per page (the next page is read while this one is folded). */
  pageSize?: number;
  /** How long the lease is taken for; renewed as pages go by. */
  leaseMs?: number;
  /**
   * How long to wait for a live instance to let go of the lease. By default longer than a
   * consumer's lease, so a lease left by an instance that died (or was stopped at a reshard)
   * has expired before the rebuild gives up.
   */
  waitForLeaseMs?: number;
  onProgress?: (progress: RebuildProgress) => void;
  now?: () => Date;
}

export interface RebuildManyOptions extends Omit<RebuildOptions, "projection" | "consumerName"> {
  projections: readonly Projection[];
  /** The consumer keeping each projection live; defaults to the projection's name. */
  consumerName?: (projection: Projection) => string;
}

export type RebuildResult = RebuildProgress & { checkpoint: GlobalCheckpoint };

const PROGRESS_INTERVAL_MS = 250;
const DEFAULT_PAGE_SIZE = 10_000;

/** One projection being rebuilt: where it reports, and what it has folded so far. */
export interface RebuildTarget {
  projection: Projection;
  consumer: string;
  /** The checkpoint rows it leases and moves: the consumer's own, and its shards' when it is sharded. */
  rows: string[];
  progress: RebuildProgress;
  /** Ids of the events its fold threw on (dead-lettered). */
  poisoned: string[];
}

export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { projection, consumerName, ...rest } = options;
  const [result] = await rebuildProjections({ ...rest, projections: [projection], consumerName: consumerName ? () => consumerName : undefined });
  return result;
}

/** A rebuild under way: its settings, what it rebuilds, and when its clock started. */
interface RebuildRun {
  sql: Sql;
  /** Schema of the live tables, and of the throwaway shadow tables the fold writes. */
  schema: string;
  shadow: string;
  owner: string;
  pageSize: number;
  leaseMs: number;
  now: () => Date;
  onProgress?: (progress: RebuildProgress) => void;
  targets: RebuildTarget[];
  /** performance.now() once every lease was taken: the events-per-second clock. */
  started: number;
}

/**
 * Rebuilds projections together: the stream is read once, in large pages (the next page
 * read while this one is folded), and each page is folded into every projection's shadow
 * tables at once, each projection in its own transaction. Every projection's consumer is
 * leased for the whole rebuild, and each is swapped in as the stream runs out.
 */
export async function rebuildProjections(options: RebuildManyOptions): Promise<RebuildResult[]> {
  const { sql } = options;
  const schema = options.schema ?? "public";
  const owner = options.owner ?? `rebuild-${crypto.randomUUID()}`;
  const leaseMs = options.leaseMs ?? 120_000;
  const targets = options.projections.map((projection) => newRebuildTarget(projection, options.consumerName?.(projection) ?? projection.name));
  const tables = targets.flatMap((target) => target.projection.tables.map((table) => table.name));
  // Taken before anything is built: a rebuild that cannot lease every row gives back what it
  // took and has nothing else to undo.
  for (const target of targets) target.rows = await checkpointRowsOf(sql, target.consumer);
  await acquireRebuildLeases(sql, targets.flatMap((target) => target.rows), { owner, leaseMs, waitMs: options.waitForLeaseMs ?? CONSUMER_LEASE_MS + 15_000 });
  const run: RebuildRun = {
    sql,
    schema,
    shadow: shadowSchemaFor(schema),
    owner,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    leaseMs,
    now: options.now ?? (() => new Date()),
    onProgress: options.onProgress,
    targets,
    started: performance.now(),
  };
  try {
    const checkpoint = await buildAndSwapIn(run, tables);
    return finishedResults(run, checkpoint);
  } catch (error) {
    for (const target of targets) await recordFailure(sql, target, owner, error, options.onProgress);
    throw error;
  } finally {
    await dropTables(sql, run.shadow, tables);
  }
}

/** A projection to rebuild under `consumer`, nothing folded yet (its checkpoint rows are looked up when it is leased). */
export function newRebuildTarget(projection: Projection, consumer: string): RebuildTarget {
  return {
    projection,
    consumer,
    rows: [],
    progress: { projection: projection.name, phase: "building", processed: 0, total: 0, eventsPerSecond: 0, deadLettered: 0 },
    poisoned: [],
  };
}

/** The event types the rebuild reads: what any of its projections handles, or all (undefined) when one takes every event. */
export function eventTypesToFold(targets: readonly Pick<RebuildTarget, "projection">[]): string[] | undefined {
  const handles = targets.flatMap((target) => target.projection.handles);
  return handles.includes("*") ? undefined : [...new Set(handles)];
}

/** A rate as the progress shows it: whole events per second, never divided by zero. */
export function eventsPerSecond(processed: number, elapsedMs: number): number {
  return Math.round(processed / Math.max(0.001, elapsedMs / 1000));
}

/** Counts, builds the shadow tables, folds the stream into them and swaps each projection in; returns where the fold stopped. */
async function buildAndSwapIn(run: RebuildRun, tables: string[]): Promise<GlobalCheckpoint> {
  const { sql, targets } = run;
  for (const target of targets) {
    target.progress.total = await countEvents(sql, target.projection.handles.includes("*") ? undefined : [...target.projection.handles]);
    await sql`update public.consumer_checkpoints set rebuild_started_at = now() where consumer = ${target.consumer}`;
  }
  await reportProgress(run);
  await createTablesLike(sql, { schema: run.shadow, likeSchema: run.schema, tables, throwaway: true });

  const checkpoint = await foldStream(sql, { targets, types: eventTypesToFold(targets), pageSize: run.pageSize, shadow: run.shadow, now: run.now, report: () => reportProgress(run) });

  for (const target of targets) target.progress.phase = "swapping";
  await reportProgress(run);
  for (const target of targets) {
    await swapIn(sql, { target, schema: run.schema, shadow: run.shadow, owner: run.owner, checkpoint, progress: { ...target.progress, phase: "done" } });
    target.progress.phase = "done";
  }
  return checkpoint;
}

/** Tells the caller and consumer_checkpoints (for the CLI and admin panel) how far each target is, renewing the leases as pages go by. */
async function reportProgress({ sql, targets, started, onProgress, owner, leaseMs }: RebuildRun): Promise<void> {
  const elapsedMs = performance.now() - started;
  for (const { progress, consumer } of targets) {
    progress.eventsPerSecond = eventsPerSecond(progress.processed, elapsedMs);
    onProgress?.({ ...progress });
    await sql`
      update public.consumer_checkpoints
         set rebuild_progress = ${sql.json({ ...progress } as never)},
             lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
       where consumer = ${consumer} and lease_owner = ${owner}`;
  }
}

/** Every target's last word: done, with its final rate and the checkpoint live processing resumes after. */
function finishedResults({ targets, started, onProgress }: RebuildRun, checkpoint: GlobalCheckpoint): RebuildResult[] {
  const elapsedMs = performance.now() - started;
  return targets.map(({ progress }) => {
    progress.eventsPerSecond = eventsPerSecond(progress.processed, elapsedMs);
    onProgress?.({ ...progress });
    return { ...progress, checkpoint };
  });
}

/**
 * Reads the stream once, in pages (the next read while this one is folded, on another
 * pooled connection), folding each page into every target; returns where it stopped.
 */
async function foldStream(
  sql: Sql,
  run: { targets: RebuildTarget[]; types: string[] | undefined; pageSize: number; shadow: string; now: () => Date; report: () => Promise<void> },
): Promise<GlobalCheckpoint> {
  const store = createEventStore({ sql });
  const { pageSize, types } = run;
  let checkpoint: GlobalCheckpoint = startOfGlobalStream;
  let lastReport = performance.now();
  let nextPage = store.readAllAfter(checkpoint, { limit: pageSize, types });
  const handledBy = run.targets.map((target) => handledEventsOf(target.projection));
  for (;;) {
    const page = await nextPage;
    if (page.events.length === 0) return checkpoint;
    const more = page.events.length === pageSize;
    if (more) nextPage = store.readAllAfter(page.checkpoint, { limit: pageSize, types });
    const shared = new Map<string, StoredEvent[]>();
    await Promise.all(run.targets.map((target, index) => foldPageInto(sql, target, { shadow: run.shadow, now: run.now }, handledBy[index](page.events, shared))));
    checkpoint = page.checkpoint;
    if (performance.now() - lastReport >= PROGRESS_INTERVAL_MS) {
      lastReport = performance.now();
      await run.report();
    }
    if (!more) return checkpoint;
  }
}

/** A target the rebuild did not swap in: its progress says why, and its leases go back. */
async function recordFailure(sql: Sql, target: RebuildTarget, owner: string, error: unknown, onProgress?: (progress: RebuildProgress) => void): Promise<void> {
  const { progress, consumer, rows } = target;
  if (progress.phase === "done") return;
  progress.phase = "failed";
  progress.error = error instanceof Error ? error.message : String(error);
  onProgress?.({ ...progress });
  await sql`update public.consumer_checkpoints set rebuild_progress = ${sql.json({ ...progress } as never)} where consumer = ${consumer} and lease_owner = ${owner}`;
  await sql`update public.consumer_checkpoints set lease_owner = null, lease_expires_at = null where consumer = any(${rows}) and lease_owner = ${owner}`;
}

/**
 * Picks from a page the events a projection handles. Projections that handle the same types
 * get the same array from one page (`shared`), so what a fold works out from its batch
 * (eventsByOrder) is worked out once; whether a type is handled is remembered (typeMatches
 * for each of many events of a few types).
 */
function handledEventsOf(projection: Projection): (page: readonly StoredEvent[], shared: Map<string, StoredEvent[]>) => StoredEvent[] {
  const { handles } = projection;
  const key = JSON.stringify(handles);
  const known = new Map<string, boolean>();
  const handlesType = (type: string) => {
    let match = known.get(type);
    if (match === undefined) {
      match = typeMatches(handles, type);
      known.set(type, match);
    }
    return match;
  };
  return (page, shared) => {
    let events = shared.get(key);
    if (!events) {
      events = handles.includes("*") ? [...page] : page.filter((event) => handlesType(event.type));
      shared.set(key, events);
    }
    return events;
  };
}

/** Folds the events of a page that a target's projection handles into its shadow tables. */
async function foldPageInto(sql: Sql, target: RebuildTarget, into: { shadow: string; now: () => Date }, events: StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  target.poisoned.push(...(await foldIntoShadow(sql, { projection: target.projection, consumer: target.consumer, shadow: into.shadow, now: into.now }, events)));
  target.progress.deadLettered = target.poisoned.length;
  target.progress.processed += events.length;
}

export class RebuildDuringReshardingError extends Error {
  constructor(consumer: string) {
    super(`Consumer ${consumer} is moving to another number of shards; rebuild it once the move is done`);
    this.name = "RebuildDuringReshardingError";
  }
}

/** The consumer's own row (where progress is shown), and the rows of the shards it runs when sharded. */
async function checkpointRowsOf(sql: Sql, consumer: string): Promise<string[]> {
  const [setting] = await sql<{ shards: string[]; settled: boolean }[]>`
    select public.consumer_shard_names(s.consumer, s.active_shard_count) as shards,
           s.shard_count = s.active_shard_count
             and not exists (select 1 from public.consumer_checkpoints c
                              where c.consumer = any(public.consumer_shard_names(s.consumer, s.active_shard_count))
                                and c.barrier_transaction_id is not null) as settled
      from public.consumer_shard_settings s where s.consumer = ${consumer}`;
  if (!setting) return [consumer];
  if (!setting.settled) throw new RebuildDuringReshardingError(consumer);
  return [...new Set([consumer, ...setting.shards])];
}

async function countEvents(sql: Sql, types: string[] | undefined): Promise<number> {
  const filter = types ? compileTypeFilter(types) : undefined;
  const [row] = await sql<{ count: string }[]>`
    select count(*) from public.event_store
     where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ${andEventTypeIn(sql, filter)}`;
  return Number(row.count);
}

async function foldPage(sql: Sql, projection: Projection, events: StoredEvent[], shadow: string, now: () => Date): Promise<void> {
  await sql.begin(async (transaction) => {
    const tx = transaction as unknown as Sql;
    // Shadow tables are unlogged and thrown away if the rebuild dies: no need to wait for the WAL flush.
    await tx`set local synchronous_commit = off`;
    await projection.apply(events, { sql: tx, schema: shadow, replay: true, rebuilding: true, now }, new RealtimeChanges());
  });
}

/**
 * Folds a page into the shadow tables. If the fold throws, the page is folded again one
 * event at a time: each event it throws on becomes a dead letter and the rest go in.
 * Returns the ids of those dead-lettered.
 */
async function foldIntoShadow(sql: Sql, target: { projection: Projection; consumer: string; shadow: string; now: () => Date }, events: StoredEvent[]): Promise<string[]> {
  const { projection, shadow, now } = target;
  try {
    await foldPage(sql, projection, events, shadow, now);
    return [];
  } catch {
    // Rolled back: find the culprits below.
  }
  const deadLettered: string[] = [];
  for (const event of events) {
    try {
      await foldPage(sql, projection, [event], shadow, now);
    } catch (error) {
      await recordPoisonEvent(sql, target.consumer, event, error);
      deadLettered.push(event.id);
    }
  }
  return deadLettered;
}

async function recordPoisonEvent(sql: Sql, consumer: string, event: StoredEvent, error: unknown): Promise<void> {
  const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2_000);
  await sql`
    insert into public.dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts)
    values (${consumer}, ${event.id}, ${event.position}, ${event.type}, ${event.creatorId}::uuid, ${sql.json(event as never)}, ${message}, 1)
    on conflict (consumer, event_id) do update
      set error = excluded.error, attempts = public.dead_letters.attempts + 1, status = 'pending', resolved_at = null, resolved_by = null,
          last_retry_at = now(), last_retry_outcome = 'failed', last_retry_message = 'The rebuild could not fold it: ' || excluded.error`;
  await sql`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, error)
            select ${consumer}, ${event.id}, attempts, 'dead_lettered', ${message} from public.dead_letters
             where consumer = ${consumer} and event_id = ${event.id}`;
}
