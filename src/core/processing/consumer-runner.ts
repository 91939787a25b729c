// Runs consumers over the global stream: one active instance per consumer (a lease
// row), gap-free batches from the checkpoint, retries with backoff for the event a
// consumer is stuck on, then a dead letter so the consumer goes on.
import type { Sql } from "postgres";
import { eventPriority, type EventPriority } from "../event-catalogue.ts";
import { createEventStore, type GlobalCheckpoint, type StoredEvent } from "../event-store/index.ts";
import { traceConsumerWork } from "../tracing.ts";
import { PermanentConsumerFailure, type Consumer, type ConsumerContext } from "./consumer.ts";
import { carryOutRetry, readRequestedRetries, type RequestedRetry } from "./dead-letter-retry.ts";
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from "./retry-policy.ts";

export interface ConsumerRunnerOptions {
  sql: Sql;
  consumers: Consumer[];
  /** Who holds the leases; unique per running instance. */
  owner: string;
  leaseMs?: number;
  retryPolicy?: RetryPolicy;
  /** The clock for retry scheduling, injectable so tests need not wait. */
  now?: () => Date;
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

export class LeaseLostError extends Error {
  constructor(consumer: string) {
    super(`Lease on consumer ${consumer} was lost; its batch is rolled back`);
    this.name = "LeaseLostError";
  }
}

const priorityRank: Record<EventPriority, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const DEFAULT_BATCH_SIZE = 500;
const MAX_ERROR_LENGTH = 2_000;

export function createConsumerRunner(options: ConsumerRunnerOptions) {
  const { sql, consumers, owner } = options;
  const store = createEventStore({ sql });
  const leaseMs = options.leaseMs ?? 30_000;
  const policy = options.retryPolicy ?? defaultRetryPolicy;
  const now = options.now ?? (() => new Date());
  let registered = false;

  async function registerConsumers(): Promise<void> {
    if (registered) return;
    const names = consumers.map((consumer) => consumer.name);
    await sql`insert into public.consumer_checkpoints (consumer) select unnest(${names}::text[]) on conflict do nothing`;
    registered = true;
  }

  /** Takes or renews the lease; the checkpoint it returns is valid while the lease holds. */
  async function acquireLease(consumerName: string, durationMs = leaseMs): Promise<GlobalCheckpoint | null> {
    await registerConsumers();
    const [row] = await sql<{ transaction_id: string; position: string }[]>`
      update public.consumer_checkpoints
         set lease_owner = ${owner}, lease_expires_at = now() + ${durationMs} * interval '1 millisecond'
       where consumer = ${consumerName}
         and (lease_owner is null or lease_owner = ${owner} or lease_expires_at < now())
      returning transaction_id::text, position`;
    return row ? { transactionId: row.transaction_id, position: Number(row.position) } : null;
  }

  async function releaseLease(consumerName: string): Promise<void> {
    await sql`update public.consumer_checkpoints set lease_owner = null, lease_expires_at = null
               where consumer = ${consumerName} and lease_owner = ${owner}`;
  }

  /** Moves the checkpoint, fenced by the lease: a stale instance's write rolls back its whole batch. */
  async function moveCheckpoint(tx: Sql, consumerName: string, event: StoredEvent, count: number): Promise<void> {
    const moved = await tx`
      update public.consumer_checkpoints
         set transaction_id = ${event.transactionId}::xid8, position = ${event.position},
             events_processed = events_processed + ${count}, last_run_at = now(), updated_at = now()
       where consumer = ${consumerName} and lease_owner = ${owner} and lease_expires_at > now()`;
    if (moved.count !== 1) throw new LeaseLostError(consumerName);
  }

  async function assertLease(tx: Sql, consumerName: string): Promise<void> {
    const held = await tx`
      select 1 from public.consumer_checkpoints
       where consumer = ${consumerName} and lease_owner = ${owner} and lease_expires_at > now() for update`;
    if (held.length !== 1) throw new LeaseLostError(consumerName);
  }

  /** The retries an admin requested for this consumer, carried out before its next batch; how many were settled. */
  async function carryOutRetries(consumer: Consumer, letters: RequestedRetry[], checkpoint: GlobalCheckpoint): Promise<number> {
    const ports = { sql, owner, now, describeError, assertLease };
    let settled = 0;
    for (const letter of letters) if (await carryOutRetry(ports, consumer, letter, checkpoint)) settled += 1;
    return settled;
  }

  /** Forgets the retry state of an event that finally went through, keeping the record of it. */
  async function clearRetry(tx: Sql, consumerName: string, event: StoredEvent): Promise<void> {
    const cleared = await tx<{ attempts: number }[]>`
      delete from public.consumer_retries where consumer = ${consumerName} and event_id = ${event.id} returning attempts`;
    if (cleared.length) {
      await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome)
               values (${consumerName}, ${event.id}, ${cleared[0].attempts + 1}, 'succeeded')`;
    }
  }

  function contextFor(tx: Sql): ConsumerContext {
    return { sql: tx, replay: false, now };
  }

  async function handleInTransaction(consumer: Consumer, events: StoredEvent[]): Promise<void> {
    await sql.begin(async (transaction) => {
      const tx = transaction as unknown as Sql;
      await traceConsumerWork(consumer.name, events, () => consumer.handleBatch(events, contextFor(tx)));
      await clearRetry(tx, consumer.name, events[0]);
      await moveCheckpoint(tx, consumer.name, events[events.length - 1], events.length);
    });
  }

  async function handleOutsideTransaction(consumer: Consumer, event: StoredEvent): Promise<void> {
    await traceConsumerWork(consumer.name, [event], () => consumer.handleBatch([event], contextFor(sql)));
    await sql.begin(async (transaction) => {
      const tx = transaction as unknown as Sql;
      await clearRetry(tx, consumer.name, event);
      await moveCheckpoint(tx, consumer.name, event, 1);
    });
  }

  /** Records a failed attempt; the last allowed one dead-letters the event and moves past it. */
  async function recordFailure(consumer: Consumer, event: StoredEvent, error: unknown): Promise<{ deadLettered: boolean }> {
    const message = describeError(error);
    return sql.begin(async (transaction) => {
      const tx = transaction as unknown as Sql;
      const [previous] = await tx<{ attempts: number; first_failed_at: Date }[]>`
        select attempts, first_failed_at from public.consumer_retries
         where consumer = ${consumer.name} and event_id = ${event.id} for update`;
      const attempts = (previous?.attempts ?? 0) + 1;
      await tx`update public.consumer_checkpoints set last_error = ${message}, last_error_at = now()
                where consumer = ${consumer.name}`;
      if (attempts >= policy.maxAttempts || error instanceof PermanentConsumerFailure) {
        await tx`
          insert into public.dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts)
          values (${consumer.name}, ${event.id}, ${event.position}, ${event.type}, ${event.creatorId}::uuid,
                  ${tx.json(event as never)}, ${message}, ${attempts})
          on conflict (consumer, event_id) do update
            set error = excluded.error, attempts = excluded.attempts, status = 'pending', resolved_at = null, resolved_by = null`;
        await tx`delete from public.consumer_retries where consumer = ${consumer.name} and event_id = ${event.id}`;
        await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, error)
                 values (${consumer.name}, ${event.id}, ${attempts}, 'dead_lettered', ${message})`;
        await moveCheckpoint(tx, consumer.name, event, 0);
        return { deadLettered: true };
      }
      const nextAttemptAt = new Date(now().getTime() + retryDelayMs(policy, attempts));
      await tx`
        insert into public.consumer_retries (consumer, event_id, event_position, attempts, last_error, next_attempt_at, first_failed_at)
        values (${consumer.name}, ${event.id}, ${event.position}, ${attempts}, ${message}, ${nextAttemptAt}, ${previous?.first_failed_at ?? now()})
        on conflict (consumer, event_id) do update
          set attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at`;
      await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, error)
               values (${consumer.name}, ${event.id}, ${attempts}, 'failed', ${message})`;
      return { deadLettered: false };
    });
  }

  async function isWaitingForRetry(consumerName: string): Promise<boolean> {
    const [retry] = await sql<{ next_attempt_at: Date }[]>`
      select next_attempt_at from public.consumer_retries where consumer = ${consumerName}
       order by event_position limit 1`;
    return retry !== undefined && retry.next_attempt_at.getTime() > now().getTime();
  }

  async function readNextBatch(consumer: Consumer, checkpoint: GlobalCheckpoint): Promise<StoredEvent[]> {
    const page = await store.readAllAfter(checkpoint, {
      limit: consumer.batchSize ?? DEFAULT_BATCH_SIZE,
      types: consumer.handles.includes("*") ? undefined : [...consumer.handles],
    });
    return page.events;
  }

  async function processBatch(consumer: Consumer, events: StoredEvent[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { consumer: consumer.name, processed: 0, waiting: false, failed: false, deadLettered: false, skipped: false };
    if (consumer.transactional) {
      try {
        await handleInTransaction(consumer, events);
        outcome.processed = events.length;
        return outcome;
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        if (events.length === 1) {
          outcome.failed = true;
          outcome.deadLettered = (await recordFailure(consumer, events[0], error)).deadLettered;
          return outcome;
        }
        // The batch rolled back: go one event at a time to commit what is good and find the culprit.
      }
    }
    for (const event of events) {
      try {
        if (consumer.transactional) await handleInTransaction(consumer, [event]);
        else await handleOutsideTransaction(consumer, event);
        outcome.processed += 1;
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        outcome.failed = true;
        outcome.deadLettered = (await recordFailure(consumer, event, error)).deadLettered;
        break;
      }
    }
    return outcome;
  }

  /**
   * One pass over every consumer: each gets at most one batch. Consumers whose next
   * batch holds the most urgent events (payments, low stock, health) go first.
   */
  async function tick(): Promise<BatchOutcome[]> {
    const pending: { consumer: Consumer; events: StoredEvent[]; rank: number }[] = [];
    const outcomes: BatchOutcome[] = [];
    const requested = await readRequestedRetries(sql, consumers.map((consumer) => consumer.name));
    for (const consumer of consumers) {
      const checkpoint = await acquireLease(consumer.name);
      const idle = { consumer: consumer.name, processed: 0, waiting: false, failed: false, deadLettered: false, skipped: false };
      if (!checkpoint) {
        outcomes.push({ ...idle, skipped: true });
        continue;
      }
      const letters = requested.filter((letter) => letter.consumer === consumer.name);
      if (letters.length > 0) {
        // Settled requests count as progress, so the lane call looks again before it stops.
        try {
          outcomes.push({ ...idle, processed: await carryOutRetries(consumer, letters, checkpoint) });
        } catch (error) {
          if (!(error instanceof LeaseLostError)) throw error;
          outcomes.push({ ...idle, skipped: true });
        }
        continue;
      }
      if (await isWaitingForRetry(consumer.name)) {
        outcomes.push({ ...idle, waiting: true });
        continue;
      }
      const events = await readNextBatch(consumer, checkpoint);
      if (events.length === 0) {
        outcomes.push(idle);
        continue;
      }
      const rank = Math.min(...events.map((event) => priorityRank[eventPriority(event.type)]));
      pending.push({ consumer, events, rank });
    }
    pending.sort((a, b) => a.rank - b.rank);
    for (const { consumer, events } of pending) {
      try {
        outcomes.push(await processBatch(consumer, events));
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
        outcomes.push({ consumer: consumer.name, processed: 0, waiting: false, failed: false, deadLettered: false, skipped: true });
      }
    }
    return outcomes;
  }

  /** Ticks until every consumer is idle or waiting, or the time budget is spent. */
  async function drain(options: { budgetMs: number; clock?: () => number } = { budgetMs: 10_000 }) {
    const clock = options.clock ?? (() => performance.now());
    const deadline = clock() + options.budgetMs;
    let processed = 0;
    let ticks = 0;
    try {
      while (clock() < deadline) {
        const outcomes = await tick();
        ticks += 1;
        const progressed = outcomes.reduce((sum, outcome) => sum + outcome.processed, 0);
        processed += progressed;
        const anotherTry = outcomes.some((outcome) => outcome.failed || outcome.deadLettered);
        if (progressed === 0 && !anotherTry) break;
      }
    } finally {
      for (const consumer of consumers) await releaseLease(consumer.name);
    }
    return { processed, ticks };
  }

  return { registerConsumers, acquireLease, releaseLease, tick, drain };
}

export type ConsumerRunner = ReturnType<typeof createConsumerRunner>;

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}
