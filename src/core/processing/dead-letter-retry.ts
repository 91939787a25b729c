// Carrying out the retries an admin requested (dead_letters.status = 'retry_requested'),
// by the consumer's own runner, under its lease, before its next batch. Only there can the
// event be applied in order with the consumer's other work, and only there (the
// process-events function) does the fulfilment saga have its TikTok, payment and carrier
// ports. Every request ends one of three ways, recorded on the letter for the panel:
//   retried   the handler ran on the event and committed (with the lease still held);
//   failed    the handler threw again: the letter is pending, with the new error;
//   refused   the consumer has already handled later events of the same aggregate and
//             cannot take this one out of order (a projection would skip it as seen):
//             the letter is pending, and the message says why and what to do instead.
import type { Sql } from "postgres";
import { createEventStore, typeMatches, type GlobalCheckpoint, type StoredEvent } from "../event-store/index.ts";
import { traceConsumerWork } from "../tracing.ts";
import type { Consumer, ConsumerContext } from "./consumer.ts";

export interface RequestedRetry {
  id: string;
  consumer: string;
  eventId: string;
  creatorId: string;
  aggregateId: string;
  attempts: number;
  requestedBy: string | null;
}

export type RetryOutcome = { outcome: "retried" | "refused" | "failed"; message: string };

export interface RetryPorts {
  sql: Sql;
  owner: string;
  now: () => Date;
  describeError(error: unknown): string;
  /** Throws LeaseLostError unless `owner` still holds the consumer's lease (in `tx`, so the letter's update is fenced too). */
  assertLease(tx: Sql, consumerName: string): Promise<void>;
}

/** The requested retries of these consumers, oldest event first. One query per runner tick. */
export async function readRequestedRetries(sql: Sql, consumerNames: readonly string[]): Promise<RequestedRetry[]> {
  const rows = await sql<{ id: string; consumer: string; event_id: string; creator_id: string; aggregate_id: string; attempts: number; retry_requested_by: string | null }[]>`
    select id, consumer, event_id, creator_id, event->>'aggregateId' as aggregate_id, attempts, retry_requested_by
      from public.dead_letters
     where status = 'retry_requested' and consumer = any(${consumerNames as string[]})
     order by event_position`;
  return rows.map((row) => ({
    id: row.id,
    consumer: row.consumer,
    eventId: row.event_id,
    creatorId: row.creator_id,
    aggregateId: row.aggregate_id,
    attempts: row.attempts,
    requestedBy: row.retry_requested_by,
  }));
}

const passed = (event: StoredEvent, checkpoint: GlobalCheckpoint) => {
  const tx = BigInt(event.transactionId);
  const at = BigInt(checkpoint.transactionId);
  return tx < at || (tx === at && event.position <= checkpoint.position);
};

/**
 * The event, and the later events of its aggregate the consumer has already handled: those
 * behind its checkpoint, of types it handles, that are not themselves unapplied letters.
 */
async function eventAndLaterHandled(sql: Sql, consumer: Consumer, letter: RequestedRetry, checkpoint: GlobalCheckpoint) {
  const stream = await createEventStore({ sql }).readStream(letter.aggregateId, { creatorId: letter.creatorId });
  const event = stream.find((candidate) => candidate.id === letter.eventId);
  if (!event) return { event: undefined, later: [] };
  const unapplied = await sql<{ event_id: string }[]>`
    select event_id from public.dead_letters
     where consumer = ${consumer.name} and status <> 'retried' and creator_id = ${letter.creatorId}::uuid
       and event->>'aggregateId' = ${letter.aggregateId}`;
  const skipped = new Set(unapplied.map((row) => row.event_id));
  const later = stream.filter(
    (candidate) => candidate.version > event.version && typeMatches(consumer.handles, candidate.type) && passed(candidate, checkpoint) && !skipped.has(candidate.id),
  );
  return { event, later };
}

async function settle(tx: Sql, letter: RequestedRetry, result: RetryOutcome): Promise<void> {
  if (result.outcome === "retried") {
    await tx`update public.dead_letters
                set status = 'retried', resolved_at = now(), resolved_by = ${letter.requestedBy},
                    last_retry_at = now(), last_retry_outcome = 'retried', last_retry_message = ${result.message}
              where id = ${letter.id} and status = 'retry_requested'`;
    await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome)
             values (${letter.consumer}, ${letter.eventId}, ${letter.attempts + 1}, 'succeeded')`;
    return;
  }
  const failed = result.outcome === "failed";
  await tx`update public.dead_letters
              set status = 'pending', last_retry_at = now(), last_retry_outcome = ${result.outcome}, last_retry_message = ${result.message},
                  error = case when ${failed} then ${result.message} else error end,
                  attempts = attempts + case when ${failed} then 1 else 0 end
            where id = ${letter.id} and status = 'retry_requested'`;
  if (failed) {
    await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, error)
             values (${letter.consumer}, ${letter.eventId}, ${letter.attempts + 1}, 'failed', ${result.message})`;
  }
}

/**
 * Decides whether the event can be handled now; runs it (fenced by the lease) if so; records
 * the outcome. Null when the request was settled meanwhile (by the lease's previous holder).
 */
export async function carryOutRetry(ports: RetryPorts, consumer: Consumer, letter: RequestedRetry, checkpoint: GlobalCheckpoint): Promise<RetryOutcome | null> {
  const { sql } = ports;
  // Read with the lease held: whoever settled it before held the lease, and nobody else can now.
  const [current] = await sql<{ status: string }[]>`select status from public.dead_letters where id = ${letter.id}`;
  if (current?.status !== "retry_requested") return null;
  const record = async (result: RetryOutcome) => {
    await sql.begin(async (transaction) => {
      const tx = transaction as unknown as Sql;
      await ports.assertLease(tx, consumer.name);
      await settle(tx, letter, result);
    });
    return result;
  };
  const { event, later } = await eventAndLaterHandled(sql, consumer, letter, checkpoint);
  if (!event) return record({ outcome: "refused", message: `Could not retry: event ${letter.eventId} is no longer in the event store (archived?); discard the letter` });
  if (later.length > 0 && consumer.lateEvents !== "tolerated") {
    const versions = later.length === 1 ? `version ${later[0].version}` : `versions ${later[0].version}–${later[later.length - 1].version}`;
    const advice = consumer.retryAdvice ?? "discard the letter once its effect is restored by hand";
    return record({
      outcome: "refused",
      message: `Could not retry: ${consumer.name} has already handled ${versions} of ${letter.aggregateId}, so this event (version ${event.version}) would be applied out of order or skipped as seen; ${advice}`,
    });
  }
  const context = (tx: Sql): ConsumerContext => ({ sql: tx, replay: false, now: ports.now });
  const applied: RetryOutcome = {
    outcome: "retried",
    message: later.length > 0 ? `Applied after ${later.length} later event(s) of ${letter.aggregateId}: ${consumer.name} decides from current state` : "Applied in order",
  };
  try {
    if (consumer.transactional) {
      await sql.begin(async (transaction) => {
        const tx = transaction as unknown as Sql;
        await ports.assertLease(tx, consumer.name);
        await traceConsumerWork(consumer.name, [event], () => consumer.handleBatch([event], context(tx)));
        await settle(tx, letter, applied);
      });
      return applied;
    }
    await ports.assertLease(sql, consumer.name);
    await traceConsumerWork(consumer.name, [event], () => consumer.handleBatch([event], context(sql)));
  } catch (error) {
    // Another instance took the lease (consumer-runner.ts's LeaseLostError, by name: that module imports this one): it will carry the request out.
    if (error instanceof Error && error.name === "LeaseLostError") throw error;
    return record({ outcome: "failed", message: ports.describeError(error) });
  }
  return record(applied);
}
