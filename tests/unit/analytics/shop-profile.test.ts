import { describe, expect, it } from "vitest";
import { foldDemand, noDemand, shopProfileOf } from "../../../src/core/analytics/demand-forecasts.ts";
import { forecastDemand, hourIndex, newDemandModel, observeHour, type DemandModel } from "../../../src/core/analytics/demand-model.ts";
import { DAILY_SHAPE } from "../../../src/simulator/demand-history.ts";
import { SPEC_CREATOR_ID, storedEvent } from "../../test-data.ts";

const start = hourIndex(new Date("2026-03-02T00:00:00Z"));
/** What a shop's SKUs sell in an hour, in the simulator's daily shape, at `base` an hour on average. */
const truth = (hour: number, base: number) => base * DAILY_SHAPE[hour % 24]!;

/** A SKU that has sold exactly its truth for `hours` hours. */
function learned(hours: number, base: number, from = newDemandModel(start)): DemandModel {
  let model = from;
  for (let hour = 0; hour < hours; hour += 1) model = observeHour(model, start + hour, truth(hour, base));
  return model;
}

const meanAbsoluteError = (model: DemandModel, base: number) => {
  const next = forecastDemand(model, 24).hourly;
  return next.reduce((sum, point, index) => sum + Math.abs(point.expected - truth(model.lastHour + 1 + index - start, base)), 0) / next.length;
};

describe("a new SKU starts from its shop's seasonal profile", () => {
  it("takes the shop's profile from its SKUs with a week of history, weighted by what each sells", () => {
    const sku = (daily: number, weekly: number, level: number, hoursSeen = 7 * 24) => ({ daily: Array(24).fill(daily), weekly: Array(7).fill(weekly), level, hoursSeen });
    const profile = shopProfileOf([sku(2, 1, 1), sku(1, 3, 3), sku(50, 50, 100, 7 * 24 - 1), sku(50, 50, 0)])!;
    expect(profile.daily).toEqual(Array(24).fill((2 * 1 + 1 * 3) / 4));
    expect(profile.weekly).toEqual(Array(7).fill((1 * 1 + 3 * 3) / 4));
    expect(shopProfileOf([sku(2, 1, 5, 24)])).toBeNull();
  });

  it("forecasts its first evening peak from a morning's sales, far closer than a flat start", () => {
    const profile = shopProfileOf([learned(21 * 24, 6)])!;
    const withProfile = learned(10, 3, newDemandModel(start, profile));
    const flat = learned(10, 3);
    const errorWithProfile = meanAbsoluteError(withProfile, 3);
    expect(errorWithProfile).toBeLessThan(0.5 * meanAbsoluteError(flat, 3));
    const next = forecastDemand(withProfile, 24).hourly;
    // Hour 20 (the peak) against hour 4 (the quietest), 10 hours from now and 18.
    expect(next[10]!.expected).toBeGreaterThan(8 * next[18]!.expected);
  });

  it("is what the demand fold gives a SKU's first sale, and only a new SKU's", () => {
    const profile = shopProfileOf([learned(21 * 24, 6)])!;
    const sale = (sku: string, position: number) =>
      storedEvent({ position, version: 1, transactionId: String(position), aggregateId: `order-${position}`, aggregateType: "order", type: "order.validated", occurredAt: new Date("2026-03-02T01:10:00Z"),
        data: { order_id: `p${position}`, items: [{ sku_id: sku, product_id: "p1", quantity: 1, unit_price_minor: 500 }], subtotal_minor: 500, shipping_minor: 0, total_minor: 500, currency: "USD" } });
    const { state } = foldDemand({ skus: new Map(), shopProfiles: new Map([[SPEC_CREATOR_ID, profile]]) }, [sale("NEW", 1)]);
    expect(state.skus.get(`${SPEC_CREATOR_ID}|NEW`)!.model.daily).toEqual(profile.daily);
    expect(foldDemand(noDemand(), [sale("NEW", 1)]).state.skus.get(`${SPEC_CREATOR_ID}|NEW`)!.model.daily).toEqual(Array(24).fill(1));
  });
});
