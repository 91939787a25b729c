// A SKU's demand, learned hour by hour: exponential smoothing of the Holt-Winters family
// with a damped trend and two multiplicative seasonal profiles, hour of day and day of
// week (Taylor's double-seasonal form, with the week as seven day factors so it learns
// from a week of history instead of needing two full weekly cycles). Updating costs O(1)
// per hour, so a forecast follows orders as they arrive without rescanning history, and
// its state is plain data a projection stores and a rebuild recomputes.
// A new SKU starts from the shop's profiles and a level that is its mean (deseasonalised by
// those profiles over its first day, then with a smoothing constant never below 1/(hours seen)).
import { probit } from "simple-statistics";
import { DAY_MS, HOUR_MS } from "../durations.ts";

export interface DemandModel {
  /** The last hour folded in, as hours since the epoch (UTC). */
  lastHour: number;
  hoursSeen: number;
  /** Units per hour with the seasons taken out. */
  level: number;
  trend: number;
  /** Hour-of-day factors (UTC hours), mean 1. */
  daily: number[];
  /** Day-of-week factors (0 = Thursday, the epoch's weekday; any fixed origin will do), mean 1. */
  weekly: number[];
  /** Smoothed squared one-hour-ahead error: the spread of what sells around the forecast. */
  errorVariance: number;
  /** Over the first day: the seasonal weight (hour-of-day × day-of-week factor) of the hours seen, for the level's mean. */
  exposure?: number;
}

export interface SmoothingParameters {
  level: number;
  trend: number;
  damping: number;
  daily: number;
  weekly: number;
  variance: number;
}

// Tuned by coordinate descent on one simulated history (seed 7 of src/simulator/demand-history.ts,
// `npm run bench -- analytics-tuning`), judged on others it never saw (the bench's seed 101 and
// four more): a level with a memory of about two weeks of sales, a slow trend damped a little.
export const DEFAULT_SMOOTHING: SmoothingParameters = { level: 0.003, trend: 0.008, damping: 0.995, daily: 0.12, weekly: 0.03, variance: 0.02 };

/** The seasonal profiles a model starts from: flat, or the shop's. */
export interface SeasonalProfiles {
  daily: number[];
  weekly: number[];
}

export const flatProfiles = (): SeasonalProfiles => ({ daily: Array(24).fill(1), weekly: Array(7).fill(1) });

export const hourIndex = (at: Date) => Math.floor(at.getTime() / HOUR_MS);
const hourOfDay = (hour: number) => ((hour % 24) + 24) % 24;
const dayOfWeek = (hour: number) => ((Math.floor(hour / 24) % 7) + 7) % 7;
const FLOOR = 1e-3;

export function newDemandModel(firstHour: number, profiles: SeasonalProfiles = flatProfiles(), level = 0): DemandModel {
  return { lastHour: firstHour - 1, hoursSeen: 0, level, trend: 0, daily: [...profiles.daily], weekly: [...profiles.weekly], errorVariance: Math.max(level, FLOOR) };
}

const meanOf = (factors: readonly number[]) => factors.reduce((sum, factor) => sum + factor, 0) / factors.length;

/** Units expected in `hour` from the model as it stands (before that hour is seen; an hour already seen gets today's level). */
export function expectedAt(model: DemandModel, hour: number, parameters = DEFAULT_SMOOTHING): number {
  const steps = Math.max(0, hour - model.lastHour);
  // Damped trend: the sum of damping^1..^steps.
  const damped = parameters.damping === 1 ? steps : (parameters.damping * (1 - parameters.damping ** steps)) / (1 - parameters.damping);
  return Math.max(0, model.level + damped * model.trend) * model.daily[hourOfDay(hour)]! * model.weekly[dayOfWeek(hour)]!;
}

/** The model after `units` sold in `hour` (the hour after its last; use `advanceTo` for gaps). */
export function observeHour(model: DemandModel, hour: number, units: number, parameters = DEFAULT_SMOOTHING): DemandModel {
  const hoursSeen = model.hoursSeen + 1;
  // A running mean at first, then exponential smoothing: a new SKU is not stuck with its first hours.
  const alpha = Math.max(parameters.level, 1 / hoursSeen);
  const daySlot = hourOfDay(hour);
  const weekSlot = dayOfWeek(hour);
  const error = units - expectedAt(model, hour, parameters);
  // The level moves by the error in units, divided by no seasonal factor: each hour weighs in
  // proportion to what it is expected to sell, as a Poisson count's information does, and a
  // quiet hour's tiny factor cannot turn its noise into a large swing (or its zeros into a pull to zero).
  const predicted = model.level + parameters.damping * model.trend;
  let level = Math.max(0, predicted + alpha * error);
  let exposure: number | undefined;
  if (hoursSeen <= 24) {
    // The first day, before seasons are learned: the level is the deseasonalised mean (units
    // over the seasonal weight of the hours seen; with flat profiles, the running mean), so a
    // new SKU starting from the shop's profiles is not set low by a first night's quiet hours.
    const seen = model.exposure ?? model.hoursSeen;
    exposure = seen + model.daily[daySlot]! * model.weekly[weekSlot]!;
    level = (model.level * seen + units) / exposure;
  }
  // While the level is still a running mean its moves are its estimate settling, not growth:
  // learning a trend from them would project the settling forward for weeks.
  const settling = alpha > parameters.level;
  const trend = settling ? 0 : parameters.trend * (level - model.level) + (1 - parameters.trend) * parameters.damping * model.trend;
  let { daily, weekly } = model;
  let scale = 1;
  // Seasons are learned only where there is demand to learn them from (a zero level says nothing about shape).
  if (level > FLOOR && hoursSeen > 24) {
    daily = [...daily];
    weekly = [...weekly];
    // Likewise each factor learns from an hour in proportion to what the hour is expected to sell.
    const dailyWeight = Math.min(1, parameters.daily * weekly[weekSlot]!);
    daily[daySlot] = Math.max(FLOOR, dailyWeight * (units / (level * weekly[weekSlot]!)) + (1 - dailyWeight) * daily[daySlot]!);
    // A quiet night hour's count is mostly noise: with equal weights it shook its day's factor.
    const weeklyWeight = Math.min(1, parameters.weekly * daily[daySlot]!);
    weekly[weekSlot] = Math.max(FLOOR, weeklyWeight * (units / (level * daily[daySlot]!)) + (1 - weeklyWeight) * weekly[weekSlot]!);
    // Factors kept at mean 1, the level taking what they gave up: the product, the forecast, is unchanged.
    const dailyMean = meanOf(daily);
    const weeklyMean = meanOf(weekly);
    daily = daily.map((factor) => factor / dailyMean);
    weekly = weekly.map((factor) => factor / weeklyMean);
    scale = dailyMean * weeklyMean;
  }
  const varianceWeight = Math.max(parameters.variance, 1 / hoursSeen);
  // Robust spread: an error beyond three standard deviations (a viral hour, a dead one) counts
  // as three, so one anomaly does not make the next days' anomalies look ordinary.
  const bounded = Math.min(Math.abs(error), 3 * Math.sqrt(model.errorVariance) + 1);
  const errorVariance = Math.max(FLOOR, (1 - varianceWeight) * model.errorVariance + varianceWeight * bounded * bounded);
  return { lastHour: hour, hoursSeen, level: level * scale, trend: trend * scale, daily, weekly, errorVariance, ...(exposure === undefined ? {} : { exposure }) };
}

/** The model brought up to `hour` (exclusive of nothing sold in between): hours with no sale are zeros. */
export function advanceTo(model: DemandModel, hour: number, parameters = DEFAULT_SMOOTHING): DemandModel {
  let next = model;
  // A SKU silent for longer than four weeks is a new start: replaying every empty hour would cost for nothing.
  if (hour - next.lastHour > 24 * 28) next = { ...next, lastHour: hour - 24 * 28 - 1 };
  while (next.lastHour < hour - 1) next = observeHour(next, next.lastHour + 1, 0, parameters);
  return next;
}

export interface ForecastPoint {
  /** Start of the hour or day. */
  at: Date;
  expected: number;
  lower: number;
  upper: number;
}

export interface DemandForecast {
  hourly: ForecastPoint[];
  daily: ForecastPoint[];
  /** The interval's coverage, e.g. 0.8. */
  coverage: number;
}

/**
 * Hourly and daily forecasts for `hours` ahead from the hour after the model's last, with
 * an interval from the model's own error spread, widening with the horizon as simple
 * exponential smoothing's does (variance × (1 + (h - 1)·α²)).
 */
export function forecastDemand(model: DemandModel, hours = 7 * 24, coverage = 0.8, parameters = DEFAULT_SMOOTHING): DemandForecast {
  const z = probit(0.5 + coverage / 2);
  const hourly: ForecastPoint[] = [];
  const daily = new Map<number, { expected: number; variance: number }>();
  for (let step = 1; step <= hours; step += 1) {
    const hour = model.lastHour + step;
    const expected = expectedAt(model, hour, parameters);
    const variance = model.errorVariance * (1 + (step - 1) * parameters.level ** 2);
    const spread = z * Math.sqrt(variance);
    hourly.push({ at: new Date(hour * HOUR_MS), expected, lower: Math.max(0, expected - spread), upper: expected + spread });
    const day = Math.floor((hour * HOUR_MS) / DAY_MS);
    const sum = daily.get(day) ?? { expected: 0, variance: 0 };
    daily.set(day, { expected: sum.expected + expected, variance: sum.variance + variance });
  }
  return {
    coverage,
    hourly,
    daily: [...daily.entries()].map(([day, sum]) => {
      const spread = z * Math.sqrt(sum.variance);
      return { at: new Date(day * DAY_MS), expected: sum.expected, lower: Math.max(0, sum.expected - spread), upper: sum.expected + spread };
    }),
  };
}

/**
 * Dashboards use the forecast's stock-out time once a SKU has this much history, the straight
 * line through the last day's sales before (bench/analytics.ts, stockout_backtest, decided it).
 */
export const FORECAST_STOCKOUT_MIN_HOURS = 24;

/**
 * SQL for a SKU's hours to stock-out, over `inventory_levels il` left-joined to
 * `demand_forecasts df`: where its available stock is used up along the forecast's cumulative
 * demand (interpolated within the hour; null beyond the 7-day horizon), or the straight line
 * while the SKU has less than a day of history. An expression rather than a database
 * function: the dashboard reads under the creator's claims, and the API roles run no
 * function of ours but the one RLS needs.
 */
export const FORECAST_STOCKOUT_SQL = `case when df.hours_seen >= ${FORECAST_STOCKOUT_MIN_HOURS} then (
    select (i - 1) + (il.available - coalesce(df.cumulative_expected[i - 1], 0)) / nullif(df.cumulative_expected[i] - coalesce(df.cumulative_expected[i - 1], 0), 0)
      from generate_subscripts(df.cumulative_expected, 1) as i
     where df.cumulative_expected[i] >= il.available
     order by i
     limit 1)
  else il.hours_to_stockout end`;

export interface StockoutEstimate {
  /** Hours from the forecast's start until the expected demand has used `available` up; null beyond the horizon. */
  expectedHours: number | null;
  /** Sooner if demand runs at the interval's upper edge, later at its lower edge (null: beyond the horizon). */
  earliestHours: number | null;
  latestHours: number | null;
}

/** When `available` units run out along the forecast, with its interval. */
export function stockoutFromForecast(forecast: DemandForecast, available: number): StockoutEstimate {
  if (available <= 0) return { expectedHours: 0, earliestHours: 0, latestHours: 0 };
  const crossing = (pick: (point: ForecastPoint) => number): number | null => {
    let used = 0;
    for (const [index, point] of forecast.hourly.entries()) {
      const units = pick(point);
      if (used + units >= available) return index + (units > 0 ? (available - used) / units : 0);
      used += units;
    }
    return null;
  };
  return { expectedHours: crossing((point) => point.expected), earliestHours: crossing((point) => point.upper), latestHours: crossing((point) => point.lower) };
}

/** Units expected between two times (ms since the epoch), hour by hour: a window across an hour's end gets each hour's share. */
export function expectedBetween(model: DemandModel, fromMs: number, toMs: number, parameters = DEFAULT_SMOOTHING): number {
  let expected = 0;
  for (let at = fromMs; at < toMs; ) {
    const hour = Math.floor(at / HOUR_MS);
    const end = Math.min(toMs, (hour + 1) * HOUR_MS);
    expected += (expectedAt(model, hour, parameters) * (end - at)) / HOUR_MS;
    at = end;
  }
  return expected;
}

/** How much more the SKU's hourly sales scatter around the forecast than a Poisson count would (at least 1). */
export function dispersionOf(model: DemandModel): number {
  return model.level > 0 ? Math.max(1, model.errorVariance / model.level) : 1;
}
