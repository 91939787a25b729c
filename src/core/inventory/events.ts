// Inventory events, per product SKU and creator.
import { z } from "zod";
import { channelId } from "../channels/channel-id.ts";
import { MAX_QUANTITY, quantity, skuId, tiktokId, unixSeconds, uuid } from "../shared-schemas.ts";

export const stockSource = z.enum(["tiktok", "manual", "reconciliation", "order", "system", "shopify"]);
/** A shop on a channel other than TikTok: a Shopify shop is named by its myshopify.com domain. */
export const channelShopKey = z.string().regex(/^[0-9A-Za-z._-]{1,255}$/, "must be a shop id or domain");
export const lowStockSeverity = z.enum(["warning", "critical", "emergency"]);
export const conflictType = z.enum(["quantity_mismatch", "concurrent_update", "stale_data"]);
export const conflictResolutionMethod = z.enum([
  "tolerance",
  "source_wins",
  "oversell_protection",
  "pending_reservations",
  // A stale external report loses to the newer local change.
  "newest_wins",
  "keep_local",
  "accept_external",
  "custom",
]);

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
      /** TikTok's distribution: total = available + creator_reserved + campaign_reserved + committed. */
      total: quantity,
      /** What TikTok can still sell: the local available count is the same figure (inventory.ts). */
      available: quantity,
      /** TikTok's holds (for creators and campaigns): units it keeps from sale that no order here holds. */
      creator_reserved: quantity,
      campaign_reserved: quantity,
      committed: quantity,
      low_stock_threshold: quantity.optional(),
      tiktok_update_time: unixSeconds,
      /** The shop that reported it (a webhook's shop, or the shop being imported): a shop that lists the SKU. */
      shop_id: tiktokId.optional(),
      /**
       * For a count read from TikTok here (a shop's import), when the read began, by the
       * database's clock: a push recorded after it may be newer than the count read.
       */
      read_started_at: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  "inventory.reserved": {
    version: 1,
    // `channel`: where the order was placed (absent: TikTok Shop, as before channels were named).
    schema: z.strictObject({ sku_id: skuId, order_id: tiktokId, quantity: quantity.min(1), channel: channelId.optional() }),
  },
  "inventory.released": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      order_id: tiktokId,
      quantity: quantity.min(1),
      reason: z.enum(["cancelled", "compensation", "expired", "shipped"]),
      channel: channelId.optional(),
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
    schema: z.strictObject({
      sku_id: skuId,
      reorder_quantity: quantity.min(1),
      reorder_point: quantity,
      /** Why, from the SKU's demand forecast: "sells ~14/day, lead time 7 days, safety 20 → order 118". */
      reasoning: z.string().max(300).optional(),
      daily_rate: z.number().nonnegative().optional(),
      lead_time_days: z.number().positive().max(365).optional(),
      safety_stock: quantity.optional(),
      service_level: z.number().gt(0.5).lt(1).optional(),
      /** Available when it crossed the reorder point. */
      available: quantity.optional(),
    }),
  },
  // The SKU sells far faster than its forecast expects (a video going viral): with its
  // stock, when it sells out at the current rate.
  "inventory.sales_spike_detected": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      observed_per_hour: z.number().nonnegative(),
      expected_per_hour: z.number().nonnegative(),
      /** -log10 of the chance of selling this many at the expected rate. */
      score: z.number().nonnegative(),
      window_minutes: z.number().int().positive(),
      available: quantity,
      hours_to_stockout: z.number().nonnegative().nullable(),
    }),
  },
  "inventory.sales_spike_ended": {
    version: 1,
    schema: z.strictObject({ sku_id: skuId, observed_per_hour: z.number().nonnegative(), expected_per_hour: z.number().nonnegative() }),
  },
  // How long a reorder of the SKU takes to arrive, as the creator set it: the reorder
  // suggestion covers this many days of demand (7 until set).
  "inventory.lead_time_changed": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      lead_time_days: z.number().int().min(1).max(365),
      previous_lead_time_days: z.number().int().min(1).max(365).nullable(),
    }),
  },
  // The SKU stopped selling though its forecast expects sales (a listing taken down, a video
  // gone cold, orders no longer reaching us): found by the scheduled sales watch, since a SKU
  // that does not sell sends no event. Units over the window, as observed and as expected.
  "inventory.sales_drop_detected": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      observed_units: quantity,
      expected_units: z.number().nonnegative(),
      window_minutes: z.number().int().positive(),
      /** -log10 of the chance of selling this few at the expected rate. */
      score: z.number().nonnegative(),
      last_sale_at: z.iso.datetime({ offset: true }),
    }),
  },
  "inventory.sales_drop_ended": {
    version: 1,
    schema: z.strictObject({ sku_id: skuId, observed_units: quantity, expected_units: z.number().nonnegative(), window_minutes: z.number().int().positive() }),
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
      product_id: tiktokId.optional(),
      /** TikTok's own time for the external value, when it has one (webhook update_time, reconciliation read). */
      external_update_time: unixSeconds.optional(),
      /** The event (an external count, a stock change) that revealed the conflict. */
      trigger_event_id: uuid.optional(),
      /** The channel whose count disagrees (absent: TikTok Shop). */
      channel: channelId.optional(),
      shop_id: channelShopKey.optional(),
    }),
  },
  "inventory.sync_conflict_resolved": {
    version: 1,
    schema: z.strictObject({
      conflict_id: uuid,
      sku_id: skuId,
      method: conflictResolutionMethod,
      winning_value: quantity,
      losing_value: quantity,
      resolved_by: z.string().max(200),
      reason: z.string().max(500).optional(),
      /** Whose value won; "local" means TikTok still has to be told (reconciliation writes it back). */
      winner: z.enum(["local", "external", "custom"]).optional(),
    }),
  },
  "inventory.external_count_pushed": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      product_id: tiktokId,
      /** The total TikTok now holds; `available` is what was sent (TikTok adds its commitments and holds). */
      total: quantity,
      available: quantity,
      conflict_id: uuid.optional(),
      /** The inventory stream version whose count was sent: no later push sends an older one. */
      stream_version: z.number().int().nonnegative().optional(),
      /** TikTok's request id for the update it accepted (a SKU it listed as failed is never recorded as pushed). */
      tiktok_request_id: z.string().max(200).optional(),
      /** Who pushed: the stock outbox (within seconds of a change) or the periodic reconciliation. */
      pushed_by: z.enum(["stock_outbox", "reconciliation"]).optional(),
      /** The shop that was sent the count; absent on pushes recorded before pushes named their shop (then it covers every shop). */
      shop_id: tiktokId.optional(),
    }),
  },
  /** A channel other than TikTok told us its sellable count (Shopify's inventory_levels/update, or a read). */
  "inventory.channel_count_reported": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      channel: channelId,
      shop_id: channelShopKey,
      available: z.number().int().min(-MAX_QUANTITY).max(MAX_QUANTITY),
      /** The channel's ids for writing the count back (Shopify: inventory item and location gids). */
      handles: z.record(z.string().max(50), z.string().max(200)),
      channel_update_time: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  /** The pool's count written to a channel other than TikTok, by compare-and-set where the channel has it. */
  "inventory.channel_count_pushed": {
    version: 1,
    schema: z.strictObject({
      sku_id: skuId,
      channel: channelId,
      shop_id: channelShopKey,
      available: quantity,
      /** What the channel was expected to hold (the compare of the compare-and-set); null: unconditional. */
      expected: z.number().int().min(-MAX_QUANTITY).max(MAX_QUANTITY).nullable(),
      stream_version: z.number().int().nonnegative(),
      reference: z.string().max(200).optional(),
    }),
  },
} as const;

export const inventoryAggregateId = (skuIdValue: string) => `inventory-${skuIdValue}`;
