// The sales watch, decided without storage: what a SKU's sales look like now against its
// forecast, and what that changes. A SKU that stops selling (a listing taken down, a video
// gone cold) sends no event, so this is judged on a schedule (sales-watch-job.ts), not at a
// sale: a drop starts when the last two hours sold far below what the forecast expected, and
// ends when they no longer do; a spike flagged at a sale ends once the last ten minutes are
// ordinary again, even if no stock moves to say so.
import type { NewEvent } from "../event-store/index.ts";
import { available, type InventoryState } from "../inventory/inventory.ts";
import { unitsBefore, type SkuDemand } from "./demand-forecasts.ts";
import { dispersionOf, expectedBetween } from "./demand-model.ts";
import { DROP_WINDOW_MINUTES, judgeSales, SPIKE_WINDOW_MINUTES } from "./sales-anomalies.ts";

const MINUTE_MS = 60_000;
/** A week of history: the weekly profile is learned, so a quiet Sunday morning is not a drop. */
export const MIN_HOURS_FOR_DROP = 7 * 24;
/** A day, as for flagging a spike (demand-forecasts.ts): a spike flagged then can end then. */
export const MIN_HOURS_FOR_WATCH = 24;

export interface SalesNow {
  /** Units sold over the drop window up to now, and the units the forecast expected. */
  dropWindow: { observed: number; expected: number };
  /** A drop: the drop window sold far below its expectation. */
  dropping: boolean;
  dropScore: number;
  /** The last ten minutes still sell far above their expectation. */
  spiking: boolean;
}

function windowAt(demand: SkuDemand, now: Date, minutes: number) {
  const end = (Math.floor(now.getTime() / MINUTE_MS) + 1) * MINUTE_MS;
  return { observed: unitsBefore(demand, now, minutes), expected: expectedBetween(demand.model, end - minutes * MINUTE_MS, end) };
}

/** The SKU's sales as of `now` (never a drop before a week of history); null before a day of it. */
export function salesNow(demand: SkuDemand, now: Date): SalesNow | null {
  if (demand.model.hoursSeen < MIN_HOURS_FOR_WATCH) return null;
  const dispersion = dispersionOf(demand.model);
  const drop = windowAt(demand, now, DROP_WINDOW_MINUTES);
  const dropVerdict = judgeSales(drop.observed, drop.expected, DROP_WINDOW_MINUTES, dispersion);
  const spike = windowAt(demand, now, SPIKE_WINDOW_MINUTES);
  const spikeVerdict = judgeSales(spike.observed, spike.expected, SPIKE_WINDOW_MINUTES, dispersion);
  return {
    dropWindow: { observed: drop.observed, expected: Math.round(drop.expected * 100) / 100 },
    dropping: dropVerdict?.kind === "drop" && demand.model.hoursSeen >= MIN_HOURS_FOR_DROP,
    dropScore: dropVerdict?.kind === "drop" ? dropVerdict.score : 0,
    spiking: spikeVerdict?.kind === "spike",
  };
}

type WatchEvent = NewEvent<"inventory.sales_drop_detected" | "inventory.sales_drop_ended" | "inventory.sales_spike_ended">;

/**
 * What the sales watch records for one SKU: a drop starting or ending, a spike ending. A SKU
 * with nothing available is sold out, not dropping (the low-stock alert says so): its drop, if
 * one was open, ends.
 */
export function decideSalesWatch(input: { skuId: string; inventory: InventoryState; sales: SalesNow; lastSaleAt: Date }): WatchEvent[] {
  const { inventory, sales, skuId } = input;
  const events: WatchEvent[] = [];
  const window = { observed_units: sales.dropWindow.observed, expected_units: sales.dropWindow.expected, window_minutes: DROP_WINDOW_MINUTES };
  const dropping = sales.dropping && available(inventory) > 0;
  if (dropping && !inventory.salesDrop) {
    events.push({ type: "inventory.sales_drop_detected", data: { sku_id: skuId, ...window, score: sales.dropScore, last_sale_at: input.lastSaleAt.toISOString() } });
  } else if (!dropping && inventory.salesDrop) {
    events.push({ type: "inventory.sales_drop_ended", data: { sku_id: skuId, ...window } });
  }
  if (inventory.salesSpike && !sales.spiking) {
    const perHour = (units: number, minutes: number) => (units * 60) / minutes;
    events.push({
      type: "inventory.sales_spike_ended",
      data: { sku_id: skuId, observed_per_hour: perHour(sales.dropWindow.observed, DROP_WINDOW_MINUTES), expected_per_hour: perHour(sales.dropWindow.expected, DROP_WINDOW_MINUTES) },
    });
  }
  return events;
}
