import { beforeAll, describe, expect, it } from "vitest";
import { demandForecastsProjection } from "../../../src/core/analytics/demand-forecasts-projection.ts";
import { FORECAST_STOCKOUT_SQL } from "../../../src/core/analytics/demand-model.ts";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "demand");

const sale = (skuId: string, orderId: string, at: Date, quantity = 1): NewEvent => ({
  type: "order.validated",
  occurredAt: at,
  data: { order_id: orderId, items: [{ sku_id: skuId, product_id: "p1", quantity, unit_price_minor: 1000 }], subtotal_minor: 1000 * quantity, shipping_minor: 0, total_minor: 1000 * quantity, currency: "USD" },
});

describe("demand forecasts projection", () => {
  beforeAll(() => models.startAtEndOfStream([demandForecastsProjection]));

  it("forecasts a SKU from its orders as they arrive, flags a spike, and replays to the same rows", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("SKU");
    const start = Date.parse("2026-03-01T00:00:00Z");
    // A week at three an hour, appended and projected a day at a time.
    for (let day = 0; day < 7; day += 1) {
      const sales = Array.from({ length: 72 }, (_, index) => sale(skuId, uniqueId("o"), new Date(start + day * 86_400_000 + index * 20 * 60_000 + 30_000)));
      await models.append(creatorId, `order-${uniqueId("batch")}`, sales);
      await models.project([demandForecastsProjection]);
    }
    const [steady] = await sql<{ hours_seen: number; expected_per_hour: number; next_7d: number; next_7d_lower: number; next_7d_upper: number; anomaly_kind: string | null; forecast_hourly: number[][] }[]>`
      select hours_seen, expected_per_hour, next_7d, next_7d_lower, next_7d_upper, anomaly_kind, forecast_hourly from ${models.table("demand_forecasts")} where creator_id = ${creatorId}`;
    expect(steady!.hours_seen).toBe(7 * 24 - 1);
    expect(steady!.expected_per_hour).toBeGreaterThan(2.5);
    expect(steady!.expected_per_hour).toBeLessThan(3.5);
    expect(steady!.next_7d_lower).toBeLessThan(steady!.next_7d);
    expect(steady!.next_7d_upper).toBeGreaterThan(steady!.next_7d);
    expect(steady!.forecast_hourly).toHaveLength(7 * 24);
    expect(steady!.anomaly_kind).toBeNull();

    const onset = start + 7 * 86_400_000;
    await models.append(creatorId, `order-${uniqueId("viral")}`, Array.from({ length: 15 }, (_, index) => sale(skuId, uniqueId("v"), new Date(onset + index * 30_000))));
    await models.project([demandForecastsProjection]);
    const before = await sql`select * from ${models.table("demand_forecasts")} where creator_id = ${creatorId}`;
    expect(before[0]!.anomaly_kind).toBe("spike");

    await models.replay(demandForecastsProjection, creatorId);
    expect(await sql`select * from ${models.table("demand_forecasts")} where creator_id = ${creatorId}`).toEqual(before);
  });

  it("starts a new SKU from the seasonal profile of the creator's established SKUs, read from the table", async () => {
    const creatorId = newCreatorId();
    const established = uniqueId("SKU");
    const start = Date.parse("2026-04-01T00:00:00Z");
    // Eight days: one sale an hour at night, four an hour from 16:00 to 22:00.
    const sales = [];
    for (let hour = 0; hour < 8 * 24; hour += 1) {
      const count = hour % 24 >= 16 && hour % 24 < 22 ? 4 : 1;
      for (let index = 0; index < count; index += 1) sales.push(sale(established, uniqueId("e"), new Date(start + hour * 3_600_000 + index * 600_000 + 30_000)));
    }
    await models.append(creatorId, `order-${uniqueId("established")}`, sales);
    await models.project([demandForecastsProjection]);
    const newcomer = uniqueId("SKU");
    await models.append(creatorId, `order-${uniqueId("first")}`, [sale(newcomer, uniqueId("n"), new Date(start + 8 * 86_400_000 + 60_000))]);
    await models.project([demandForecastsProjection]);
    const rows = await sql<{ sku_id: string; state: { model: { daily: number[]; weekly: number[] } } }[]>`
      select sku_id, state from ${models.table("demand_forecasts")} where creator_id = ${creatorId}`;
    const model = (skuId: string) => rows.find((row) => row.sku_id === skuId)!.state.model;
    const closeTo = (factors: number[]) => factors.map((factor) => expect.closeTo(factor, 9));
    expect(model(newcomer).daily).toEqual(closeTo(model(established).daily));
    expect(model(newcomer).weekly).toEqual(closeTo(model(established).weekly));
    expect(model(newcomer).daily[19]!).toBeGreaterThan(1.5 * model(newcomer).daily[3]!);
  });

  it("finds the stock-out time along a forecast's cumulative demand, interpolated within the hour, and none beyond it", async () => {
    const at = async (available: number, hoursSeen = 48) =>
      (
        await sql<{ hours: number | null }[]>`
          select ${sql.unsafe(FORECAST_STOCKOUT_SQL)} as hours
            from (select ${available}::int as available, 99::float8 as hours_to_stockout) il,
                 (select ${hoursSeen}::int as hours_seen, array[2, 4, 6]::float8[] as cumulative_expected) df`
      )[0]!.hours;
    expect(await at(3)).toBe(1.5);
    expect(await at(0)).toBe(0);
    expect(await at(6)).toBe(3);
    expect(await at(7)).toBeNull();
    // Less than a day of history: the straight line.
    expect(await at(3, 5)).toBe(99);
  });
});
