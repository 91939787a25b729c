import { describe, expect, it } from "vitest";
import { hourIndex, newDemandModel, observeHour } from "../../../src/core/analytics/demand-model.ts";
import { suggestReorder } from "../../../src/core/analytics/reorder.ts";
import { dropScore, judgeSales, spikeScore } from "../../../src/core/analytics/sales-anomalies.ts";

describe("reorder suggestion", () => {
  const from = hourIndex(new Date("2026-03-05T00:00:00Z"));
  // About 14 a day, with some hour-to-hour noise.
  const pattern = [1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1];
  const model = Array.from({ length: 24 * 21 }, (_, hour) => pattern[hour % pattern.length]! + (hour % 24 === 12 ? 2 : 0)).reduce((current, units, offset) => observeHour(current, from + offset, units), newDemandModel(from));

  it("covers the lead time's demand plus safety stock, and says why", () => {
    const suggestion = suggestReorder(model, { leadTimeDays: 7, serviceLevel: 0.95 });
    expect(suggestion.dailyRate).toBeGreaterThan(12);
    expect(suggestion.dailyRate).toBeLessThan(16);
    expect(suggestion.safetyStock).toBeGreaterThan(0);
    expect(suggestion.quantity).toBe(Math.ceil(suggestion.dailyRate * 7) + suggestion.safetyStock);
    expect(suggestion.reasoning).toBe(`sells ~${Math.round(suggestion.dailyRate)}/day, lead time 7 days, safety ${suggestion.safetyStock} → order ${suggestion.quantity}`);
  });

  it("keeps more safety stock for a higher service level and orders more for a longer lead time", () => {
    const base = suggestReorder(model, { leadTimeDays: 7, serviceLevel: 0.9 });
    expect(suggestReorder(model, { leadTimeDays: 7, serviceLevel: 0.99 }).safetyStock).toBeGreaterThan(base.safetyStock);
    expect(suggestReorder(model, { leadTimeDays: 14, serviceLevel: 0.9 }).quantity).toBeGreaterThan(base.quantity);
  });

  it("refuses a lead time or service level that makes no sense", () => {
    expect(() => suggestReorder(model, { leadTimeDays: 0, serviceLevel: 0.95 })).toThrow(RangeError);
    expect(() => suggestReorder(model, { leadTimeDays: 7, serviceLevel: 1 })).toThrow(RangeError);
  });
});

describe("sales anomalies", () => {
  it("scores a count by how unlikely it is at the expected rate", () => {
    expect(spikeScore(2, 2)).toBeLessThan(0.5);
    expect(spikeScore(12, 2)).toBeGreaterThanOrEqual(4);
    expect(dropScore(0, 12)).toBeGreaterThanOrEqual(4);
    expect(dropScore(10, 12)).toBeLessThan(1);
  });

  it("sees a spike within ten minutes on a SKU selling 12 an hour", () => {
    // Ten minutes at 72 an hour where 2 units were due.
    expect(judgeSales(12, 2, 10)).toMatchObject({ kind: "spike", observedPerHour: 72, expectedPerHour: 12 });
  });

  it("does not cry wolf at ordinary noise or at the second sale of a slow SKU", () => {
    expect(judgeSales(4, 2, 10)).toBeNull();
    expect(judgeSales(2, 0.1, 10)).toBeNull();
  });

  it("needs a stronger signal from a SKU whose sales scatter more than a Poisson count", () => {
    expect(judgeSales(12, 2, 10, 4)).toBeNull();
  });

  it("sees sales stop on a SKU that should have sold", () => {
    expect(judgeSales(0, 24, 120)).toMatchObject({ kind: "drop" });
    expect(judgeSales(0, 1, 120)).toBeNull();
  });
});
