import { describe, expect, it } from "vitest";
import {
  attemptRates,
  defaultHealthThresholds,
  evaluateHealth,
  healthEvents,
  healthWindowStart,
  type ConsumerHealth,
  type HealthMeasurements,
} from "../../../src/core/health/health-evaluation.ts";
import { validateEvent } from "../../../src/core/event-store/index.ts";

function consumer(overrides: Partial<ConsumerHealth>): ConsumerHealth {
  return {
    consumer: "projection-dashboard-metrics",
    lag: 0,
    position: 10,
    eventsProcessed: 10,
    lastRunAt: new Date("2026-11-22T10:00:00Z"),
    lastError: null,
    lastErrorAt: null,
    leaseOwner: null,
    failedAttempts: 0,
    retriedAttempts: 0,
    deadLettered: 0,
    eventsDue: 100,
    errorRate: 0,
    retryRate: 0,
    ...overrides,
  };
}

function measurements(overrides: Partial<HealthMeasurements> = {}): HealthMeasurements {
  return {
    measuredAt: new Date("2026-11-22T10:04:00Z"),
    windowMs: 300_000,
    consumers: [consumer({})],
    deadLettersPending: 0,
    webhooks: { received: 30, perMinute: 6, p95LatencyMs: 1_000, latencySamples: 30, tiktokDelayP95Ms: 1_000, byStatus: { processed: 30 } },
    ...overrides,
  };
}

describe("health thresholds", () => {
  it("reports healthy when every figure is under its warning level", () => {
    const report = evaluateHealth(measurements());
    expect(report.status).toBe("healthy");
    expect(report.crossings).toEqual([]);
    expect(Object.values(report.checks).map((check) => check.status)).toEqual(["pass", "pass", "pass", "pass"]);
    expect(healthEvents(report).map((event) => event.type)).toEqual(["system.health_check_completed"]);
  });

  it("degrades on a warning and raises no threshold event for it", () => {
    const report = evaluateHealth(measurements({ deadLettersPending: 3 }));
    expect(report.status).toBe("degraded");
    expect(report.checks.dead_letters).toEqual({ status: "warn", detail: "3 pending" });
    expect(report.crossings).toEqual([{ metric: "dead_letters_pending", subject: "system", value: 3, threshold: 1, unit: "letters", level: "warn" }]);
    expect(healthEvents(report).map((event) => event.type)).toEqual(["system.health_check_completed"]);
  });

  it("is unhealthy when a consumer lags past the failure level, naming the consumer in the threshold event", () => {
    const report = evaluateHealth(measurements({ consumers: [consumer({}), consumer({ consumer: "sync-conflicts", lag: 12_000 })] }));
    expect(report.status).toBe("unhealthy");
    expect(report.checks.consumer_lag!.status).toBe("fail");
    expect(report.checks.consumer_lag!.detail).toContain("sync-conflicts: 12000 events");
    const events = healthEvents(report);
    expect(events[1]).toEqual({
      type: "system.performance_threshold_exceeded",
      data: { metric: "consumer_lag_events:sync-conflicts", value: 12_000, threshold: 10_000, unit: "events" },
    });
  });

  it("judges error rates and our webhook p95 latency, and skips latency when no delivery was stored", () => {
    const failing = evaluateHealth(
      measurements({ consumers: [consumer({ errorRate: 0.2 })], webhooks: { received: 25, perMinute: 5, p95LatencyMs: 45_000, latencySamples: 25, tiktokDelayP95Ms: 800, byStatus: {} } }),
    );
    expect(failing.checks.consumer_errors!.status).toBe("fail");
    expect(failing.checks.webhook_latency).toEqual({
      status: "fail",
      detail: "receipt to stored p95 45000 ms over 25 deliveries; TikTok's send to our receipt p95 800 ms (reported, not judged)",
    });
    expect(healthEvents(failing).slice(1).map((event) => (event.data as { metric: string }).metric)).toEqual([
      "consumer_error_rate:projection-dashboard-metrics",
      "webhook_p95_latency_ms",
    ]);
    const quiet = evaluateHealth(measurements({ webhooks: { received: 0, perMinute: 0, p95LatencyMs: null, latencySamples: 0, tiktokDelayP95Ms: null, byStatus: {} } }));
    expect(quiet.checks.webhook_latency!.status).toBe("pass");
  });

  it("is not flipped by TikTok's clock, a replayed year-old delivery, or one slow delivery among a few", () => {
    const replayed = evaluateHealth(measurements({ webhooks: { received: 30, perMinute: 6, p95LatencyMs: 40, latencySamples: 30, tiktokDelayP95Ms: 86_400_000, byStatus: { processed: 30 } } }));
    expect(replayed.status).toBe("healthy");
    expect(healthEvents(replayed)).toHaveLength(1);

    const outlier = evaluateHealth(measurements({ webhooks: { received: 3, perMinute: 1, p95LatencyMs: 40_000, latencySamples: 3, tiktokDelayP95Ms: 900, byStatus: { processed: 3 } } }));
    expect(outlier.checks.webhook_latency).toEqual({
      status: "pass",
      detail: "receipt to stored p95 40000 ms over 3 deliveries (judged from 20); TikTok's send to our receipt p95 900 ms (reported, not judged)",
    });
  });

  it("takes thresholds as data: a metric left out is never judged", () => {
    const report = evaluateHealth(measurements({ deadLettersPending: 500 }), defaultHealthThresholds.filter((threshold) => threshold.metric !== "dead_letters_pending"));
    expect(report.status).toBe("healthy");
  });

  it("builds events the catalogue accepts", () => {
    const report = evaluateHealth(measurements({ deadLettersPending: 80, consumers: [consumer({ lag: 20_000, lastError: "x".repeat(2_000) })] }));
    const events = healthEvents(report);
    expect(events.map((event) => event.type)).toEqual(["system.health_check_completed", "system.performance_threshold_exceeded", "system.performance_threshold_exceeded"]);
    for (const event of events) expect(() => validateEvent(event, { creatorId: "00000000-0000-4000-8000-000000000001", metadata: { source: "automated_system" } })).not.toThrow();
  });

  it("puts every moment of a window in the same window", () => {
    expect(healthWindowStart(new Date("2026-11-22T10:04:59.999Z"), 300_000)).toEqual(new Date("2026-11-22T10:00:00Z"));
    expect(healthWindowStart(new Date("2026-11-22T10:05:00Z"), 300_000)).toEqual(new Date("2026-11-22T10:05:00Z"));
  });

  it("rates errors and retries against the events due plus the failed attempts", () => {
    expect(attemptRates({ eventsDue: 0, failedAttempts: 0, retriedAttempts: 0 })).toEqual({ errorRate: 0, retryRate: 0 });
    expect(attemptRates({ eventsDue: 18, failedAttempts: 2, retriedAttempts: 5 })).toEqual({ errorRate: 0.1, retryRate: 0.25 });
  });
});
