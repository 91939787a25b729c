// System health judged: the figures measured (health-measurements.ts) against thresholds
// kept as data, and the verdict as the system.* events the health stream records. Pure:
// plain values in, plain values out.
import type { NewEvent } from "../event-store/index.ts";

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

/** Fewer deliveries in a window than this and their latency is shown but not judged. */
export const MIN_LATENCY_SAMPLES = 20;

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
    /** Ours: the function receiving the request → its row written in the batch's transaction. null without samples. */
    p95LatencyMs: number | null;
    /** Deliveries that carried both times. */
    latencySamples: number;
    /**
     * TikTok's side: its `timestamp` → our receipt, clamped to [0, 1 day]. A replayed, delayed or
     * skewed delivery can make it anything, so it is reported, never judged.
     */
    tiktokDelayP95Ms: number | null;
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

/** Error rate = failed attempts / (events due in the window + failed attempts); retry rate = attempts after the first / the same. */
export function attemptRates(figures: { eventsDue: number; failedAttempts: number; retriedAttempts: number }): { errorRate: number; retryRate: number } {
  const attempts = figures.eventsDue + figures.failedAttempts;
  return {
    errorRate: attempts === 0 ? 0 : figures.failedAttempts / attempts,
    retryRate: attempts === 0 ? 0 : figures.retriedAttempts / attempts,
  };
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

function webhookLatencyDetail(webhooks: HealthMeasurements["webhooks"], judged: boolean): string {
  const theirs = webhooks.tiktokDelayP95Ms === null ? "" : `; TikTok's send to our receipt p95 ${webhooks.tiktokDelayP95Ms} ms (reported, not judged)`;
  if (webhooks.p95LatencyMs === null) return `no deliveries stored in the window${theirs}`;
  const ours = `receipt to stored p95 ${webhooks.p95LatencyMs} ms over ${webhooks.latencySamples} deliveries`;
  return `${ours}${judged ? "" : ` (judged from ${MIN_LATENCY_SAMPLES})`}${theirs}`;
}

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
  // Under MIN_LATENCY_SAMPLES deliveries one slow outlier is the p95: too few to judge by.
  const latencyJudged = latency !== null && measurements.webhooks.latencySamples >= MIN_LATENCY_SAMPLES;
  const latencyLevel = latencyJudged ? judge("webhook_p95_latency_ms", "system", latency) : "pass";

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
      detail: webhookLatencyDetail(measurements.webhooks, latencyJudged),
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

