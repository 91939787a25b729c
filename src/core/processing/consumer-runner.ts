// Runs consumers over the global stream: one active instance per consumer shard (a lease
// row, consumer-leases.ts), gap-free batches from the shard's checkpoint, retries with
// backoff for the event a consumer is stuck on, then a dead letter so the consumer goes on
// (consumer-failures.ts).
import type { Sql } from "postgres";
import { eventPriority, type EventPriority } from "../event-catalogue.ts";
import { createEventStore, type GlobalCheckpoint, type StoredEvent } from "../event-store/index.ts";
import { traceConsumerWork } from "../tracing.ts";
import type { Consumer, ConsumerContext } from "./consumer.ts";
import { clearRetry, describeError, isWaitingForRetry, recordFailure, type FailurePorts } from "./consumer-failures.ts";
import { CONSUMER_LEASE_MS, createShardLeases, LeaseLostError, type ShardLease, type ShardLeases } from "./consumer-leases.ts";
import { carryOutRetry, readRequestedRetries, type RequestedRetry } from "./dead-letter-retry.ts";
import { probeEventProcessing } from "./processing-probe.ts";
import { defaultRetryPolicy, type RetryPolicy } from "./retry-policy.ts";

export { LeaseLostError } from "./consumer-leases.ts";

export interface ConsumerRunnerOptions {
  sql: Sql;
  consumers: Consumer[];
  /** Who holds the leases; unique per running instance. */
  owner: string;
  leaseMs?: number;
  retryPolicy?: RetryPolicy;
  /** The clock for retry scheduling, injectable so tests need not wait. */
  now?: () => Date;
  /** Which shard of each sharded consumer this runner serves (0, the default, also runs the unsharded ones). */
  shard?: number;
}

export interface BatchOutcome {
  consumer: string;
  processed: number;
  /** Waiting for the next attempt at an event that failed. */
  waiting: boolean;
  failed: boolean;
  deadLettered: boolean;
  /** Another instance holds the lease. */
  skipped: boolean;
}

const priorityRank: Record<EventPriority, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const DEFAULT_BATCH_SIZE = 500;
/** How long a drain waits before looking again while a transaction open elsewhere holds its reads back. */
const DRAIN_UNSETTLED_PAUSE_MS = 10;

const idleOutcome = (consumer: string): BatchOutcome => ({ consumer, processed: 0, waiting: false, failed: false, deadLettered: false, skipped: false });

/** What a runner's steps share. */
interface RunnerDeps {
  sql: Sql;
  owner: string;
  now: () => Date;
  leases: ShardLeases;
  store: ReturnType<typeof createEventStore>;
}

/** The retries an admin requested for this shard, carried out before its next batch; how many were settled. */
async function carryOutRetries(deps: RunnerDeps, lease: ShardLease, letters: RequestedRetry[]): Promise<number> {
  const ports = { sql: deps.sql, owner: deps.owner, now: deps.now, describeError, assertLease: deps.leases.assertLease };
  let settled = 0;
  for (const letter of letters) if (await carryOutRetry(ports, lease.consumer, letter, lease.checkpoint)) settled += 1;
  return settled;
}

/** The shard's next batch, and how far it has seen the stream when that is past the batch; at its resharding barrier with nothing left, it stands there and yields none. */
async function readNextBatch(deps: RunnerDeps, base: Consumer, lease: ShardLease): Promise<{ events: StoredEvent[]; settled?: GlobalCheckpoint }> {
  const page = await deps.store.readAllAfter(lease.checkpoint, {
    limit: base.batchSize ?? DEFAULT_BATCH_SIZE,
    types: base.handles.includes("*") ? undefined : [...base.handles],
    until: lease.barrier ?? undefined,
    shard: lease.shard,
    settled: true,
  });
  if (page.events.length === 0 && lease.barrier) await deps.leases.standAtBarrier(lease, base.name);
  return page;
}

/** Takes each consumer's shard; what could not run this round is already an outcome. */
async function leaseShards(deps: RunnerDeps, consumers: readonly Consumer[]): Promise<{ leased: { base: Consumer; lease: ShardLease }[]; outcomes: BatchOutcome[] }> {
  const leased: { base: Consumer; lease: ShardLease }[] = [];
  const outcomes: BatchOutcome[] = [];
  for (const consumer of consumers) {
    const lease = await deps.leases.acquire(consumer);
    if (lease === "held") outcomes.push({ ...idleOutcome(consumer.name), skipped: true });
    else if (lease) leased.push({ base: consumer, lease });
  }
  return { leased, outcomes };
}

export function createConsumerRunner(options: ConsumerRunnerOptions) {
  const { sql, consumers } = options;
  const now = options.now ?? (() => new Date());
  const leases = createShardLeases({ sql, owner: options.owner, leaseMs: options.leaseMs ?? CONSUMER_LEASE_MS, shard: options.shard ?? 0 });
  const deps: RunnerDeps = { sql, owner: options.owner, now, leases, store: createEventStore({ sql }) };
  const batchDeps: BatchDeps = { sql, leases, failures: { sql, policy: options.retryPolicy ?? defaultRetryPolicy, now, moveCheckpoint: leases.moveCheckpoint } };

  /**
   * One pass over every consumer: each of this runner's shards gets at most one batch.
   * Consumers whose next batch holds the most urgent events (payments, low stock, health) go first.
   */
  async function tick(): Promise<BatchOutcome[]> {
    const { leased, outcomes } = await leaseShards(deps, consumers);
    const requested = await readRequestedRetries(sql, leased.map(({ lease }) => lease.consumer.name));
    const pending: { consumer: Consumer; events: StoredEvent[]; settled?: GlobalCheckpoint; rank: number }[] = [];
    const settled = new Map<string, GlobalCheckpoint>();
    for (const { base, lease } of leased) {
      const { consumer } = lease;
      const letters = requested.filter((letter) => letter.consumer === consumer.name);
      if (letters.length > 0) {
        // Settled requests count as progress, so the lane call looks again before it stops.
        outcomes.push(await skippedIfLeaseLost(consumer.name, async () => ({ ...idleOutcome(consumer.name), processed: await carryOutRetries(deps, lease, letters) })));
        continue;
      }
      if (await isWaitingForRetry(sql, consumer.name, now())) {
        outcomes.push({ ...idleOutcome(consumer.name), waiting: true });
        continue;
      }
      const page = await skippedIfLeaseLost(consumer.name, () => readNextBatch(deps, base, lease));
      if (!("events" in page)) outcomes.push(page);
      else if (page.events.length === 0) {
        outcomes.push(idleOutcome(consumer.name));
        if (page.settled) settled.set(consumer.name, page.settled);
      } else pending.push({ consumer, events: page.events, settled: page.settled, rank: Math.min(...page.events.map((event) => priorityRank[eventPriority(event.type)])) });
    }
    pending.sort((a, b) => a.rank - b.rank);
    for (const { consumer, events, settled: seen } of pending) {
      const outcome = await skippedIfLeaseLost(consumer.name, () => processBatch(batchDeps, consumer, events));
      outcomes.push(outcome);
      if (seen && outcome.processed === events.length) settled.set(consumer.name, seen);
    }
    // Past what they skipped, once their batch is done: nothing there is theirs.
    await leases.moveToSettled(settled);
    return outcomes;
  }

  /**
   * Ticks until a round finds every consumer idle or waiting and could see everything
   * written before it, or until the time budget is spent. Reads are gap-free, so a
   * transaction open elsewhere holds them back: an idle round only counts once every
   * transaction that had started when the last progress was made had ended before it began.
   */
  async function drain(drainOptions: { budgetMs: number; clock?: () => number } = { budgetMs: 10_000 }) {
    const clock = drainOptions.clock ?? (() => performance.now());
    const deadline = clock() + drainOptions.budgetMs;
    let processed = 0;
    let ticks = 0;
    let horizon: bigint | null = null;
    try {
      while (clock() < deadline) {
        const before = await probeEventProcessing(sql);
        horizon ??= before.xmax;
        const outcomes = await tick();
        ticks += 1;
        const progressed = outcomes.reduce((sum, outcome) => sum + outcome.processed, 0);
        processed += progressed;
        const anotherTry = outcomes.some((outcome) => outcome.failed || outcome.deadLettered);
        if (progressed > 0 || anotherTry) horizon = null;
        else if (before.xmin >= horizon) break;
        else await new Promise((resolve) => setTimeout(resolve, DRAIN_UNSETTLED_PAUSE_MS));
      }
    } finally {
      await leases.releaseAll();
    }
    return { processed, ticks };
  }

  return { tick, drain, releaseLeases: leases.releaseAll };
}

export type ConsumerRunner = ReturnType<typeof createConsumerRunner>;

/** A batch handed to a consumer: in the transaction that moves the checkpoint, or before it (consumers that call out). */
async function handleBatch(deps: BatchDeps, consumer: Consumer, events: StoredEvent[]): Promise<void> {
  const { sql, leases } = deps;
  const context = (tx: Sql): ConsumerContext => ({ sql: tx, replay: false, now: deps.failures.now });
  if (!consumer.transactional) await traceConsumerWork(consumer.name, events, () => consumer.handleBatch(events, context(sql)));
  await sql.begin(async (transaction) => {
    const tx = transaction as unknown as Sql;
    if (consumer.transactional) await traceConsumerWork(consumer.name, events, () => consumer.handleBatch(events, context(tx)));
    await clearRetry(tx, consumer.name, events[0]);
    await leases.moveCheckpoint(tx, consumer.name, events[events.length - 1], events.length);
  });
}

interface BatchDeps {
  sql: Sql;
  leases: ShardLeases;
  failures: FailurePorts;
}

/** A transactional consumer's batch in one go; if it fails (or for other consumers), one event at a time until the culprit. */
async function processBatch(deps: BatchDeps, consumer: Consumer, events: StoredEvent[]): Promise<BatchOutcome> {
  const outcome = idleOutcome(consumer.name);
  if (consumer.transactional && events.length > 1) {
    try {
      await handleBatch(deps, consumer, events);
      outcome.processed = events.length;
      return outcome;
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      // The batch rolled back: go one event at a time to commit what is good and find the culprit.
    }
  }
  for (const event of events) {
    try {
      await handleBatch(deps, consumer, [event]);
      outcome.processed += 1;
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      outcome.failed = true;
      outcome.deadLettered = (await recordFailure(deps.failures, consumer, event, error)).deadLettered;
      break;
    }
  }
  return outcome;
}

/** A lost lease (or a batch fenced off by a resharding barrier) is this round's skip, not a failure. */
async function skippedIfLeaseLost<T>(consumerName: string, step: () => Promise<T>): Promise<T | BatchOutcome> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    return { ...idleOutcome(consumerName), skipped: true };
  }
}
