// Recorded health checks: measure (health-measurements.ts), judge (health-evaluation.ts)
// and record the verdict as system.* events on the `system-health` stream, once per window.
// Web APIs only: the clock and the SQL client come in, so the process-events Edge Function
// (Deno) and the admin panel (Node) share it.
import type { Sql } from "postgres";
import { automatedOrigin } from "../event-catalogue.ts";
import { createEventStore } from "../event-store/index.ts";
import { defaultHealthThresholds, DEFAULT_HEALTH_WINDOW_MS, evaluateHealth, healthEvents, healthWindowStart, type HealthMeasurements, type HealthReport, type HealthThreshold } from "./health-evaluation.ts";
import { measureSystemHealth, type ConsumerTypes } from "./health-measurements.ts";

/** The tenant of system-wide events: the nil uuid, which no creator can hold (creator ids are v4). */
export const SYSTEM_CREATOR_ID = "00000000-0000-0000-0000-000000000000";
export const SYSTEM_HEALTH_STREAM = "system-health";
export const SYSTEM_HEALTH_AGGREGATE_TYPE = "system";

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
    metadata: automatedOrigin("health-checks"),
  });
  if (result.duplicate) return { recorded: false, windowStart };
  return { report, measurements, recorded: true, windowStart };
}
