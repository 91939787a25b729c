import { describe, expect, it } from "vitest";
import { eventMetricsProjection } from "../../../src/core/projections/index.ts";
import { at, received, shipped } from "../../integration/projections/events.ts";
import { specCreatorId, storedStream } from "../domain/specification.ts";
import { projectedAt, projectTwice } from "./projection-spec.ts";

describe("event metrics fold", () => {
  const events = [
    ...storedStream("order-m1", [received("m1", at("2026-11-20T10:10:00Z")), shipped("m1", at("2026-11-20T11:00:00Z"))]),
    ...storedStream("order-m2", [received("m2", at("2026-11-20T10:40:00Z"))]),
  ];

  it("counts events per creator, hour and type with their latency when projected", () => {
    const { once } = projectTwice(eventMetricsProjection, events);
    expect(once.state.get(`${specCreatorId}|2026-11-20T10:00:00.000Z|order.received_from_tiktok`)).toEqual({
      creator_id: specCreatorId,
      bucket_start: "2026-11-20T10:00:00.000Z",
      event_type: "order.received_from_tiktok",
      event_count: 2,
      latency_count: 2,
      latency_ms_sum: projectedAt.getTime() * 2 - at("2026-11-20T10:10:00Z").getTime() - at("2026-11-20T10:40:00Z").getTime(),
      latency_ms_max: projectedAt.getTime() - at("2026-11-20T10:10:00Z").getTime(),
    });
  });

  it("recounts a rebuild without measuring latency", () => {
    const rebuilt = eventMetricsProjection.fold(new Map(), events, { replay: true, rebuilding: true, now: () => projectedAt });
    expect(rebuilt.writes.map((delta) => [delta.event_type, delta.event_count, delta.latency_count])).toEqual([
      ["order.received_from_tiktok", 2, 0],
      ["order.shipped", 1, 0],
    ]);
  });

  it("gets the same read model when its events are replayed: a replay is not processing", () => {
    const { once, replayed } = projectTwice(eventMetricsProjection, events);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual([]);
  });
});
