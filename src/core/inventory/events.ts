// Inventory events, per product SKU and creator.
import { z } from "zod";
import { quantity, skuId, tiktokId, unixSeconds, uuid } from "../shared-schemas.ts";

export const stockSource = z.enum(["tiktok", "manual", "reconciliation", "order", "system"]);
export const lowStockSeverity = z.enum(["warning", "critical", "emergency"]);
export const conflictType = z.enum(["quantity_mismatch", "concurrent_update", "stale_data"]);

export const inventoryEvents = {
  "inventory.stock_updated": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      product_id: tiktokId.optional(),
      previous_total: quantity,
      new_total: quantity,
      source: stockSource,
      reason: z.string().max(500).optional(),
    }),
  },
  "inventory.external_count_reported": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      product_id: tiktokId,
      inventory_status: z.string().max(50),
      total: quantity,
      available: quantity,
      creator_reserved: quantity,
      campaign_reserved: quantity,
      committed: quantity,
      low_stock_threshold: quantity.optional(),
      tiktok_update_time: unixSeconds,
    }),
  },
  "inventory.reserved": {
    version: 1,
    schema: z.strictObject({ sku_id: skuId, order_id: tiktokId, quantity: quantity.min(1) }),
  },
  "inventory.released": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      order_id: tiktokId,
      quantity: quantity.min(1),
      reason: z.enum(["cancelled", "compensation", "expired", "shipped"]),
    }),
  },
  "inventory.low_stock_detected": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      available: quantity,
      reorder_point: quantity,
      severity: lowStockSeverity,
      hours_to_stockout: z.number().nonnegative().nullable(),
    }),
  },
  "inventory.reorder_triggered": {
    version: 1,
    schema: z.strictObject({ sku_id: skuId, reorder_quantity: quantity.min(1), reorder_point: quantity }),
  },
  "inventory.sync_conflict_detected": {
    version: 1,
    schema: z.strictObject({
      conflict_id: uuid,
      sku_id: skuId,
      conflict_type: conflictType,
      local_value: quantity,
      external_value: quantity,
      source: stockSource,
    }),
  },
  "inventory.sync_conflict_resolved": {
    version: 1,
    schema: z.strictObject({
      conflict_id: uuid,
      sku_id: skuId,
      method: z.enum(["tolerance", "source_wins", "oversell_protection", "pending_reservations", "keep_local", "accept_external", "custom"]),
      winning_value: quantity,
      losing_value: quantity,
      resolved_by: z.string().max(200),
      reason: z.string().max(500).optional(),
    }),
  },
} as const;

export const inventoryAggregateId = (skuIdValue: string) => `inventory-${skuIdValue}`;
