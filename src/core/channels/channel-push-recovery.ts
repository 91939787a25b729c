// After a channel outage longer than the consumer's retries (5 attempts, about half a minute),
// the channel stock outbox's pool changes sit in dead letters and the store shows an old count
// until the next change of that SKU or an admin's retry. This puts it right by itself: run by
// the fulfilment lane after its calls (at most once per interval across callers), it takes
// the outbox's pending letters whose time has come and pushes their SKU again, deciding from
// the stream as it stands now (the latest count, or nothing when a later push covered it). A
// letter that goes through is settled as retried; one that fails again waits longer (doubling
// up to a cap) and is tried again, for as long as it takes: a pool change is never dropped.
//
// Why not the runner's own retry of a letter: it refuses a letter once the consumer has handled
// later events of the SKU (an order must not be applied out of order), but a push decides from
// the whole stream under the shop's push lock, so it is the same whichever letter triggers it.
import type { Sql } from "postgres";
import { createEventStore } from "../event-store/index.ts";
import { defaultRetryPolicy } from "../processing/retry-policy.ts";
import { CHANNEL_STOCK_OUTBOX_CONSUMER, createChannelStockPushes, type ChannelStockOutboxOptions } from "./channel-stock-outbox-consumer.ts";

export const CHANNEL_PUSH_RECOVERY_JOB = "channel-push-recovery";
/** Who settles the letters it recovers, as the dead-letter panel shows it. */
export const CHANNEL_PUSH_RECOVERY_RESOLVER = "system:channel-push-recovery";
const DEFAULT_EVERY_MS = 15_000;
const FIRST_DELAY_MS = 30_000;
const MAX_DELAY_MS = 15 * 60_000;
const MAX_LETTERS_PER_RUN = 50;

/** How long a letter waits before its next recovery attempt (`attempts`: the consumer's and the recoveries'): 30 s after the consumer gave up, doubling per failed recovery, at most 15 min. */
export function recoveryDelayMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - defaultRetryPolicy.maxAttempts));
}

export interface ChannelPushRecoveryReport {
  recovered: number;
  stillFailing: number;
}

export async function recoverChannelPushes(
  options: ChannelStockOutboxOptions & { sql: Sql; everyMs?: number; describeError?: (error: unknown) => string },
): Promise<ChannelPushRecoveryReport | null> {
  const { sql } = options;
  if (!(await claimRun(sql, options.everyMs ?? DEFAULT_EVERY_MS))) return null;
  const letters = await sql<{ id: string; event_id: string; creator_id: string; aggregate_id: string; attempts: number }[]>`
    select id, event_id, creator_id::text as creator_id, event ->> 'aggregateId' as aggregate_id, attempts
      from public.dead_letters
     where consumer = ${CHANNEL_STOCK_OUTBOX_CONSUMER} and status = 'pending'
       and coalesce(next_recovery_at, created_at + ${FIRST_DELAY_MS} * interval '1 millisecond') <= now()
     order by event_position
     limit ${MAX_LETTERS_PER_RUN}`;
  const pushes = createChannelStockPushes(options);
  const store = createEventStore({ sql });
  const describe = options.describeError ?? ((error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
  const report: ChannelPushRecoveryReport = { recovered: 0, stillFailing: 0 };
  for (const letter of letters) {
    try {
      const event = (await store.readStream(letter.aggregate_id, { creatorId: letter.creator_id })).find((stored) => stored.id === letter.event_id);
      if (event) await pushes.pushPoolChange(sql, event);
      await sql`
        update public.dead_letters set status = 'retried', resolved_at = now(), resolved_by = ${CHANNEL_PUSH_RECOVERY_RESOLVER}
         where id = ${letter.id} and status = 'pending'`;
      report.recovered += 1;
    } catch (error) {
      await sql`
        update public.dead_letters
           set attempts = attempts + 1, error = ${describe(error).slice(0, 2000)},
               next_recovery_at = now() + ${recoveryDelayMs(letter.attempts + 1)} * interval '1 millisecond'
         where id = ${letter.id} and status = 'pending'`;
      report.stillFailing += 1;
    }
  }
  return report;
}

/** At most one run per interval across every caller: one conditional update claims it. */
async function claimRun(sql: Sql, everyMs: number): Promise<boolean> {
  await sql`insert into public.scheduled_jobs (name) values (${CHANNEL_PUSH_RECOVERY_JOB}) on conflict do nothing`;
  const claimed = await sql`
    update public.scheduled_jobs set last_started_at = now()
     where name = ${CHANNEL_PUSH_RECOVERY_JOB} and (last_started_at is null or last_started_at < now() - ${everyMs} * interval '1 millisecond')
    returning name`;
  return claimed.length > 0;
}
