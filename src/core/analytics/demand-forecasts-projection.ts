// The demand forecasts projection: the pure fold of demand-forecasts.ts kept in the
// demand_forecasts table, one row per creator and SKU, with the forecast the dashboard
// charts and the spike check's latest verdict as columns.
import type { StoredEvent } from "../event-store/index.ts";
import { defineProjection, type ProjectionContext, type ProjectionTable } from "../projections/projection.ts";
import { selectRowsMatching, upsertRows } from "../projections/read-model-storage.ts";
import { demandForecast, demandKey, foldDemand, recentUnits, salesAnomalyOf, unitsSold, type DemandState, type SkuDemand } from "./demand-forecasts.ts";

const demandForecastsTable: ProjectionTable = { name: "demand_forecasts", key: ["creator_id", "sku_id"] };

type StoredDemand = Omit<SkuDemand, "lastSaleAt"> & { lastSaleAt: string };

async function loadDemand(context: ProjectionContext, events: readonly StoredEvent[]): Promise<DemandState> {
  const keys = new Map<string, { creator_id: string; sku_id: string }>();
  for (const event of events) for (const skuId of unitsSold(event).keys()) keys.set(demandKey(event.creatorId, skuId), { creator_id: event.creatorId, sku_id: skuId });
  const rows = await selectRowsMatching<{ creator_id: string; sku_id: string; state: StoredDemand }>(context, demandForecastsTable, [...keys.values()]);
  return new Map(rows.map((row) => [demandKey(row.creator_id, row.sku_id), { ...row.state, lastSaleAt: new Date(row.state.lastSaleAt) }]));
}

const rounded = (value: number) => Math.round(value * 100) / 100;

function cumulative(values: number[]): number[] {
  let sum = 0;
  return values.map((value) => rounded((sum += value)));
}

async function saveDemand(context: ProjectionContext, demands: SkuDemand[]): Promise<void> {
  const rows = demands.map((demand) => {
    const forecast = demandForecast(demand);
    const week = forecast.daily.reduce((sum, day) => ({ expected: sum.expected + day.expected, lower: sum.lower + day.lower, upper: sum.upper + day.upper }), { expected: 0, lower: 0, upper: 0 });
    const anomaly = salesAnomalyOf(demand);
    return {
      creator_id: demand.creatorId,
      sku_id: demand.skuId,
      state: { ...demand, lastSaleAt: demand.lastSaleAt.toISOString() },
      hours_seen: demand.model.hoursSeen,
      expected_per_hour: forecast.hourly[0]!.expected,
      next_24h: forecast.hourly.slice(0, 24).reduce((sum, point) => sum + point.expected, 0),
      next_7d: week.expected,
      next_7d_lower: week.lower,
      next_7d_upper: week.upper,
      forecast_daily: forecast.daily.map((day) => ({ at: day.at.toISOString(), expected: rounded(day.expected), lower: rounded(day.lower), upper: rounded(day.upper) })),
      forecast_hourly: forecast.hourly.map((point) => [rounded(point.expected), rounded(point.lower), rounded(point.upper)]),
      cumulative_expected: cumulative(forecast.hourly.map((point) => point.expected)),
      recent_units: recentUnits(demand),
      anomaly_kind: anomaly?.kind ?? null,
      anomaly_score: anomaly?.score ?? null,
      last_sale_at: demand.lastSaleAt.toISOString(),
      folded_transaction_id: demand.folded.transactionId,
      folded_position: demand.folded.position,
    };
  });
  await upsertRows(context, demandForecastsTable, rows);
}

export const demandForecastsProjection = defineProjection<DemandState, SkuDemand[]>({
  name: "projection-demand-forecasts",
  handles: ["order.validated"],
  tables: [demandForecastsTable],
  batchSize: 1_000,
  initialState: () => new Map(),
  fold: (state, events) => foldDemand(state, events),
  storage: { load: loadDemand, save: saveDemand },
});
