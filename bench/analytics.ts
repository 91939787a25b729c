// `npm run bench -- analytics`: demand forecasting and anomaly detection, measured on
// simulated sales whose truth is known (src/simulator/demand-history.ts). In process: the
// statistics are pure functions of the core, no database involved.
//
//   forecast_backtest   rolling origin (every day of the last two weeks of six), the next 24 h
//                       by hour and the next 7 days by day: sMAPE of our forecast and of a
//                       seasonal-naive one (the same hour / day a week before); goal: ours at
//                       least 20% lower
//   anomaly_detection   sales replayed minute by minute with labelled spikes (5-10x for 2-4 h)
//                       and drops (nothing sells for 4-6 h): precision, recall and median
//                       delay from onset to detection; goal >= 0.9, >= 0.9, <= 10 min
//   stockout_backtest   the same origins: units sold by 24 h and by 7 days ahead (what a stock-out
//                       time rests on), our forecast against the straight line through the last
//                       day's sales; decides which one the dashboard's stock-out time uses
//   forecast_all_skus   forecasting the next 7 days of each of a 5,000-SKU shop's SKUs from
//                       their models; goal <= 2 s
import { DEFAULT_SMOOTHING, dispersionOf, expectedBetween, forecastDemand, hourIndex, newDemandModel, observeHour, type DemandModel, type SmoothingParameters } from "../src/core/analytics/demand-model.ts";
import { DROP_WINDOW_MINUTES, judgeSales, SPIKE_WINDOW_MINUTES } from "../src/core/analytics/sales-anomalies.ts";
import { createSeededRandom } from "../src/simulator/seeded-random.ts";
import { generateDemandHistory, hourlyTotals, trueRate, type DemandHistory } from "../src/simulator/demand-history.ts";
import { emit, log, round } from "./lib/measure.ts";

export const START = new Date("2026-01-01T00:00:00Z");
const HOUR_MS = 3_600_000;

/** Symmetric MAPE in [0, 2]; a pair of zeros counts as a perfect forecast. */
function smape(forecast: number[], actual: number[]): number {
  let sum = 0;
  for (const [index, value] of forecast.entries()) {
    const denominator = Math.abs(value) + Math.abs(actual[index]!);
    sum += denominator === 0 ? 0 : (2 * Math.abs(value - actual[index]!)) / denominator;
  }
  return sum / forecast.length;
}

const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);

/** Our forecast and the baselines at every origin of the last two weeks (less the last one's week ahead). */
export function backtest(history: DemandHistory, parameters: SmoothingParameters = DEFAULT_SMOOTHING) {
  const scores = { ours24: [] as number[], naive24: [] as number[], ours7: [] as number[], naive7: [] as number[], oursTotals: [] as number[], lineTotals: [] as number[] };
  const firstOrigin = history.days - 14;
  for (const sku of history.skus) {
    const hours = hourlyTotals(sku.minutes);
    let model = newDemandModel(hourIndex(START));
    for (let origin = firstOrigin; origin <= history.days - 7; origin += 1) {
      const originHour = origin * 24;
      for (let hour = model.hoursSeen; hour < originHour; hour += 1) model = observeHour(model, hourIndex(START) + hour, hours[hour]!, parameters);
      const forecast = forecastDemand(model, 7 * 24, 0.8, parameters);
      const next24 = hours.slice(originHour, originHour + 24);
      scores.ours24.push(smape(forecast.hourly.slice(0, 24).map((point) => point.expected), next24));
      scores.naive24.push(smape(hours.slice(originHour - 168, originHour - 144), next24));
      const days = (from: number) => Array.from({ length: 7 }, (_, day) => total(hours.slice(from + day * 24, from + (day + 1) * 24)));
      scores.ours7.push(smape(forecast.daily.map((point) => point.expected), days(originHour)));
      scores.naive7.push(smape(days(originHour - 168).map((_, day) => total(hours.slice(originHour - 168 + (day % 7) * 24, originHour - 168 + (day % 7 + 1) * 24))), days(originHour)));
      // What a stock-out time rests on: units sold by 24 h and by 7 days from now, against the
      // straight line through the last day's sales (the velocity inventory levels show).
      const lastDay = total(hours.slice(originHour - 24, originHour));
      const actualTotals = [total(next24), total(hours.slice(originHour, originHour + 168))];
      scores.oursTotals.push(smape([total(forecast.hourly.slice(0, 24).map((point) => point.expected)), total(forecast.hourly.map((point) => point.expected))], actualTotals));
      scores.lineTotals.push(smape([lastDay, lastDay * 7], actualTotals));
    }
  }
  const mean = (values: number[]) => total(values) / values.length;
  return { ours24: mean(scores.ours24), naive24: mean(scores.naive24), ours7: mean(scores.ours7), naive7: mean(scores.naive7), oursTotals: mean(scores.oursTotals), lineTotals: mean(scores.lineTotals) };
}

interface Detection {
  skuId: string;
  kind: "spike" | "drop";
  at: Date;
}

/** Replays one SKU's sales minute by minute as the live check sees them; detections open an episode that a quiet half hour ends. */
export function detect(history: DemandHistory, skuIndex: number): Detection[] {
  const sku = history.skus[skuIndex]!;
  const detections: Detection[] = [];
  let model = newDemandModel(hourIndex(START));
  let hourUnits = 0;
  let spikeWindow = 0;
  let dropWindow = 0;
  const open: Record<"spike" | "drop", number | null> = { spike: null, drop: null };
  for (let minute = 0; minute < sku.minutes.length; minute += 1) {
    const units = sku.minutes[minute]!;
    spikeWindow += units - (minute >= SPIKE_WINDOW_MINUTES ? sku.minutes[minute - SPIKE_WINDOW_MINUTES]! : 0);
    dropWindow += units - (minute >= DROP_WINDOW_MINUTES ? sku.minutes[minute - DROP_WINDOW_MINUTES]! : 0);
    hourUnits += units;
    if (minute % 60 === 59) {
      model = observeHour(model, hourIndex(START) + Math.floor(minute / 60), hourUnits);
      hourUnits = 0;
    }
    if (model.hoursSeen < 7 * 24) continue;
    const end = START.getTime() + (minute + 1) * 60_000;
    const at = new Date(end - 60_000);
    const expected = (windowMinutes: number) => expectedBetween(model, end - windowMinutes * 60_000, end);
    // A spike is checked as sales arrive; a drop every ten minutes over the longer window.
    const verdicts = [
      units > 0 ? judgeSales(spikeWindow, expected(SPIKE_WINDOW_MINUTES), SPIKE_WINDOW_MINUTES, dispersionOf(model)) : null,
      minute % 10 === 0 ? judgeSales(dropWindow, expected(DROP_WINDOW_MINUTES), DROP_WINDOW_MINUTES, dispersionOf(model)) : null,
    ];
    for (const kind of ["spike", "drop"] as const) {
      const flagged = verdicts.some((verdict) => verdict?.kind === kind);
      if (flagged && open[kind] === null) detections.push({ skuId: sku.skuId, kind, at });
      if (flagged) open[kind] = minute;
      else if (open[kind] !== null && minute - open[kind]! > 30) open[kind] = null;
    }
  }
  return detections;
}

export function scoreDetections(history: DemandHistory, detections: Detection[]) {
  const matched = new Set<number>();
  const delays: number[] = [];
  let truePositives = 0;
  for (const detection of detections) {
    const index = history.anomalies.findIndex(
      (anomaly) => anomaly.skuId === detection.skuId && anomaly.kind === detection.kind && detection.at >= anomaly.start && detection.at.getTime() <= anomaly.end.getTime() + 30 * 60_000,
    );
    if (index < 0) continue;
    truePositives += 1;
    if (!matched.has(index)) {
      matched.add(index);
      delays.push((detection.at.getTime() - history.anomalies[index]!.start.getTime()) / 60_000);
    }
  }
  const spikeDelays = delays.filter((_, index) => history.anomalies[[...matched][index]!]!.kind === "spike").sort((a, b) => a - b);
  const sorted = [...delays].sort((a, b) => a - b);
  return {
    precision: detections.length === 0 ? 1 : truePositives / detections.length,
    recall: matched.size / history.anomalies.length,
    medianDelay: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    medianSpikeDelay: spikeDelays[Math.floor(spikeDelays.length / 2)] ?? Number.NaN,
  };
}

/** A shop's SKUs with four weeks of hourly sales folded into their models (drawn by the hour: fast enough for 5,000). */
function trainedShop(skus: number): DemandModel[] {
  const random = createSeededRandom(5);
  const history = { start: START, days: 28 };
  const poisson = (mean: number) => {
    let count = 0;
    for (let product = random.next(), limit = Math.exp(-mean); product > limit; product *= random.next()) count += 1;
    return count;
  };
  return Array.from({ length: skus }, () => {
    const base = 0.2 + random.next() * 8;
    let model = newDemandModel(hourIndex(START));
    for (let hour = 0; hour < 28 * 24; hour += 1) model = observeHour(model, hourIndex(START) + hour, poisson(trueRate(history, base, 0.1, new Date(START.getTime() + hour * HOUR_MS))));
    return model;
  });
}

export async function run(): Promise<void> {
  log("forecast_backtest: 30 SKUs, 42 days of simulated sales");
  const clean = generateDemandHistory({ seed: 101, skus: 30, days: 42, start: START, trend: 0.2 });
  const result = backtest(clean);
  const smapeOurs = (result.ours24 + result.ours7) / 2;
  const smapeNaive = (result.naive24 + result.naive7) / 2;
  emit({
    name: "forecast_backtest",
    smape: round(smapeOurs, 4),
    naive_smape: round(smapeNaive, 4),
    improvement: round(1 - smapeOurs / smapeNaive, 3),
    smape_24h: round(result.ours24, 4),
    naive_smape_24h: round(result.naive24, 4),
    smape_7d: round(result.ours7, 4),
    naive_smape_7d: round(result.naive7, 4),
    goal_met: smapeOurs <= 0.8 * smapeNaive,
  });
  emit({
    name: "stockout_backtest",
    smape: round(result.oursTotals, 4),
    straight_line_smape: round(result.lineTotals, 4),
    forecast_replaces_straight_line: result.oursTotals < result.lineTotals,
  });

  log("anomaly_detection: 40 SKUs, 35 days, 3 labelled anomalies each");
  const labelled = generateDemandHistory({ seed: 202, skus: 40, days: 35, start: START, anomaliesPerSku: 3, baseRate: { min: 4, max: 30 } });
  const detections = labelled.skus.flatMap((_, index) => detect(labelled, index));
  const scores = scoreDetections(labelled, detections);
  emit({
    name: "anomaly_detection",
    precision: round(scores.precision, 3),
    recall: round(scores.recall, 3),
    median_delay_min: round(scores.medianDelay, 1),
    median_spike_delay_min: round(scores.medianSpikeDelay, 1),
    labelled: labelled.anomalies.length,
    detections: detections.length,
    goal_met: scores.precision >= 0.9 && scores.recall >= 0.9 && scores.medianDelay <= 10,
  });

  log("forecast_all_skus: training 5,000 SKUs' models");
  const models = trainedShop(5_000);
  const started = performance.now();
  let units = 0;
  for (const model of models) units += forecastDemand(model, 7 * 24).daily.reduce((sum, day) => sum + day.expected, 0);
  const elapsedMs = performance.now() - started;
  emit({ name: "forecast_all_skus", skus: models.length, elapsed_ms: round(elapsedMs, 1), per_sku_us: round((elapsedMs * 1000) / models.length, 1), forecast_units_7d: Math.round(units), goal_met: elapsedMs <= 2_000 });
}
