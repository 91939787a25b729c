import { describe, expect, it } from "vitest";
import { demandForecastsProjection } from "../../../src/core/analytics/demand-forecasts-projection.ts";
import { demandForecast, noDemand, recentUnits, salesAnomalyOf } from "../../../src/core/analytics/demand-forecasts.ts";
import type { NewEvent, StoredEvent } from "../../../src/core/event-store/index.ts";
import { storedEvent } from "../../test-data.ts";
import { projectTwice } from "../projections/projection-spec.ts";

const sku = "SKU-demand";
const live = { replay: false, rebuilding: false, now: () => new Date("2026-04-01T00:00:00Z") };

const sale = (orderId: string, at: Date, quantity = 1): NewEvent => ({
  type: "order.validated",
  occurredAt: at,
  data: { order_id: orderId, items: [{ sku_id: sku, product_id: "p1", quantity, unit_price_minor: 1000 }], subtotal_minor: 1000 * quantity, shipping_minor: 0, total_minor: 1000 * quantity, currency: "USD" },
});

function inOrder(events: NewEvent[], from = 1): StoredEvent[] {
  return events.map((event, index) => storedEvent({ position: from + index, version: 1, aggregateId: `order-${index}`, aggregateType: "order", type: event.type, data: event.data, occurredAt: event.occurredAt! }));
}

/** Two sales an hour, every hour, for `days` days from 2026-03-01. */
function steadySales(days: number): NewEvent[] {
  const start = Date.parse("2026-03-01T00:00:00Z");
  return Array.from({ length: days * 24 * 2 }, (_, index) => sale(`o${index}`, new Date(start + index * 30 * 60_000 + 60_000)));
}

describe("demand forecasts fold", () => {
  it("learns a SKU's rate from its orders, hour by hour, and forecasts it forward", () => {
    const { state } = demandForecastsProjection.fold(noDemand(), inOrder(steadySales(14)), live);
    const demand = [...state.skus.values()][0]!;
    expect(demand.model.hoursSeen).toBe(14 * 24 - 1);
    const forecast = demandForecast(demand);
    expect(forecast.daily[1]!.expected).toBeGreaterThan(40);
    expect(forecast.daily[1]!.expected).toBeLessThan(56);
    expect(salesAnomalyOf(demand)).toBeNull();
  });

  it("sees a viral spike within ten minutes of its onset", () => {
    const history = inOrder(steadySales(14));
    const { state } = demandForecastsProjection.fold(noDemand(), history, live);
    const onset = Date.parse("2026-03-15T00:00:00Z");
    // Twelve sales in ten minutes where about one was due: a video took off.
    const burst = Array.from({ length: 12 }, (_, index) => sale(`v${index}`, new Date(onset + index * 50_000)));
    const folded = demandForecastsProjection.fold(state, inOrder(burst, history.length + 1), live);
    const demand = [...folded.state.skus.values()][0]!;
    expect(recentUnits(demand)).toBe(12);
    expect(salesAnomalyOf(demand)).toMatchObject({ kind: "spike" });
  });

  it("gets the same forecasts when its events are replayed, and writes nothing", () => {
    const { once, replayed } = projectTwice(demandForecastsProjection, inOrder(steadySales(2)));
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual([]);
  });
});
