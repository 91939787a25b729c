import { describe, expect, it } from "vitest";
import { eventMetricsProjection, projectionConsumer } from "../../../src/core/projections/index.ts";
import { replayEvents } from "../../../src/core/replay/replay.ts";
import { newCreatorId } from "../database.ts";
import { at, received, shipped, uniqueId, validated } from "./events.ts";
import { projectionSpec } from "./read-model-harness.ts";

const { sql, models } = projectionSpec("events", eventMetricsProjection);

describe("event metrics projection", () => {
  it("counts events per type and hour with their processing latency, and does not count replays", async () => {
    const creatorId = newCreatorId();
    for (const orderId of [uniqueId("m"), uniqueId("m")]) {
      await models.append(creatorId, `order-${orderId}`, [received(orderId, at("2026-07-01T10:10:00Z")), validated(orderId, at("2026-07-01T10:20:00Z"), 1000), shipped(orderId, at("2026-07-01T11:00:00Z"))]);
    }
    const projectedAt = at("2026-07-01T12:00:00Z");
    await models.project([eventMetricsProjection], { now: () => projectedAt });
    await replayEvents({
      sql,
      filter: { creatorId, types: ["order.*"] },
      into: projectionConsumer(eventMetricsProjection, { schema: models.schema, name: models.consumerName(eventMetricsProjection) }),
    });

    const rows = await sql`
      select bucket_start, event_type, event_count::int, latency_count::int, latency_ms_sum, latency_ms_max
        from ${models.table("event_metrics_hourly")} where creator_id = ${creatorId} order by bucket_start, event_type`;
    expect(rows).toEqual([
      { bucket_start: at("2026-07-01T10:00:00Z"), event_type: "order.received_from_tiktok", event_count: 2, latency_count: 2, latency_ms_sum: 2 * 110 * 60_000, latency_ms_max: 110 * 60_000 },
      { bucket_start: at("2026-07-01T10:00:00Z"), event_type: "order.validated", event_count: 2, latency_count: 2, latency_ms_sum: 2 * 100 * 60_000, latency_ms_max: 100 * 60_000 },
      { bucket_start: at("2026-07-01T11:00:00Z"), event_type: "order.shipped", event_count: 2, latency_count: 2, latency_ms_sum: 2 * 60 * 60_000, latency_ms_max: 60 * 60_000 },
    ]);
  });
});
