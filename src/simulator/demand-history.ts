// Sales history with a known truth: per SKU, units sold each minute drawn from a Poisson
// process whose rate has a daily shape (quiet nights, an evening peak), a weekly shape
// (busier weekends), a slow trend, and labelled anomalies: spikes (a video going viral,
// 5x to 10x for a few hours) and drops (a listing suppressed, nothing sells). Forecast
// backtests and anomaly detection are measured against it (bench/analytics.ts), and the
// simulator replays it as orders (--history-days, --anomalies).
import { createSeededRandom, type SeededRandom } from "./seeded-random.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Relative demand by UTC hour of day: low at night, a lunchtime bump, an evening peak. */
export const DAILY_SHAPE = [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.0, 1.8, 1.2, 0.6];
/** Relative demand by day of the week, from the epoch's weekday (Thursday): weekends busier. */
export const WEEKLY_SHAPE = [0.9, 1.0, 1.3, 1.4, 0.8, 0.8, 0.8];

export interface LabelledAnomaly {
  skuId: string;
  kind: "spike" | "drop";
  start: Date;
  end: Date;
  /** Rate multiplier while it lasts (0 for a drop). */
  factor: number;
}

export interface SkuHistory {
  skuId: string;
  /** Units per hour on an average hour, before the trend. */
  baseRate: number;
  /** Units sold per minute, from `start`. */
  minutes: Uint16Array;
}

export interface DemandHistory {
  start: Date;
  days: number;
  skus: SkuHistory[];
  anomalies: LabelledAnomaly[];
}

export interface DemandHistoryOptions {
  seed?: number;
  skus: number;
  /** The SKUs' ids (a shop's own); SIM-00001... when absent. */
  skuIds?: readonly string[];
  days: number;
  /** Midnight UTC of the first day. */
  start: Date;
  /** Labelled anomalies per SKU over the whole history (spikes and drops alternate). */
  anomaliesPerSku?: number;
  /** Growth over the whole history, e.g. 0.2 for +20%. */
  trend?: number;
  /** Base rates are drawn between these (units per hour). */
  baseRate?: { min: number; max: number };
}

function poisson(random: SeededRandom, mean: number): number {
  if (mean <= 0) return 0;
  // Knuth's method: means per minute stay small.
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random.next();
  while (product > limit) {
    count += 1;
    product *= random.next();
  }
  return count;
}

/** The true expected units per hour of a SKU at `at`, without anomalies. */
export function trueRate(history: Pick<DemandHistory, "start" | "days">, baseRate: number, trend: number, at: Date): number {
  const hour = Math.floor(at.getTime() / HOUR_MS);
  const progress = (at.getTime() - history.start.getTime()) / (history.days * 24 * HOUR_MS);
  return baseRate * (1 + trend * progress) * DAILY_SHAPE[((hour % 24) + 24) % 24]! * WEEKLY_SHAPE[((Math.floor(hour / 24) % 7) + 7) % 7]!;
}

function plannedAnomalies(random: SeededRandom, skuId: string, options: DemandHistoryOptions): LabelledAnomaly[] {
  const count = options.anomaliesPerSku ?? 0;
  const anomalies: LabelledAnomaly[] = [];
  // Anomalies start after the first two weeks (there is something to learn from) and do not overlap.
  const firstDay = Math.min(14, Math.max(1, options.days - 3));
  const slots = Math.max(1, options.days - firstDay - 1);
  for (let index = 0; index < count; index += 1) {
    const day = firstDay + Math.floor(((index + random.next() * 0.5) * slots) / count);
    const hour = random.int(9, 20);
    const start = new Date(options.start.getTime() + (day * 24 + hour) * HOUR_MS + random.int(0, 59) * MINUTE_MS);
    const spike = index % 2 === 0;
    const hours = spike ? random.int(2, 4) : random.int(4, 6);
    anomalies.push({ skuId, kind: spike ? "spike" : "drop", start, end: new Date(start.getTime() + hours * HOUR_MS), factor: spike ? random.int(5, 10) : 0 });
  }
  return anomalies;
}

export function generateDemandHistory(options: DemandHistoryOptions): DemandHistory {
  const random = createSeededRandom(options.seed ?? 17);
  const history = { start: options.start, days: options.days };
  const minutesTotal = options.days * 24 * 60;
  const { min, max } = options.baseRate ?? { min: 2, max: 30 };
  const trend = options.trend ?? 0.15;
  const skus: SkuHistory[] = [];
  const anomalies: LabelledAnomaly[] = [];
  for (let index = 0; index < options.skus; index += 1) {
    const skuId = options.skuIds?.[index] ?? `SIM-${String(index + 1).padStart(5, "0")}`;
    const baseRate = min + random.next() * (max - min);
    const own = plannedAnomalies(random, skuId, options);
    anomalies.push(...own);
    const minutes = new Uint16Array(minutesTotal);
    for (let minute = 0; minute < minutesTotal; minute += 1) {
      const at = new Date(options.start.getTime() + minute * MINUTE_MS);
      const anomaly = own.find((candidate) => at >= candidate.start && at < candidate.end);
      const rate = trueRate(history, baseRate, trend, at) * (anomaly ? anomaly.factor : 1);
      minutes[minute] = poisson(random, rate / 60);
    }
    skus.push({ skuId, baseRate, minutes });
  }
  return { ...history, skus, anomalies };
}

/** Units sold per hour, from per-minute counts. */
export function hourlyTotals(minutes: Uint16Array): number[] {
  const hours: number[] = [];
  for (let start = 0; start < minutes.length; start += 60) {
    let sum = 0;
    for (let minute = start; minute < Math.min(start + 60, minutes.length); minute += 1) sum += minutes[minute]!;
    hours.push(sum);
  }
  return hours;
}
