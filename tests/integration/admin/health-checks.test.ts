import { describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { recordHealthCheck, SYSTEM_CREATOR_ID, SYSTEM_HEALTH_STREAM } from "../../../src/core/health/health-checks.ts";
import type { HealthThreshold } from "../../../src/core/health/health-evaluation.ts";
import { measureSystemHealth } from "../../../src/core/health/health-measurements.ts";
import { connectTestDatabase } from "../database.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });
const WINDOW_MS = 5 * 60_000;

/** A window far in the future that no other test writes into, unique per call. */
let windows = 0;
function futureWindow(): { start: Date; now: Date } {
  windows += 1;
  const start = new Date(Date.UTC(2031, 0, 1) + (Math.floor(Math.random() * 100_000) * 100 + windows) * WINDOW_MS);
  return { start, now: new Date(start.getTime() + 4 * 60_000) };
}

async function webhookAt(receivedAt: Date, sentSecondsBefore: number, storedAfterMs = 10, status = "processed") {
  const body = JSON.stringify({ type: 1, shop_id: "1", timestamp: Math.floor(receivedAt.getTime() / 1000) - sentSecondsBefore, data: {} });
  await sql`insert into public.webhook_inbox (dedupe_key, notification_type, raw_body, status, received_at, request_received_at, stored_at)
            values (${crypto.randomUUID()}, 1, ${Buffer.from(body)}, ${status}, ${receivedAt}, ${receivedAt}, ${new Date(receivedAt.getTime() + storedAfterMs)})`;
}

describe("system health checks", () => {
  it("measures webhook rate, our p95 latency and TikTok's (clamped) apart, and each consumer's error and retry rates", async () => {
    const { start, now } = futureWindow();
    for (let index = 0; index < 19; index += 1) await webhookAt(new Date(start.getTime() + 1_000 + index * 1_000), 1);
    // One slow to store (210 ms), and sent, by its own timestamp, a year ago (a replay).
    await webhookAt(new Date(start.getTime() + 30_000), 365 * 86_400, 210);
    await sql`insert into public.webhook_inbox (dedupe_key, raw_body, status, received_at) values (${crypto.randomUUID()}, ${Buffer.from("not json")}, 'unprocessable', ${new Date(start.getTime() + 2_000)})`;
    const consumer = uniqueId("health-test-");
    await sql`insert into public.consumer_checkpoints (consumer) values (${consumer})`;
    const eventId = crypto.randomUUID();
    for (const [attempt, outcome] of [[1, "failed"], [2, "failed"], [3, "succeeded"]] as const) {
      await sql`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, recorded_at)
                values (${consumer}, ${eventId}::uuid, ${attempt}, ${outcome}, ${new Date(start.getTime() + attempt * 1_000)})`;
    }

    const measured = await measureSystemHealth(sql, { now, windowMs: WINDOW_MS, consumers: [{ name: consumer, handles: ["inventory.*"] }] });
    expect(measured.webhooks).toMatchObject({ received: 21, byStatus: { processed: 20, unprocessable: 1 } });
    expect(measured.webhooks.perMinute).toBeCloseTo(21 / 5);
    // Ours: 19 stored in 10 ms and one in 210 ms; the 95th percentile interpolates between them.
    expect(measured.webhooks).toMatchObject({ p95LatencyMs: 20, latencySamples: 20 });
    // TikTok's: 19 sent 1 s before receipt, one a year before, counted as one day.
    expect(measured.webhooks.tiktokDelayP95Ms).toBe(Math.round(1_000 + 0.05 * (86_400_000 - 1_000)));
    const ours = measured.consumers.find((row) => row.consumer === consumer)!;
    expect(ours).toMatchObject({ failedAttempts: 2, retriedAttempts: 2, eventsDue: 0, errorRate: 1, lag: expect.any(Number) });
  });

  it("records one check per window, and a threshold event for each failing figure", async () => {
    const { now } = futureWindow();
    const thresholds: HealthThreshold[] = [{ metric: "dead_letters_pending", warn: 0, fail: 0, unit: "letters" }];
    const first = await recordHealthCheck({ sql, now: () => now, windowMs: WINDOW_MS, thresholds });
    const again = await recordHealthCheck({ sql, now: () => new Date(now.getTime() + 30_000), windowMs: WINDOW_MS, thresholds });
    expect(first).toMatchObject({ recorded: true, report: { status: "unhealthy" } });
    expect(again.recorded).toBe(false);

    const events = (await store.readStream(SYSTEM_HEALTH_STREAM)).filter((event) => event.occurredAt >= new Date(Date.now() - 60_000));
    const key = `system-health:${WINDOW_MS}:${first.windowStart.toISOString()}`;
    const [recordedKey] = await sql<{ event_ids: string[] }[]>`select event_ids from public.idempotency_keys where creator_id = ${SYSTEM_CREATOR_ID}::uuid and key = ${key}`;
    const ofThisWindow = events.filter((event) => recordedKey!.event_ids.includes(event.id));
    expect(ofThisWindow.map((event) => event.type)).toEqual(["system.health_check_completed", "system.performance_threshold_exceeded"]);
    expect(ofThisWindow[0]).toMatchObject({ creatorId: SYSTEM_CREATOR_ID, aggregateType: "system", data: expect.objectContaining({ status: "unhealthy" }) });
    expect(ofThisWindow[1]!.data).toMatchObject({ metric: "dead_letters_pending", threshold: 0, unit: "letters" });

    const next = await recordHealthCheck({ sql, now: () => new Date(now.getTime() + WINDOW_MS), windowMs: WINDOW_MS, thresholds });
    expect(next.recorded).toBe(true);
  });
});
