import { describe, expect, it } from "vitest";
import { advanceTo, flatProfiles, forecastDemand, hourIndex, newDemandModel, observeHour, stockoutFromForecast, type DemandModel } from "../../../src/core/analytics/demand-model.ts";
import { DAILY_SHAPE, generateDemandHistory, hourlyTotals, trueRate } from "../../../src/simulator/demand-history.ts";

const start = new Date("2026-03-05T00:00:00Z");

function learn(hours: number[], from = hourIndex(start), model: DemandModel = newDemandModel(from)): DemandModel {
  return hours.reduce((current, units, offset) => observeHour(current, from + offset, units), model);
}

describe("demand model (double-seasonal Holt-Winters)", () => {
  const history = generateDemandHistory({ seed: 11, skus: 1, days: 35, start, trend: 0, baseRate: { min: 12, max: 12 } });
  const hours = hourlyTotals(history.skus[0]!.minutes);
  const trained = learn(hours.slice(0, 28 * 24));

  it("learns the daily shape: the evening peak is forecast far above the small hours", () => {
    const forecast = forecastDemand(trained, 24);
    const at = (utcHour: number) => forecast.hourly.find((point) => point.at.getUTCHours() === utcHour)!.expected;
    expect(at(20) / at(4)).toBeGreaterThan(DAILY_SHAPE[20]! / DAILY_SHAPE[4]! / 2);
    expect(at(20)).toBeGreaterThan(at(12));
  });

  it("forecasts the next 7 days' daily totals close to the truth, inside its interval", () => {
    const forecast = forecastDemand(trained, 7 * 24);
    expect(forecast.daily).toHaveLength(7);
    for (const [day, point] of forecast.daily.entries()) {
      const actual = hours.slice((28 + day) * 24, (29 + day) * 24).reduce((sum, units) => sum + units, 0);
      let truth = 0;
      for (let hour = 0; hour < 24; hour += 1) truth += trueRate(history, 12, 0, new Date(point.at.getTime() + hour * 3_600_000));
      expect(Math.abs(point.expected - truth) / truth).toBeLessThan(0.15);
      expect(actual).toBeGreaterThanOrEqual(point.lower * 0.9);
      expect(actual).toBeLessThanOrEqual(point.upper * 1.1);
    }
  });

  it("covers most hours with its 80% interval", () => {
    const forecast = forecastDemand(trained, 7 * 24, 0.8);
    const inside = forecast.hourly.filter((point, index) => hours[28 * 24 + index]! >= point.lower && hours[28 * 24 + index]! <= point.upper).length;
    expect(inside / forecast.hourly.length).toBeGreaterThan(0.7);
  });

  it("folds hours one at a time: advancing over silent hours is the same as observing zeros", () => {
    const from = hourIndex(start);
    const observed = learn([3, 0, 0, 0, 5], from);
    const advanced = observeHour(advanceTo(learn([3], from), from + 4), from + 4, 5);
    expect(advanced).toEqual(observed);
  });

  it("starts a new SKU from the shop's profiles and its own running mean", () => {
    const from = hourIndex(start);
    const shop = { daily: DAILY_SHAPE.map((factor) => factor / (DAILY_SHAPE.reduce((a, b) => a + b) / 24)), weekly: flatProfiles().weekly };
    const fresh = learn([4, 2, 3], from, newDemandModel(from, shop));
    expect(fresh.hoursSeen).toBe(3);
    const forecast = forecastDemand(fresh, 24);
    const at = (utcHour: number) => forecast.hourly.find((point) => point.at.getUTCHours() === utcHour)!.expected;
    // The shop's shape, at the SKU's own level.
    expect(at(20) / at(3) / (DAILY_SHAPE[20]! / DAILY_SHAPE[3]!)).toBeCloseTo(1, 1);
    expect(forecast.daily[0]!.expected).toBeGreaterThan(10);
  });
});

describe("stock-out from the forecast", () => {
  it("runs out when the expected demand has used the stock up, sooner at the interval's upper edge", () => {
    const from = hourIndex(start);
    const steady = learn(Array(24 * 14).fill(2), from);
    const estimate = stockoutFromForecast(forecastDemand(steady, 48), 10);
    expect(estimate.expectedHours).toBeCloseTo(5, 0);
    expect(estimate.earliestHours!).toBeLessThanOrEqual(estimate.expectedHours!);
    expect(estimate.latestHours!).toBeGreaterThanOrEqual(estimate.expectedHours!);
  });

  it("says none within the horizon for stock that outlasts it, and now for no stock", () => {
    const steady = learn(Array(24 * 14).fill(1));
    expect(stockoutFromForecast(forecastDemand(steady, 24), 500).expectedHours).toBeNull();
    expect(stockoutFromForecast(forecastDemand(steady, 24), 0).expectedHours).toBe(0);
  });
});
