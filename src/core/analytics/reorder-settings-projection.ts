// The reorder settings projection: each SKU's lead time as the creator last set it
// (inventory.lead_time_changed), in reorder_settings, which the reorder suggestion reads (the
// demand-signals consumer and the SKU's chart). A SKU without a row gets 7 days. The service
// level keeps the table's default (95%) until a creator can set it.
import type { StoredEvent } from "../event-store/index.ts";
import { defineProjection, type Folded } from "../projections/projection.ts";
import { upsertRows } from "../projections/read-model-storage.ts";

const reorderSettingsTable = { name: "reorder_settings", key: ["creator_id", "sku_id"] };

export interface LeadTimeSetting {
  creatorId: string;
  skuId: string;
  leadTimeDays: number;
}

/** The latest lead time per SKU in the batch: what the table must say after it. */
export function foldLeadTimes(events: readonly StoredEvent[]): Folded<null, LeadTimeSetting[]> {
  const latest = new Map<string, LeadTimeSetting>();
  for (const event of events) {
    if (event.type !== "inventory.lead_time_changed") continue;
    latest.set(`${event.creatorId}|${event.data.sku_id}`, { creatorId: event.creatorId, skuId: event.data.sku_id, leadTimeDays: event.data.lead_time_days });
  }
  return { state: null, writes: [...latest.values()] };
}

export const reorderSettingsProjection = defineProjection<null, LeadTimeSetting[]>({
  name: "projection-reorder-settings",
  handles: ["inventory.lead_time_changed"],
  tables: [reorderSettingsTable],
  batchSize: 500,
  initialState: () => null,
  fold: (_state, events) => foldLeadTimes(events),
  storage: {
    load: async () => null,
    save: (context, settings) =>
      upsertRows(context, reorderSettingsTable, settings.map((setting) => ({ creator_id: setting.creatorId, sku_id: setting.skuId, lead_time_days: setting.leadTimeDays }))),
  },
});
