// What a rebuild decides before it touches a table: what each projection starts from,
// which event types the one read of the stream takes, and the rate its progress shows.
import { describe, expect, it } from "vitest";
import {
  dashboardMetricsProjection,
  eventMetricsProjection,
  eventsPerSecond,
  eventTypesToFold,
  inventoryLevelsProjection,
  newRebuildTarget,
  orderSummariesProjection,
} from "../../../src/core/projections/index.ts";

describe("a rebuild's plan", () => {
  it("starts each projection at nothing folded, under the consumer named for it", () => {
    expect(newRebuildTarget(orderSummariesProjection, "order-summaries-v2")).toEqual({
      projection: orderSummariesProjection,
      consumer: "order-summaries-v2",
      rows: [],
      progress: { projection: orderSummariesProjection.name, phase: "building", processed: 0, total: 0, eventsPerSecond: 0, deadLettered: 0 },
      poisoned: [],
    });
  });

  it("reads the types its projections handle, each once, and every type when one of them takes all", () => {
    const targets = [dashboardMetricsProjection, orderSummariesProjection, inventoryLevelsProjection].map((projection) => ({ projection }));
    expect(eventTypesToFold(targets)).toEqual(["order.*", "inventory.*"]);
    expect(eventTypesToFold([...targets, { projection: eventMetricsProjection }])).toBeUndefined();
  });

  it("shows whole events per second, and a rate rather than a division by zero at the start", () => {
    expect(eventsPerSecond(12_345, 2_000)).toBe(6_173);
    expect(eventsPerSecond(3, 0)).toBe(3_000);
  });
});
