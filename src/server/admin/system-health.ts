// System health for the admin panel: the same measurements and thresholds the recorded
// health checks use (src/core/health), plus the latest system.* events of the system-health
// stream, so the page shows both the live figures and what has been raised.
import type { Sql } from "postgres";
import { SYSTEM_HEALTH_STREAM } from "@/core/health/health-checks.ts";
import { defaultHealthThresholds, evaluateHealth, type HealthMeasurements, type HealthReport, type HealthThreshold } from "@/core/health/health-evaluation.ts";
import { measureSystemHealth } from "@/core/health/health-measurements.ts";
import { createSagaStore } from "@/core/fulfilment/saga-store.ts";
import { allProjections } from "@/core/projections/index.ts";
import { createSyncConflictsConsumer } from "@/core/conflicts/index.ts";

export interface SystemHealthView {
  measuredAt: string;
  windowMinutes: number;
  report: HealthReport;
  thresholds: readonly HealthThreshold[];
  consumers: {
    consumer: string;
    lag: number;
    lastRunAt: string | null;
    lastError: string | null;
    lastErrorAt: string | null;
    failedAttempts: number;
    retriedAttempts: number;
    eventsDue: number;
    errorRate: number;
    retryRate: number;
  }[];
  deadLettersPending: number;
  webhooks: HealthMeasurements["webhooks"];
  recentSystemEvents: { id: string; type: string; occurredAt: string; data: Record<string, unknown> }[];
  /** Order fulfilment stopped because a step cannot run here (no carrier for orders the seller ships): nothing was invented for them. */
  fulfilmentNeedingConfiguration: {
    total: number;
    sagas: { creatorId: string; orderId: string; step: string; missing: string | null; detail: string | null; since: string }[];
  };
}

const LISTED_SAGAS_NEEDING_CONFIGURATION = 50;

/** The event types each known consumer handles, for its error rate's denominator. */
function knownConsumerTypes() {
  const syncConflicts = createSyncConflictsConsumer();
  return [...allProjections.map((projection) => ({ name: projection.name, handles: projection.handles })), { name: syncConflicts.name, handles: syncConflicts.handles }];
}

export async function readSystemHealth(sql: Sql, options: { now: Date; windowMs?: number }): Promise<SystemHealthView> {
  const measurements = await measureSystemHealth(sql, { now: options.now, windowMs: options.windowMs, consumers: knownConsumerTypes() });
  const report = evaluateHealth(measurements, defaultHealthThresholds);
  const needingConfiguration = await createSagaStore(sql).needingConfiguration(LISTED_SAGAS_NEEDING_CONFIGURATION);
  const events = await sql<{ id: string; event_type: string; occurred_at: Date; event_data: Record<string, unknown> }[]>`
    select id, event_type, occurred_at, event_data from public.event_store
     where aggregate_id = ${SYSTEM_HEALTH_STREAM} order by version desc limit 20`;
  return {
    measuredAt: measurements.measuredAt.toISOString(),
    windowMinutes: measurements.windowMs / 60_000,
    report,
    thresholds: defaultHealthThresholds,
    consumers: measurements.consumers.map((consumer) => ({
      consumer: consumer.consumer,
      lag: consumer.lag,
      lastRunAt: consumer.lastRunAt?.toISOString() ?? null,
      lastError: consumer.lastError,
      lastErrorAt: consumer.lastErrorAt?.toISOString() ?? null,
      failedAttempts: consumer.failedAttempts,
      retriedAttempts: consumer.retriedAttempts,
      eventsDue: consumer.eventsDue,
      errorRate: consumer.errorRate,
      retryRate: consumer.retryRate,
    })),
    deadLettersPending: measurements.deadLettersPending,
    webhooks: measurements.webhooks,
    recentSystemEvents: events.map((event) => ({ id: event.id, type: event.event_type, occurredAt: event.occurred_at.toISOString(), data: event.event_data })),
    fulfilmentNeedingConfiguration: {
      total: needingConfiguration.total,
      sagas: needingConfiguration.sagas.map((saga) => ({ ...saga, since: saga.since.toISOString() })),
    },
  };
}
