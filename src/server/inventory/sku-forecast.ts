// One SKU's demand as its chart shows it: the last week's sales by hour, the next 7 days'
// forecast with its interval, stock projected forward along it, and the reorder point and
// suggestion with their reasoning. Read under the creator's claims.
import type { Sql } from "postgres";
import type { DemandModel } from "@/core/analytics/demand-model.ts";
import { stockoutFromForecast, type DemandForecast, type StockoutEstimate } from "@/core/analytics/demand-model.ts";
import { defaultReorderPolicy, suggestReorder, type ReorderSuggestion } from "@/core/analytics/reorder.ts";
import { MIN_HOURS_FOR_REORDER } from "@/core/analytics/demand-signals.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { readAsCreator } from "@/server/creator-scope.ts";

const HOUR_MS = 3_600_000;

export interface SkuForecastPoint {
  at: string;
  sold: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  /** Available stock if sales follow the forecast. */
  projectedStock: number | null;
}

export interface SkuForecast {
  skuId: string;
  productName: string | null;
  available: number;
  reorderPoint: number;
  /** Days a reorder takes to arrive, as the creator set them (7 until set): what the suggestion covers. */
  leadTimeDays: number;
  hoursSeen: number;
  points: SkuForecastPoint[];
  stockout: StockoutEstimate;
  suggestion: ReorderSuggestion | null;
}

/** Hourly forecast points as the projection stores them: [expected, lower, upper] from the hour in progress. */
export function forecastFromStored(hourly: number[][], firstHourMs: number): DemandForecast {
  return {
    coverage: 0.8,
    daily: [],
    hourly: hourly.map(([expected, lower, upper], index) => ({ at: new Date(firstHourMs + index * HOUR_MS), expected: expected!, lower: lower!, upper: upper! })),
  };
}

export async function readSkuForecast(sql: Sql, creatorId: string, skuId: string): Promise<SkuForecast> {
  return readAsCreator(sql, creatorId, async (tx) => {
    const [level] = await tx<{ available: number; reorder_point: number }[]>`
      select available, reorder_point from public.inventory_levels where creator_id = ${creatorId} and sku_id = ${skuId}`;
    if (!level) throw new ApiError("not_found", `No SKU ${skuId} in your inventory`);
    const [[demand], [name], [settings]] = await Promise.all([
      tx<{ state: { model: DemandModel; currentHour: number; history?: number[] }; forecast_hourly: number[][]; hours_seen: number }[]>`
        select state, forecast_hourly, hours_seen from public.demand_forecasts where creator_id = ${creatorId} and sku_id = ${skuId}`,
      tx<{ product_name: string }[]>`select product_name from public.product_names where creator_id = ${creatorId} and sku_id = ${skuId}`,
      tx<{ lead_time_days: string; service_level: string }[]>`select lead_time_days, service_level from public.reorder_settings where creator_id = ${creatorId} and sku_id = ${skuId}`,
    ]);
    const policy = settings ? { leadTimeDays: Number(settings.lead_time_days), serviceLevel: Number(settings.service_level) } : defaultReorderPolicy();
    const base = { skuId, productName: name?.product_name ?? null, available: level.available, reorderPoint: level.reorder_point, leadTimeDays: policy.leadTimeDays };
    if (!demand) return { ...base, hoursSeen: 0, points: [], stockout: { expectedHours: null, earliestHours: null, latestHours: null }, suggestion: null };
    const currentHourMs = demand.state.currentHour * HOUR_MS;
    const forecast = forecastFromStored(demand.forecast_hourly, currentHourMs);
    const history = demand.state.history ?? [];
    const past: SkuForecastPoint[] = history.map((sold, index) => ({
      at: new Date(currentHourMs - (history.length - index) * HOUR_MS).toISOString(), sold, expected: null, lower: null, upper: null, projectedStock: null,
    }));
    let stock = level.available;
    const ahead: SkuForecastPoint[] = forecast.hourly.map((point) => {
      stock = Math.max(0, stock - point.expected);
      return { at: point.at.toISOString(), sold: null, expected: point.expected, lower: point.lower, upper: point.upper, projectedStock: Math.round(stock * 10) / 10 };
    });
    return {
      ...base,
      hoursSeen: demand.hours_seen,
      points: [...past, ...ahead],
      stockout: stockoutFromForecast(forecast, level.available),
      suggestion: demand.hours_seen >= MIN_HOURS_FOR_REORDER ? suggestReorder(demand.state.model, policy) : null,
    };
  });
}
