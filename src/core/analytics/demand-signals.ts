// What a SKU's demand tells the creator to do, decided without storage from its inventory
// and its demand forecast: reorder when available stock crosses the reorder point the
// forecast gives (once until it is restocked), and flag a sales spike while it lasts,
// with when the SKU sells out at the current rate.
import type { NewEvent } from "../event-store/index.ts";
import { available, type InventoryState } from "../inventory/inventory.ts";
import type { DemandModel } from "./demand-model.ts";
import { suggestReorder, type ReorderPolicy } from "./reorder.ts";
import { SPIKE_WINDOW_MINUTES, type SalesAnomaly } from "./sales-anomalies.ts";

/** Below this much history a SKU's forecast is too thin to set a reorder point from. */
export const MIN_HOURS_FOR_REORDER = 72;

export interface DemandSignalInput {
  skuId: string;
  inventory: InventoryState;
  model: DemandModel | null;
  /** The spike check's verdict on the SKU's latest sales. */
  anomaly: SalesAnomaly | null;
  policy: ReorderPolicy;
}

type DemandSignal = NewEvent<"inventory.reorder_triggered" | "inventory.sales_spike_detected" | "inventory.sales_spike_ended">;

export function decideDemandSignals(input: DemandSignalInput): DemandSignal[] {
  const { inventory, skuId, anomaly } = input;
  const events: DemandSignal[] = [];
  const stock = available(inventory);
  if (input.model && input.model.hoursSeen >= MIN_HOURS_FOR_REORDER && !inventory.reorderTriggered) {
    const suggestion = suggestReorder(input.model, input.policy);
    if (stock <= suggestion.reorderPoint) {
      events.push({
        type: "inventory.reorder_triggered",
        data: {
          sku_id: skuId,
          reorder_quantity: suggestion.quantity,
          reorder_point: suggestion.reorderPoint,
          reasoning: suggestion.reasoning,
          daily_rate: suggestion.dailyRate,
          lead_time_days: suggestion.leadTimeDays,
          safety_stock: suggestion.safetyStock,
          service_level: suggestion.serviceLevel,
          available: stock,
        },
      });
    }
  }
  const spiking = anomaly?.kind === "spike";
  if (spiking && !inventory.salesSpike) {
    events.push({
      type: "inventory.sales_spike_detected",
      data: {
        sku_id: skuId,
        observed_per_hour: anomaly.observedPerHour,
        expected_per_hour: anomaly.expectedPerHour,
        score: anomaly.score,
        window_minutes: SPIKE_WINDOW_MINUTES,
        available: stock,
        hours_to_stockout: anomaly.observedPerHour > 0 ? stock / anomaly.observedPerHour : null,
      },
    });
  } else if (!spiking && inventory.salesSpike && input.model) {
    events.push({ type: "inventory.sales_spike_ended", data: { sku_id: skuId, observed_per_hour: anomaly?.observedPerHour ?? 0, expected_per_hour: anomaly?.expectedPerHour ?? 0 } });
  }
  return events;
}
