import { describe, expect, it } from "vitest";
import { orderSummariesProjection } from "../../../src/core/projections/index.ts";
import { at, cancelled, received, refunded, shipped, validated } from "../../integration/projections/events.ts";
import { specCreatorId, storedStream } from "../domain/specification.ts";
import { project, projectTwice } from "./projection-spec.ts";

describe("order summaries fold", () => {
  const events = [
    ...storedStream("order-held", [received("held", at("2026-04-01T10:00:00Z"), { is_on_hold: true }), validated("held", at("2026-04-01T10:05:00Z"), 5000), shipped("held", at("2026-04-01T13:00:00Z"))]),
    ...storedStream("order-gone", [received("gone", at("2026-04-01T10:10:00Z")), validated("gone", at("2026-04-01T10:11:00Z"), 3000), cancelled("gone", at("2026-04-01T10:15:00Z")), refunded("gone", at("2026-04-01T11:00:00Z"), 1000)]),
  ];

  it("keeps status, amounts, shipping, refunds and the timeline of each order", () => {
    const summaries = project(orderSummariesProjection, events);
    const held = summaries.get(`${specCreatorId}|held`)!;
    expect(held.order).toMatchObject({ status: "shipped", totalMinor: 5000, shipping: { carrier: "USPS" }, shippedAt: at("2026-04-01T13:00:00Z") });
    expect(held.order.timeline.map((entry) => entry.type)).toEqual(["order.received_from_tiktok", "order.validated", "order.shipped"]);
    expect(summaries.get(`${specCreatorId}|gone`)).toMatchObject({ refundedMinor: 1000, cancelledAt: at("2026-04-01T10:15:00Z"), lastVersion: 4 });
  });

  it("folds a later batch into a copy: the read model it was given stays as it was", () => {
    const [first, ...later] = events.filter((event) => event.aggregateId === "order-gone");
    const before = orderSummariesProjection.fold(new Map(), [first], { replay: false, rebuilding: false, now: () => at("2026-04-01T12:00:00Z") }).state;
    const snapshot = structuredClone(before);
    const after = orderSummariesProjection.fold(before, later, { replay: false, rebuilding: false, now: () => at("2026-04-01T12:00:00Z") }).state;
    expect(before).toEqual(snapshot);
    expect(after.get(`${specCreatorId}|gone`)).toMatchObject({ order: { status: "refunded" }, refundedMinor: 1000, lastVersion: 4 });
  });

  it("gets the same read model when its events are replayed, and writes nothing", () => {
    const { once, replayed } = projectTwice(orderSummariesProjection, events);
    expect(once.writes.map((write) => write.summary.orderId)).toEqual(["held", "gone"]);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual([]);
  });
});
