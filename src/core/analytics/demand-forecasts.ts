// Each SKU's demand, folded from the orders that sell it (order.validated names each
// item's SKU and quantity): the hour in progress is counted, and when an hour ends it is
// folded into the SKU's demand model (demand-model.ts), so a forecast costs O(1) per
// order, never a rescan of history. The last two hours' sales are kept by the minute for the
// spike and drop checks (sales-anomalies.ts, sales-watch.ts). Pure; the table is declared in demand-forecasts-projection.ts.
import type { StoredEvent } from "../event-store/index.ts";
import type { Folded } from "../projections/projection.ts";
import { advanceTo, dispersionOf, expectedBetween, forecastDemand, hourIndex, newDemandModel, observeHour, type DemandForecast, type DemandModel, type SeasonalProfiles } from "./demand-model.ts";
import { DROP_WINDOW_MINUTES, judgeSales, SPIKE_WINDOW_MINUTES, type SalesAnomaly } from "./sales-anomalies.ts";

const MINUTE_MS = 60_000;
const HISTORY_HOURS = 7 * 24;

export interface SkuDemand {
  creatorId: string;
  skuId: string;
  /** Folded through the hour before `currentHour`. */
  model: DemandModel;
  currentHour: number;
  currentUnits: number;
  /** Units sold in each of the last hours folded (up to a week, oldest first), for the SKU's chart. */
  history?: number[];
  /** Units by minute (minutes since the epoch) over the drop window (the longer one), oldest first. */
  recent: [minute: number, units: number][];
  lastSaleAt: Date;
  /** The last event folded in, in consumer order: an event at or before it is not folded again. */
  folded: { transactionId: string; position: number };
}

export interface DemandState {
  /** By `demandKey`. */
  skus: ReadonlyMap<string, SkuDemand>;
  /**
   * Each creator's seasonal profiles (hour of day, day of week) from their SKUs with a week of
   * history, by creator id: where a new SKU's model starts, so its first days already follow
   * the shop's evening peak and busy weekends instead of a flat line.
   */
  shopProfiles: ReadonlyMap<string, SeasonalProfiles>;
}

export const noDemand = (): DemandState => ({ skus: new Map(), shopProfiles: new Map() });

/** Below this much history a SKU's profiles say little about the shop's. */
export const MIN_HOURS_FOR_SHOP_PROFILE = 7 * 24;

/** The shop's profiles: its established SKUs' factors, weighted by what each sells (null when none is established). */
export function shopProfileOf(models: readonly Pick<DemandModel, "daily" | "weekly" | "level" | "hoursSeen">[]): SeasonalProfiles | null {
  const established = models.filter((model) => model.hoursSeen >= MIN_HOURS_FOR_SHOP_PROFILE && model.level > 0);
  const weight = established.reduce((sum, model) => sum + model.level, 0);
  if (weight === 0) return null;
  const blend = (pick: (model: (typeof established)[number]) => number[], length: number) =>
    Array.from({ length }, (_, slot) => established.reduce((sum, model) => sum + pick(model)[slot]! * model.level, 0) / weight);
  return { daily: blend((model) => model.daily, 24), weekly: blend((model) => model.weekly, 7) };
}

export const demandKey = (creatorId: string, skuId: string) => `${creatorId}|${skuId}`;

function isAfter(event: StoredEvent, cursor: SkuDemand["folded"]): boolean {
  const transaction = BigInt(event.transactionId);
  const folded = BigInt(cursor.transactionId);
  return transaction > folded || (transaction === folded && event.position > cursor.position);
}

/** Units per SKU an event sells. */
export function unitsSold(event: StoredEvent): Map<string, number> {
  const units = new Map<string, number>();
  if (event.type !== "order.validated") return units;
  for (const item of event.data.items) units.set(item.sku_id, (units.get(item.sku_id) ?? 0) + item.quantity);
  return units;
}

/** The SKU's demand with `units` sold at `at`. */
export function recordSale(current: SkuDemand | undefined, creatorId: string, skuId: string, units: number, at: Date, folded: SkuDemand["folded"], shopProfile?: SeasonalProfiles): SkuDemand {
  const hour = hourIndex(at);
  const minute = Math.floor(at.getTime() / MINUTE_MS);
  let demand = current ?? { creatorId, skuId, model: newDemandModel(hour, shopProfile), currentHour: hour, currentUnits: 0, recent: [], lastSaleAt: at, folded };
  if (hour > demand.currentHour) {
    // The hour in progress has ended: fold it, and the silent hours since, into the model.
    const model = observeHour(advanceTo(demand.model, demand.currentHour), demand.currentHour, demand.currentUnits);
    const silentHours = Math.min(HISTORY_HOURS, hour - demand.currentHour - 1);
    const history = [...(demand.history ?? []), demand.currentUnits, ...Array<number>(silentHours).fill(0)].slice(-HISTORY_HOURS);
    demand = { ...demand, model: advanceTo(model, hour), currentHour: hour, currentUnits: 0, history };
  }
  // A late sale of an hour already folded counts in the hour in progress: close enough for demand.
  const recent = demand.recent.filter(([at]) => at > minute - DROP_WINDOW_MINUTES);
  const last = recent.at(-1);
  if (last && last[0] === minute) recent[recent.length - 1] = [minute, last[1] + units];
  else recent.push([minute, units]);
  return { ...demand, currentUnits: demand.currentUnits + units, recent, lastSaleAt: at > demand.lastSaleAt ? at : demand.lastSaleAt, folded };
}

/** The forecast from the hour in progress on (its first point is that hour). */
export function demandForecast(demand: SkuDemand, hours = 7 * 24): DemandForecast {
  return forecastDemand(demand.model, hours);
}

/** Units sold over the spike window ending at the latest sale. */
export function recentUnits(demand: SkuDemand): number {
  const latest = Math.floor(demand.lastSaleAt.getTime() / MINUTE_MS);
  return demand.recent.filter(([minute]) => minute > latest - SPIKE_WINDOW_MINUTES).reduce((sum, [, units]) => sum + units, 0);
}

/** Units sold in the `windowMinutes` up to and including the minute of `at`. */
export function unitsBefore(demand: SkuDemand, at: Date, windowMinutes: number): number {
  const minute = Math.floor(at.getTime() / MINUTE_MS);
  return demand.recent.filter(([sold]) => sold > minute - windowMinutes && sold <= minute).reduce((sum, [, units]) => sum + units, 0);
}

/** A spike (or a drop) in the SKU's latest sales against what the forecast expected for this hour. */
export function salesAnomalyOf(demand: SkuDemand): SalesAnomaly | null {
  // Below a day of history the model knows too little to call anything unusual.
  if (demand.model.hoursSeen < 24) return null;
  const end = (Math.floor(demand.lastSaleAt.getTime() / MINUTE_MS) + 1) * MINUTE_MS;
  return judgeSales(recentUnits(demand), expectedBetween(demand.model, end - SPIKE_WINDOW_MINUTES * MINUTE_MS, end), SPIKE_WINDOW_MINUTES, dispersionOf(demand.model));
}

/** The SKUs' demand with the batch's sales folded in; writes are the SKUs that sold. */
export function foldDemand(state: DemandState, events: readonly StoredEvent[]): Folded<DemandState, SkuDemand[]> {
  const next = new Map(state.skus);
  const changed = new Map<string, SkuDemand>();
  for (const event of events) {
    for (const [skuId, units] of unitsSold(event)) {
      const key = demandKey(event.creatorId, skuId);
      const current = next.get(key);
      if (current && !isAfter(event, current.folded)) continue;
      const demand = recordSale(current, event.creatorId, skuId, units, event.occurredAt, { transactionId: event.transactionId, position: event.position }, state.shopProfiles.get(event.creatorId));
      next.set(key, demand);
      changed.set(key, demand);
    }
  }
  return { state: { skus: next, shopProfiles: state.shopProfiles }, writes: [...changed.values()] };
}
