// System health measured: each consumer's lag, last run, error and retry rates, the dead
// letters and the webhook intake (rate, p95 latency), read from the database for the
// window ending at `now`. health-evaluation.ts judges the figures.
//
// Webhook latency, two figures: ours (the function receiving the request → the delivery's row
// written in its batch's transaction, both our clocks), which health judges; and TikTok's (the
// envelope's `timestamp`, whole seconds → our receipt), which a replayed, delayed or skewed
// delivery can set to anything: clamped to a day and reported, never judged.
//
// Error and retry rates come from consumer_attempt_log, which records failed attempts (and
// retried successes).
import type { Sql } from "postgres";
import { andEventTypeIn, compileTypeFilter } from "../event-store/index.ts";
import { readCheckpointStatuses } from "../processing/checkpoint-status.ts";
import { attemptRates, DEFAULT_HEALTH_WINDOW_MS, type ConsumerHealth, type HealthMeasurements } from "./health-evaluation.ts";

/** Which event types a consumer handles, to count the events it was due in the window. */
export interface ConsumerTypes {
  name: string;
  handles: readonly string[];
}

interface AttemptsRow {
  consumer: string;
  failed: string;
  retried: string;
  dead_lettered: string;
}

/** Reads every figure the report judges, for the window ending at `now`. */
export async function measureSystemHealth(
  sql: Sql,
  options: { now: Date; windowMs?: number; consumers?: readonly ConsumerTypes[] },
): Promise<HealthMeasurements> {
  const windowMs = options.windowMs ?? DEFAULT_HEALTH_WINDOW_MS;
  const since = new Date(options.now.getTime() - windowMs);
  const checkpoints = await readCheckpointStatuses(sql, options.now);
  const attemptRows = await sql<AttemptsRow[]>`
    select consumer,
           count(*) filter (where outcome in ('failed', 'dead_lettered')) as failed,
           count(*) filter (where attempt > 1) as retried,
           count(*) filter (where outcome = 'dead_lettered') as dead_lettered
      from public.consumer_attempt_log
     where recorded_at > ${since} and recorded_at <= ${options.now}
     group by consumer`;
  const attemptsByConsumer = new Map(attemptRows.map((row) => [row.consumer, row]));
  const typesByConsumer = new Map((options.consumers ?? []).map((consumer) => [consumer.name, consumer.handles]));
  const consumers: ConsumerHealth[] = [];
  for (const checkpoint of checkpoints) {
    const eventsDue = await countEventsInWindow(sql, since, options.now, typesByConsumer.get(checkpoint.consumer));
    const attempts = attemptsByConsumer.get(checkpoint.consumer);
    const failedAttempts = Number(attempts?.failed ?? 0);
    const retriedAttempts = Number(attempts?.retried ?? 0);
    consumers.push({
      consumer: checkpoint.consumer,
      lag: checkpoint.lag,
      position: checkpoint.position,
      eventsProcessed: checkpoint.eventsProcessed,
      lastRunAt: checkpoint.lastRunAt,
      lastError: checkpoint.lastError,
      lastErrorAt: checkpoint.lastErrorAt,
      leaseOwner: checkpoint.leaseOwner,
      failedAttempts,
      retriedAttempts,
      deadLettered: Number(attempts?.dead_lettered ?? 0),
      eventsDue,
      ...attemptRates({ eventsDue, failedAttempts, retriedAttempts }),
    });
  }
  const [letters] = await sql<{ pending: string }[]>`select count(*) as pending from public.dead_letters where status in ('pending', 'retry_requested')`;
  const webhooks = await measureWebhooks(sql, since, options.now, windowMs);
  return { measuredAt: options.now, windowMs, consumers, deadLettersPending: Number(letters?.pending ?? 0), webhooks };
}

async function countEventsInWindow(sql: Sql, since: Date, until: Date, handles: readonly string[] | undefined): Promise<number> {
  const filter = handles ? compileTypeFilter([...handles]) : undefined;
  const [row] = await sql<{ count: string }[]>`
    select count(*) from public.event_store
     where occurred_at > ${since} and occurred_at <= ${until}
       ${andEventTypeIn(sql, filter)}`;
  return Number(row?.count ?? 0);
}

/** A delivery claiming to be older than this was replayed or sent by a skewed clock: counted as a day. */
const MAX_TIKTOK_DELAY_MS = 86_400_000;

async function measureWebhooks(sql: Sql, since: Date, until: Date, windowMs: number): Promise<HealthMeasurements["webhooks"]> {
  const byStatusRows = await sql<{ status: string; count: string }[]>`
    select status, count(*) from public.webhook_inbox where received_at > ${since} and received_at <= ${until} group by status`;
  const byStatus = Object.fromEntries(byStatusRows.map((row) => [row.status, Number(row.count)]));
  const received = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
  // Ours: request received by the function → row written in the batch's transaction.
  const [ours] = await sql<{ p95: number | null; samples: string }[]>`
    select percentile_cont(0.95) within group (order by greatest(0, extract(epoch from stored_at - request_received_at) * 1000)) as p95,
           count(*) as samples
      from public.webhook_inbox
     where received_at > ${since} and received_at <= ${until} and request_received_at is not null and stored_at is not null`;
  // TikTok's: its send time (`timestamp`, whole seconds) → our receipt, clamped to a day. Unprocessable
  // deliveries may not be JSON; every other status was parsed by the function.
  const [theirs] = await sql<{ p95: number | null }[]>`
    select percentile_cont(0.95) within group (order by delay_ms) as p95
      from (
        select least(${MAX_TIKTOK_DELAY_MS}::numeric, greatest(0, extract(epoch from received_at) * 1000 - (body ->> 'timestamp')::numeric * 1000)) as delay_ms
          from (
            select received_at, convert_from(raw_body, 'UTF8') as text_body
              from public.webhook_inbox
             where received_at > ${since} and received_at <= ${until} and status <> 'unprocessable'
          ) raw
          cross join lateral (select case when pg_input_is_valid(raw.text_body, 'jsonb') then raw.text_body::jsonb end as body) parsed
         where jsonb_typeof(body -> 'timestamp') = 'number'
      ) delays`;
  const rounded = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(Number(value)));
  return {
    received,
    perMinute: received / (windowMs / 60_000),
    p95LatencyMs: rounded(ours?.p95),
    latencySamples: Number(ours?.samples ?? 0),
    tiktokDelayP95Ms: rounded(theirs?.p95),
    byStatus,
  };
}

