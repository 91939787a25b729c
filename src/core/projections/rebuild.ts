// Rebuilds a projection from the events without taking the dashboard down:
//   1. take the projection consumer's lease (live processing of it pauses; readers keep
//      reading the live tables, which merely stop moving);
//   2. fold every event into empty shadow tables shaped like the live ones;
//   3. in ONE short transaction, replace the live rows by the shadow rows (DELETE +
//      INSERT ... SELECT, not TRUNCATE, whose exclusive lock would block readers: with
//      MVCC readers keep seeing the old rows until the commit) and move the checkpoint
//      to where the rebuild stopped reading, so live processing resumes right after it.
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

export class RebuildLeaseUnavailableError extends Error {
  constructor(consumer: string) {
    super(`Consumer ${consumer} is held by another instance; rebuild not started`);
    this.name = "RebuildLeaseUnavailableError";
  }
}

const PROGRESS_INTERVAL_MS = 250;
const DEFAULT_PAGE_SIZE = 10_000;

/** One projection being rebuilt: where it reports, and what it has folded so far. */
interface Target {
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

/**
 * Rebuilds projections together: the stream is read once, in large pages (the next page
 * read while this one is folded), and each page is folded into every projection's shadow
 * tables at once, each projection in its own transaction. Every projection's consumer is
 * leased for the whole rebuild, and each is swapped in as the stream runs out.
 */
export async function rebuildProjections(options: RebuildManyOptions): Promise<RebuildResult[]> {
  const { sql } = options;
  const schema = options.schema ?? "public";
  const shadow = shadowSchemaFor(schema);
  const owner = options.owner ?? `rebuild-${crypto.randomUUID()}`;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const leaseMs = options.leaseMs ?? 120_000;
  const now = options.now ?? (() => new Date());
  const targets: Target[] = options.projections.map((projection) => ({
    projection,
    consumer: options.consumerName?.(projection) ?? projection.name,
    rows: [],
    progress: { projection: projection.name, phase: "building", processed: 0, total: 0, eventsPerSecond: 0, deadLettered: 0 },
    poisoned: [],
  }));
  const tables = targets.flatMap((target) => target.projection.tables.map((table) => table.name));
  const handles = targets.flatMap((target) => target.projection.handles);

  for (const target of targets) {
    target.rows = await checkpointRowsOf(sql, target.consumer);
    for (const row of target.rows) await acquireRebuildLease(sql, row, owner, leaseMs, options.waitForLeaseMs ?? CONSUMER_LEASE_MS + 15_000);
  }
  const started = performance.now();
  const report = async (renewLease: boolean) => {
    const elapsedS = Math.max(0.001, (performance.now() - started) / 1000);
    for (const { progress, consumer } of targets) {
      progress.eventsPerSecond = Math.round(progress.processed / elapsedS);
      options.onProgress?.({ ...progress });
      await sql`
        update public.consumer_checkpoints
           set rebuild_progress = ${sql.json({ ...progress } as never)},
               lease_expires_at = case when ${renewLease} then now() + ${leaseMs} * interval '1 millisecond' else lease_expires_at end
         where consumer = ${consumer} and lease_owner = ${owner}`;
    }
  };

  try {
    for (const target of targets) {
      target.progress.total = await countEvents(sql, target.projection.handles.includes("*") ? undefined : [...target.projection.handles]);
      await sql`update public.consumer_checkpoints set rebuild_started_at = now() where consumer = ${target.consumer}`;
    }
    await report(true);
    await createTablesLike(sql, { schema: shadow, likeSchema: schema, tables, throwaway: true });

    const types = handles.includes("*") ? undefined : [...new Set(handles)];
    const checkpoint = await foldStream(sql, { targets, types, pageSize, shadow, now, report: () => report(true) });

    for (const target of targets) target.progress.phase = "swapping";
    await report(true);
    for (const target of targets) {
      await swapIn(sql, { target, schema, shadow, owner, checkpoint, progress: { ...target.progress, phase: "done" } });
      target.progress.phase = "done";
    }
    const elapsedS = Math.max(0.001, (performance.now() - started) / 1000);
    return targets.map(({ progress }) => {
      progress.eventsPerSecond = Math.round(progress.processed / elapsedS);
      options.onProgress?.({ ...progress });
      return { ...progress, checkpoint };
    });
  } catch (error) {
    for (const target of targets) await recordFailure(sql, target, owner, error, options.onProgress);
    throw error;
  } finally {
    await dropTables(sql, shadow, tables);
  }
}

/**
 * Reads the stream once, in pages (the next read while this one is folded, on another
 * pooled connection), folding each page into every target; returns where it stopped.
 */
async function foldStream(
  sql: Sql,
  run: { targets: Target[]; types: string[] | undefined; pageSize: number; shadow: string; now: () => Date; report: () => Promise<void> },
): Promise<GlobalCheckpoint> {
  const store = createEventStore({ sql });
  const { pageSize, types } = run;
  let checkpoint: GlobalCheckpoint = startOfGlobalStream;
  let lastReport = performance.now();
  let nextPage = store.readAllAfter(checkpoint, { limit: pageSize, types });
  for (;;) {
    const page = await nextPage;
    if (page.events.length === 0) return checkpoint;
    const more = page.events.length === pageSize;
    if (more) nextPage = store.readAllAfter(page.checkpoint, { limit: pageSize, types });
    await Promise.all(run.targets.map((target) => foldPageInto(sql, target, { shadow: run.shadow, now: run.now }, page.events)));
    checkpoint = page.checkpoint;
    if (performance.now() - lastReport >= PROGRESS_INTERVAL_MS) {
      lastReport = performance.now();
      await run.report();
    }
    if (!more) return checkpoint;
  }
}

/** A target the rebuild did not swap in: its progress says why, and its leases go back. */
async function recordFailure(sql: Sql, target: Target, owner: string, error: unknown, onProgress?: (progress: RebuildProgress) => void): Promise<void> {
  const { progress, consumer, rows } = target;
  if (progress.phase === "done") return;
  progress.phase = "failed";
  progress.error = error instanceof Error ? error.message : String(error);
  onProgress?.({ ...progress });
  await sql`update public.consumer_checkpoints set rebuild_progress = ${sql.json({ ...progress } as never)} where consumer = ${consumer} and lease_owner = ${owner}`;
  await sql`update public.consumer_checkpoints set lease_owner = null, lease_expires_at = null where consumer = any(${rows}) and lease_owner = ${owner}`;
}

/** Folds the events of a page that a target's projection handles into its shadow tables. */
async function foldPageInto(sql: Sql, target: Target, into: { shadow: string; now: () => Date }, page: readonly StoredEvent[]): Promise<void> {
  const { handles } = target.projection;
  const events = handles.includes("*") ? [...page] : page.filter((event) => typeMatches(handles, event.type));
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

async function acquireRebuildLease(sql: Sql, consumer: string, owner: string, leaseMs: number, waitMs: number): Promise<void> {
  await sql`insert into public.consumer_checkpoints (consumer) values (${consumer}) on conflict do nothing`;
  const deadline = performance.now() + waitMs;
  for (;;) {
    const taken = await sql`
      update public.consumer_checkpoints
         set lease_owner = ${owner}, lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
       where consumer = ${consumer} and (lease_owner is null or lease_owner = ${owner} or lease_expires_at < now())`;
    if (taken.count === 1) return;
    if (performance.now() > deadline) throw new RebuildLeaseUnavailableError(consumer);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

async function swapIn(
  sql: Sql,
  options: { target: Target; schema: string; shadow: string; owner: string; checkpoint: GlobalCheckpoint; progress: RebuildProgress },
): Promise<void> {
  const { schema, shadow, owner, checkpoint } = options;
  const { projection, consumer, rows, poisoned } = options.target;
  await sql.begin(async (transaction) => {
    const tx = transaction as unknown as Sql;
    for (const table of projection.tables) {
      const live = tx(`${schema}.${table.name}`);
      const copy = tx(`${shadow}.${table.name}`);
      if (table.keptOnRebuild?.length) {
        const assignments = table.keptOnRebuild.map((column) => `${quote(column)} = l.${quote(column)}`).join(", ");
        const match = table.key.map((column) => `s.${quote(column)} = l.${quote(column)}`).join(" and ");
        await tx`update ${copy} s set ${tx.unsafe(assignments)} from ${live} l where ${tx.unsafe(match)}`;
      }
      await tx`delete from ${live}`;
      await tx`insert into ${live} select * from ${copy}`;
    }
    if (projection.readModel) {
      // Tell every affected dashboard to refetch: the rows it holds may all have changed.
      const [first] = projection.tables;
      await tx`
        insert into ${tx(`${schema}.realtime_outbox`)} as o (creator_id, dirty, changed_models, dirty_since)
        select d.creator_id, true, array[${projection.readModel}]::text[], clock_timestamp()
          from (select distinct creator_id from ${tx(`${schema}.${first.name}`)}) d
         order by d.creator_id
        on conflict (creator_id) do update set dirty = true, dirty_since = coalesce(o.dirty_since, excluded.dirty_since),
          changed_models = array(select distinct m from unnest(o.changed_models || excluded.changed_models) m order by m)`;
    }
    // Every shard resumes after the checkpoint: the tables now hold every creator's events up to it.
    const moved = await tx`
      update public.consumer_checkpoints
         set transaction_id = ${checkpoint.transactionId}::xid8, position = ${checkpoint.position},
             rebuild_progress = case when consumer = ${consumer} then ${tx.json(options.progress as never)} else rebuild_progress end,
             lease_owner = null, lease_expires_at = null, updated_at = now()
       where consumer = any(${rows}) and lease_owner = ${owner}`;
    if (moved.count !== rows.length) throw new Error(`Lost the lease on ${consumer} during the rebuild; live tables left as they were`);
    // Every other open letter's event (of any shard, of any generation) was folded in order above: its effect is now in the tables.
    await tx`
      update public.dead_letters
         set status = 'retried', resolved_at = now(), resolved_by = ${`rebuild of ${projection.name}`},
             last_retry_at = now(), last_retry_outcome = 'retried', last_retry_message = 'Folded in order by a rebuild of the projection'
       where (consumer = ${consumer} or consumer like ${`${consumer}-shard-%`}) and status in ('pending', 'retry_requested')
         and event_id <> all(${poisoned}::uuid[])`;
  });
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
