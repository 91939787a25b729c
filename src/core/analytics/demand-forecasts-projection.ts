// The demand forecasts projection: the pure fold of demand-forecasts.ts kept in the
// demand_forecasts table, one row per creator and SKU, with the forecast the dashboard
// charts and the spike check's latest verdict as columns.
import type { StoredEvent } from "../event-store/index.ts";
import { defineProjection, tableIn, type ProjectionContext, type ProjectionTable } from "../projections/projection.ts";
import { selectRowsMatching, upsertRows } from "../projections/read-model-storage.ts";
import { demandForecast, demandKey, foldDemand, MIN_HOURS_FOR_SHOP_PROFILE, noDemand, recentUnits, salesAnomalyOf, shopProfileOf, unitsSold, type DemandState, type SkuDemand } from "./demand-forecasts.ts";
import type { DemandModel, SeasonalProfiles } from "./demand-model.ts";

const demandForecastsTable: ProjectionTable = { name: "demand_forecasts", key: ["creator_id", "sku_id"] };

type StoredDemand = Omit<SkuDemand, "lastSaleAt"> & { lastSaleAt: string };

async function loadDemand(context: ProjectionContext, events: readonly StoredEvent[]): Promise<DemandState> {
  const keys = new Map<string, { creator_id: string; sku_id: string }>();
  for (const event of events) for (const skuId of unitsSold(event).keys()) keys.set(demandKey(event.creatorId, skuId), { creator_id: event.creatorId, sku_id: skuId });
  const rows = await selectRowsMatching<{ creator_id: string; sku_id: string; state: StoredDemand }>(context, demandForecastsTable, [...keys.values()]);
  const skus = new Map(rows.map((row) => [demandKey(row.creator_id, row.sku_id), { ...row.state, lastSaleAt: new Date(row.state.lastSaleAt) }]));
  // Only a SKU's first sale needs its shop's profiles: loaded for the creators that have one in the batch.
  const withNewSkus = new Set([...keys.entries()].filter(([key]) => !skus.has(key)).map(([, key]) => key.creator_id));
  return { skus, shopProfiles: await loadShopProfiles(context, [...withNewSkus]) };
}

/** Up to this many of a creator's best-selling established SKUs make the shop's profile. */
const PROFILE_SKUS = 200;

async function loadShopProfiles(context: ProjectionContext, creatorIds: string[]): Promise<Map<string, SeasonalProfiles>> {
  const profiles = new Map<string, SeasonalProfiles>();
  if (creatorIds.length === 0) return profiles;
  const rows = await context.sql<{ creator_id: string; model: Pick<DemandModel, "daily" | "weekly" | "level" | "hoursSeen"> }[]>`
    select creator_id::text, model from unnest(${creatorIds}::uuid[]) as c(id)
      cross join lateral (
        select f.creator_id, f.state->'model' as model from ${tableIn(context, demandForecastsTable.name)} f
         where f.creator_id = c.id and f.hours_seen >= ${MIN_HOURS_FOR_SHOP_PROFILE}
         order by f.next_7d desc limit ${PROFILE_SKUS}) established`;
  for (const creatorId of creatorIds) {
    const profile = shopProfileOf(rows.filter((row) => row.creator_id === creatorId).map((row) => row.model));
    if (profile) profiles.set(creatorId, profile);
  }
  return profiles;
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
  initialState: noDemand,
  fold: (state, events) => foldDemand(state, events),
  storage: { load: loadDemand, save: saveDemand },
});
