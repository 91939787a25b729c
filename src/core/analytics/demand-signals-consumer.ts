// The consumer that turns each SKU's demand forecast into actions as its stock moves:
// reorder suggestions (inventory.reorder_triggered, with their reasoning) and sales
// spikes (inventory.sales_spike_detected / _ended), appended to the SKU's inventory
// stream. Not transactional: it appends events, at least once, idempotent per triggering
// event (the command id) and by the inventory state (a reorder already suggested, a spike
// already flagged, is not raised again). The forecast is read from the demand_forecasts
// read model, which may be a batch behind: a spike is then seen at the next sale.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin, reactionTo } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState } from "../inventory/inventory.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import { salesAnomalyOf, type SkuDemand } from "./demand-forecasts.ts";
import { decideDemandSignals } from "./demand-signals.ts";
import { defaultReorderPolicy, type ReorderPolicy } from "./reorder.ts";

export const DEMAND_SIGNALS_CONSUMER = "demand-signals";

async function loadForecast(sql: Sql, creatorId: string, skuId: string): Promise<SkuDemand | null> {
  const [row] = await sql<{ state: Omit<SkuDemand, "lastSaleAt"> & { lastSaleAt: string } }[]>`
    select state from public.demand_forecasts where creator_id = ${creatorId} and sku_id = ${skuId}`;
  return row ? { ...row.state, lastSaleAt: new Date(row.state.lastSaleAt) } : null;
}

async function loadPolicy(sql: Sql, creatorId: string, skuId: string): Promise<ReorderPolicy> {
  const [row] = await sql<{ lead_time_days: string; service_level: string }[]>`
    select lead_time_days, service_level from public.reorder_settings where creator_id = ${creatorId} and sku_id = ${skuId}`;
  return row ? { leadTimeDays: Number(row.lead_time_days), serviceLevel: Number(row.service_level) } : defaultReorderPolicy();
}

/** The last event of each (creator, SKU) in the batch: one decision per SKU, on its latest state. */
function latestPerSku(events: readonly StoredEvent[]): { event: StoredEvent; skuId: string }[] {
  const latest = new Map<string, { event: StoredEvent; skuId: string }>();
  for (const event of events) {
    if (event.type !== "inventory.reserved" && event.type !== "inventory.stock_updated") continue;
    if (event.aggregateId !== inventoryAggregateId(event.data.sku_id)) continue;
    latest.set(`${event.creatorId}|${event.data.sku_id}`, { event, skuId: event.data.sku_id });
  }
  return [...latest.values()];
}

// Replays re-derive nothing (a reactor skips them): the signals are already events.
export function createDemandSignalsConsumer(): Consumer {
  return reactorConsumer({
    name: DEMAND_SIGNALS_CONSUMER,
    handles: ["inventory.reserved", "inventory.stock_updated"],
    batchSize: 200,
    async react(events, { sql, store }) {
      for (const { event, skuId } of latestPerSku(events)) {
        const [demand, policy] = await Promise.all([loadForecast(sql, event.creatorId, skuId), loadPolicy(sql, event.creatorId, skuId)]);
        if (!demand) continue;
        await handleCommand({
          store,
          creatorId: event.creatorId,
          aggregateId: event.aggregateId,
          aggregateType: "inventory",
          initialState: initialInventoryState,
          evolve: evolveInventory,
          snapshotSchemaVersion: INVENTORY_STATE_VERSION,
          commandId: `${DEMAND_SIGNALS_CONSUMER}:${event.id}`,
          metadata: automatedOrigin(DEMAND_SIGNALS_CONSUMER, reactionTo(event)),
          decide: (inventory) => decideDemandSignals({ skuId, inventory, model: demand.model, anomaly: salesAnomalyOf(demand), policy }),
        });
      }
    },
  });
}
