// When to reorder a SKU and how much: enough to cover the creator's lead time (per SKU,
// 7 days unless they say otherwise) plus safety stock for a chosen service level, from the
// SKU's demand forecast. "sells ~14/day, lead time 7 days, safety 20 → order 118".
import { probit } from "simple-statistics";
import { DomainError } from "../domain-error.ts";
import type { NewEvent } from "../event-store/index.ts";
import type { InventoryState } from "../inventory/inventory.ts";
import { forecastDemand, type DemandModel } from "./demand-model.ts";

export const DEFAULT_LEAD_TIME_DAYS = 7;
export const DEFAULT_SERVICE_LEVEL = 0.95;

export interface ReorderPolicy {
  leadTimeDays: number;
  /** The chance of not running out while a reorder is on its way, e.g. 0.95. */
  serviceLevel: number;
}

export const defaultReorderPolicy = (): ReorderPolicy => ({ leadTimeDays: DEFAULT_LEAD_TIME_DAYS, serviceLevel: DEFAULT_SERVICE_LEVEL });

export interface ReorderSuggestion {
  dailyRate: number;
  leadTimeDays: number;
  serviceLevel: number;
  safetyStock: number;
  /** Reorder when available stock is at or below this: what sells during the lead time, plus the safety stock. */
  reorderPoint: number;
  /** What to order: the lead time's demand and the safety stock. */
  quantity: number;
  reasoning: string;
}

export function suggestReorder(model: DemandModel, policy: ReorderPolicy = defaultReorderPolicy()): ReorderSuggestion {
  if (!(policy.leadTimeDays > 0) || !(policy.serviceLevel > 0.5 && policy.serviceLevel < 1)) {
    throw new RangeError("lead time must be positive and the service level between 0.5 and 1");
  }
  const hours = Math.ceil(policy.leadTimeDays * 24);
  // The forecast's 68% interval is one standard deviation either side.
  const forecast = forecastDemand(model, hours, 0.6827);
  const leadDemand = forecast.hourly.reduce((sum, point) => sum + point.expected, 0);
  const leadVariance = forecast.hourly.reduce((sum, point) => sum + (point.upper - point.expected) ** 2, 0);
  const safetyStock = Math.ceil(probit(policy.serviceLevel) * Math.sqrt(leadVariance));
  const reorderPoint = Math.ceil(leadDemand) + safetyStock;
  const quantity = Math.max(1, reorderPoint);
  const dailyRate = leadDemand / policy.leadTimeDays;
  const rate = dailyRate >= 10 ? Math.round(dailyRate).toString() : dailyRate.toFixed(1);
  return {
    dailyRate,
    leadTimeDays: policy.leadTimeDays,
    serviceLevel: policy.serviceLevel,
    safetyStock,
    reorderPoint,
    quantity,
    reasoning: `sells ~${rate}/day, lead time ${policy.leadTimeDays} days, safety ${safetyStock} → order ${quantity}`,
  };
}

export const MAX_LEAD_TIME_DAYS = 365;

/** The creator sets how many days a reorder of the SKU takes to arrive: an event when it changes, nothing when it is already so. */
export function decideLeadTime(inventory: InventoryState, leadTimeDays: number): NewEvent<"inventory.lead_time_changed">[] {
  if (inventory.skuId === null) throw new DomainError("not_found", "No such SKU in your inventory");
  if (!Number.isInteger(leadTimeDays) || leadTimeDays < 1 || leadTimeDays > MAX_LEAD_TIME_DAYS) {
    throw new DomainError("validation", `The lead time is a whole number of days from 1 to ${MAX_LEAD_TIME_DAYS}`);
  }
  const current = inventory.leadTimeDays ?? null;
  if (current === leadTimeDays) return [];
  return [{ type: "inventory.lead_time_changed", data: { sku_id: inventory.skuId, lead_time_days: leadTimeDays, previous_lead_time_days: current } }];
}
