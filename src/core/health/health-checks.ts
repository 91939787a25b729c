// System health: measures the event processing (each consumer's lag, last run, error and
// retry rates), the dead letters and the webhook intake (rate, p95 latency), judges the
// figures against thresholds kept as data, and records the verdict as system.* events on
// the `system-health` stream. Web APIs only: the clock and the SQL client come in, so the
// process-events Edge Function (Deno) and the admin panel (Node) share it.
//
// Webhook latency: the inbox keeps no processing time, so the latency measured is TikTok's
// send time (the envelope's `timestamp`, whole seconds) to our receipt (`received_at`):
// how late deliveries reach us. It needs no migration; its resolution is one second.
//
// Error and retry rates come from consumer_attempt_log, which records failed attempts (and
// retried successes): error rate = failed attempts / (events the consumer was due in the
// window + failed attempts); retry rate = attempts after the first / the same denominator.
import type { Sql } from "postgres";
import { compileTypeFilter, createEventStore, type NewEvent } from "../event-store/index.ts";

/** The tenant of system-wide events: the nil uuid, which no creator can hold (creator ids are v4). */
export const SYSTEM_CREATOR_ID = "00000000-0000-0000-0000-000000000000";
export const SYSTEM_HEALTH_STREAM = "system-health";
export const SYSTEM_HEALTH_AGGREGATE_TYPE = "system";

export type HealthMetric = "consumer_lag_events" | "dead_letters_pending" | "consumer_error_rate" | "webhook_p95_latency_ms";

export interface HealthThreshold {
  metric: HealthMetric;
  /** At or above: a warning (status degraded). */
  warn: number;
  /** At or above: a failure (status unhealthy) and a system.performance_threshold_exceeded event. */
  fail: number;
  unit: string;
}

/** The defaults; a deployment passes its own list to change them. */
export const defaultHealthThresholds: readonly HealthThreshold[] = [
  { metric: "consumer_lag_events", warn: 1_000, fail: 10_000, unit: "events" },
  { metric: "dead_letters_pending", warn: 1, fail: 50, unit: "letters" },
  { metric: "consumer_error_rate", warn: 0.01, fail: 0.05, unit: "ratio" },
  { metric: "webhook_p95_latency_ms", warn: 5_000, fail: 30_000, unit: "ms" },
];

export const DEFAULT_HEALTH_WINDOW_MS = 5 * 60_000;

export interface ConsumerHealth {
  consumer: string;
  /** Events in the global stream after its checkpoint (of every type: the head it must pass). */
  lag: number;
  position: number;
  eventsProcessed: number;
  lastRunAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  leaseOwner: string | null;
  /** In the window. */
  failedAttempts: number;
  retriedAttempts: number;
  deadLettered: number;
  eventsDue: number;
  errorRate: number;
  retryRate: number;
}

export interface HealthMeasurements {
  measuredAt: Date;
  windowMs: number;
  consumers: ConsumerHealth[];
  deadLettersPending: number;
  webhooks: {
    received: number;
    perMinute: number;
    /** null when no delivery in the window carried a send time. */
    p95LatencyMs: number | null;
    byStatus: Record<string, number>;
  };
}

export type CheckStatus = "pass" | "warn" | "fail";

export interface ThresholdCrossing {
  metric: HealthMetric;
  /** What crossed it: a consumer's name, or "system". */
  subject: string;
  value: number;
  threshold: number;
  unit: string;
  level: "warn" | "fail";
}

export interface HealthReport {
  status: "healthy" | "degraded" | "unhealthy";
  checks: Record<string, { status: CheckStatus; detail?: string }>;
  crossings: ThresholdCrossing[];
}

/** Which event types a consumer handles, to count the events it was due in the window. */
export interface ConsumerTypes {
  name: string;
  handles: readonly string[];
}

interface ConsumerRow {
  consumer: string;
  position: string;
  lag: string;
  events_processed: string;
  last_run_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
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
  const rows = await sql<ConsumerRow[]>`
    select c.consumer, c.position, c.events_processed, c.last_run_at, c.last_error, c.last_error_at, c.lease_owner, c.lease_expires_at,
           public.consumer_lag(c.transaction_id, c.position) as lag,
           (select count(*) from public.consumer_attempt_log a
             where a.consumer = c.consumer and a.recorded_at > ${since} and a.recorded_at <= ${options.now} and a.outcome in ('failed', 'dead_lettered')) as failed,
           (select count(*) from public.consumer_attempt_log a
             where a.consumer = c.consumer and a.recorded_at > ${since} and a.recorded_at <= ${options.now} and a.attempt > 1) as retried,
           (select count(*) from public.consumer_attempt_log a
             where a.consumer = c.consumer and a.recorded_at > ${since} and a.recorded_at <= ${options.now} and a.outcome = 'dead_lettered') as dead_lettered
      from public.consumer_checkpoints c
     order by c.consumer`;
  const typesByConsumer = new Map((options.consumers ?? []).map((consumer) => [consumer.name, consumer.handles]));
  const consumers: ConsumerHealth[] = [];
  for (const row of rows) {
    const eventsDue = await countEventsInWindow(sql, since, options.now, typesByConsumer.get(row.consumer));
    const failedAttempts = Number(row.failed);
    const retriedAttempts = Number(row.retried);
    const attempts = eventsDue + failedAttempts;
    consumers.push({
      consumer: row.consumer,
      lag: Number(row.lag),
      position: Number(row.position),
      eventsProcessed: Number(row.events_processed),
      lastRunAt: row.last_run_at,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
      leaseOwner: row.lease_owner && row.lease_expires_at && row.lease_expires_at > options.now ? row.lease_owner : null,
      failedAttempts,
      retriedAttempts,
      deadLettered: Number(row.dead_lettered),
      eventsDue,
      errorRate: attempts === 0 ? 0 : failedAttempts / attempts,
      retryRate: attempts === 0 ? 0 : retriedAttempts / attempts,
    });
  }
  const [letters] = await sql<{ pending: string }[]>`select count(*) as pending from public.dead_letters where status = 'pending'`;
  const webhooks = await measureWebhooks(sql, since, options.now, windowMs);
  return { measuredAt: options.now, windowMs, consumers, deadLettersPending: Number(letters?.pending ?? 0), webhooks };
}

async function countEventsInWindow(sql: Sql, since: Date, until: Date, handles: readonly string[] | undefined): Promise<number> {
  const filter = handles ? compileTypeFilter([...handles]) : undefined;
  const [row] = await sql<{ count: string }[]>`
    select count(*) from public.event_store
     where occurred_at > ${since} and occurred_at <= ${until}
       ${filter && !filter.matchesAll ? sql`and (event_type = any(${filter.exact}) or event_type like any(${filter.likePatterns}))` : sql``}`;
  return Number(row?.count ?? 0);
}

async function measureWebhooks(sql: Sql, since: Date, until: Date, windowMs: number): Promise<HealthMeasurements["webhooks"]> {
  const byStatusRows = await sql<{ status: string; count: string }[]>`
    select status, count(*) from public.webhook_inbox where received_at > ${since} and received_at <= ${until} group by status`;
  const byStatus = Object.fromEntries(byStatusRows.map((row) => [row.status, Number(row.count)]));
  const received = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
  // Unprocessable deliveries may not be JSON; every other status was parsed by the function.
  const [latency] = await sql<{ p95: number | null }[]>`
    select percentile_cont(0.95) within group (order by latency_ms) as p95
      from (
        select greatest(0, extract(epoch from received_at) * 1000 - (body ->> 'timestamp')::numeric * 1000) as latency_ms
          from (
            select received_at, convert_from(raw_body, 'UTF8') as text_body
              from public.webhook_inbox
             where received_at > ${since} and received_at <= ${until} and status <> 'unprocessable'
          ) raw
          cross join lateral (select case when pg_input_is_valid(raw.text_body, 'jsonb') then raw.text_body::jsonb end as body) parsed
         where jsonb_typeof(body -> 'timestamp') = 'number'
      ) latencies`;
  const p95 = latency?.p95 ?? null;
  return { received, perMinute: received / (windowMs / 60_000), p95LatencyMs: p95 === null ? null : Math.round(Number(p95)), byStatus };
}

function thresholdFor(thresholds: readonly HealthThreshold[], metric: HealthMetric): HealthThreshold | undefined {
  return thresholds.find((threshold) => threshold.metric === metric);
}

function levelOf(value: number, threshold: HealthThreshold | undefined): CheckStatus {
  if (!threshold) return "pass";
  if (value >= threshold.fail) return "fail";
  if (value >= threshold.warn) return "warn";
  return "pass";
}

const worst = (statuses: CheckStatus[]): CheckStatus => (statuses.includes("fail") ? "fail" : statuses.includes("warn") ? "warn" : "pass");

/** Judges measurements against thresholds. Pure. */
export function evaluateHealth(measurements: HealthMeasurements, thresholds: readonly HealthThreshold[] = defaultHealthThresholds): HealthReport {
  const crossings: ThresholdCrossing[] = [];
  const judge = (metric: HealthMetric, subject: string, value: number): CheckStatus => {
    const threshold = thresholdFor(thresholds, metric);
    const level = levelOf(value, threshold);
    if (threshold && level !== "pass") {
      crossings.push({ metric, subject, value, threshold: level === "fail" ? threshold.fail : threshold.warn, unit: threshold.unit, level });
    }
    return level;
  };

  const lagLevels = measurements.consumers.map((consumer) => judge("consumer_lag_events", consumer.consumer, consumer.lag));
  const errorLevels = measurements.consumers.map((consumer) => judge("consumer_error_rate", consumer.consumer, consumer.errorRate));
  const deadLetterLevel = judge("dead_letters_pending", "system", measurements.deadLettersPending);
  const latency = measurements.webhooks.p95LatencyMs;
  const latencyLevel = latency === null ? "pass" : judge("webhook_p95_latency_ms", "system", latency);

  const maxLag = measurements.consumers.reduce((max, consumer) => Math.max(max, consumer.lag), 0);
  const maxErrorRate = measurements.consumers.reduce((max, consumer) => Math.max(max, consumer.errorRate), 0);
  const describe = (metric: HealthMetric) =>
    crossings
      .filter((crossing) => crossing.metric === metric)
      .map((crossing) => `${crossing.subject}: ${formatValue(crossing.value, crossing.unit)} (${crossing.level} at ${formatValue(crossing.threshold, crossing.unit)})`)
      .join("; ")
      .slice(0, 500);

  const checks: HealthReport["checks"] = {
    consumer_lag: { status: worst(lagLevels), detail: describe("consumer_lag_events") || `highest lag ${maxLag} events` },
    consumer_errors: { status: worst(errorLevels), detail: describe("consumer_error_rate") || `highest error rate ${formatValue(maxErrorRate, "ratio")}` },
    dead_letters: { status: deadLetterLevel, detail: `${measurements.deadLettersPending} pending` },
    webhook_latency: {
      status: latencyLevel,
      detail: latency === null ? `no deliveries with a send time in the window` : `p95 ${latency} ms over ${measurements.webhooks.received} deliveries`,
    },
  };
  const overall = worst(Object.values(checks).map((check) => check.status));
  return { status: overall === "fail" ? "unhealthy" : overall === "warn" ? "degraded" : "healthy", checks, crossings };
}

function formatValue(value: number, unit: string): string {
  return unit === "ratio" ? `${(value * 100).toFixed(1)}%` : `${Math.round(value * 100) / 100} ${unit}`;
}

/** The events a report becomes: the completed check, and one event per threshold crossed at the fail level. */
export function healthEvents(report: HealthReport): NewEvent[] {
  const events: NewEvent[] = [
    { type: "system.health_check_completed", data: { status: report.status, checks: report.checks } },
  ];
  for (const crossing of report.crossings) {
    if (crossing.level !== "fail") continue;
    events.push({
      type: "system.performance_threshold_exceeded",
      data: {
        metric: (crossing.subject === "system" ? crossing.metric : `${crossing.metric}:${crossing.subject}`).slice(0, 100),
        value: crossing.value,
        threshold: crossing.threshold,
        unit: crossing.unit,
      },
    });
  }
  return events;
}

/** The start of the time window `now` falls in: one health check is recorded per window. */
export function healthWindowStart(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

export interface RecordHealthCheckOptions {
  sql: Sql;
  now: () => Date;
  /** Both the measuring window and the recording period; default 5 minutes. */
  windowMs?: number;
  thresholds?: readonly HealthThreshold[];
  consumers?: readonly ConsumerTypes[];
}

export type RecordedHealthCheck =
  | { recorded: true; report: HealthReport; measurements: HealthMeasurements; windowStart: Date }
  /** This window's check had been recorded already: nothing measured, nothing appended. */
  | { recorded: false; windowStart: Date };

/**
 * Measures, judges and appends the verdict to the `system-health` stream, at most once per
 * window: the window's start is the idempotency key, so calling it after every round of
 * process-events (or from several instances) records one check per window.
 */
export async function recordHealthCheck(options: RecordHealthCheckOptions): Promise<RecordedHealthCheck> {
  const windowMs = options.windowMs ?? DEFAULT_HEALTH_WINDOW_MS;
  const now = options.now();
  const windowStart = healthWindowStart(now, windowMs);
  const store = createEventStore({ sql: options.sql });
  const idempotencyKey = `system-health:${windowMs}:${windowStart.toISOString()}`;
  const [already] = await options.sql<{ found: boolean }[]>`
    select true as found from public.idempotency_keys where creator_id = ${SYSTEM_CREATOR_ID}::uuid and key = ${idempotencyKey}`;
  // Called after every processing round: measure only once per window, not every round.
  if (already) return { recorded: false, windowStart };
  const measurements = await measureSystemHealth(options.sql, { now, windowMs, consumers: options.consumers });
  const report = evaluateHealth(measurements, options.thresholds ?? defaultHealthThresholds);
  const result = await store.appendToStream({
    creatorId: SYSTEM_CREATOR_ID,
    aggregateId: SYSTEM_HEALTH_STREAM,
    aggregateType: SYSTEM_HEALTH_AGGREGATE_TYPE,
    expectedVersion: "any",
    idempotencyKey,
    events: healthEvents(report),
  });
  if (result.duplicate) return { recorded: false, windowStart };
  return { report, measurements, recorded: true, windowStart };
}
