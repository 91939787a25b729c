// What a consumer's runner records when a handler throws: a retry with backoff for the
// event it is stuck on, then (after the last attempt, or at once for a permanent failure)
// a dead letter, so the consumer goes on. Every attempt is logged.
import type { Sql } from "postgres";
import type { StoredEvent } from "../event-store/index.ts";
import { PermanentConsumerFailure, type Consumer } from "./consumer.ts";
import { retryDelayMs, type RetryPolicy } from "./retry-policy.ts";

const MAX_ERROR_LENGTH = 2_000;

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

export interface FailurePorts {
  sql: Sql;
  policy: RetryPolicy;
  now: () => Date;
  /** Moves the consumer's checkpoint past `event` in `tx`, fenced by its lease. */
  moveCheckpoint(tx: Sql, consumerName: string, event: StoredEvent, count: number): Promise<void>;
}

/** Records a failed attempt; the last allowed one dead-letters the event and moves past it. */
export async function recordFailure(ports: FailurePorts, consumer: Consumer, event: StoredEvent, error: unknown): Promise<{ deadLettered: boolean }> {
  const { sql, policy, now } = ports;
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
      await ports.moveCheckpoint(tx, consumer.name, event, 0);
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

/** Forgets the retry state of an event that finally went through, keeping the record of it. */
export async function clearRetry(tx: Sql, consumerName: string, event: StoredEvent): Promise<void> {
  const cleared = await tx<{ attempts: number }[]>`
    delete from public.consumer_retries where consumer = ${consumerName} and event_id = ${event.id} returning attempts`;
  if (cleared.length) {
    await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome)
             values (${consumerName}, ${event.id}, ${cleared[0].attempts + 1}, 'succeeded')`;
  }
}

/** The consumer is stuck on an event whose next attempt is not yet due. */
export async function isWaitingForRetry(sql: Sql, consumerName: string, now: Date): Promise<boolean> {
  const [retry] = await sql<{ next_attempt_at: Date }[]>`
    select next_attempt_at from public.consumer_retries where consumer = ${consumerName}
     order by event_position limit 1`;
  return retry !== undefined && retry.next_attempt_at.getTime() > now.getTime();
}
