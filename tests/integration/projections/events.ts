// Valid events for the projection tests, with the time they happened.
import type { EventData } from "../../../src/core/event-catalogue.ts";
import type { NewEvent } from "../../../src/core/event-store/index.ts";

export { uniqueId } from "../../test-data.ts";

export const at = (iso: string) => new Date(iso);

export const received = (orderId: string, occurredAt: Date, extra: { total_minor?: number; currency?: string; is_on_hold?: boolean } = {}): NewEvent => ({
  type: "order.received_from_tiktok",
  occurredAt,
  data: {
    order_id: orderId,
    shop_id: "7494726673780148744",
    tiktok_status: extra.is_on_hold ? "ON_HOLD" : "AWAITING_SHIPMENT",
    is_on_hold: extra.is_on_hold ?? false,
    tiktok_update_time: Math.floor(occurredAt.getTime() / 1000),
    ...(extra.total_minor === undefined ? {} : { total_minor: extra.total_minor, currency: extra.currency ?? "USD" }),
  },
});

export const validated = (orderId: string, occurredAt: Date, totalMinor: number, currency = "USD"): NewEvent => ({
  type: "order.validated",
  occurredAt,
  data: {
    order_id: orderId,
    items: [{ sku_id: "SKU-1", product_id: "P1", quantity: 2, unit_price_minor: totalMinor / 2 - 100 }],
    subtotal_minor: totalMinor - 200,
    shipping_minor: 200,
    total_minor: totalMinor,
    currency,
  },
});

export const shipped = (orderId: string, occurredAt: Date): NewEvent => ({
  type: "order.shipped",
  occurredAt,
  data: { order_id: orderId, carrier: "USPS", tracking_number: "9400100000000000000000" },
});

export const cancelled = (orderId: string, occurredAt: Date): NewEvent => ({
  type: "order.cancelled",
  occurredAt,
  data: { order_id: orderId, cancelled_by: "buyer", reason: "changed mind" },
});

export const refunded = (orderId: string, occurredAt: Date, amountMinor?: number): NewEvent => ({
  type: "order.refunded",
  occurredAt,
  data: { order_id: orderId, ...(amountMinor === undefined ? {} : { amount_minor: amountMinor, currency: "USD" }) },
});

export const stockUpdated = (skuId: string, occurredAt: Date, previousTotal: number, newTotal: number, source: EventData<"inventory.stock_updated">["source"] = "manual"): NewEvent => ({
  type: "inventory.stock_updated",
  occurredAt,
  data: { sku_id: skuId, previous_total: previousTotal, new_total: newTotal, source },
});

export const reserved = (skuId: string, occurredAt: Date, orderId: string, quantity: number): NewEvent => ({
  type: "inventory.reserved",
  occurredAt,
  data: { sku_id: skuId, order_id: orderId, quantity },
});

export const released = (skuId: string, occurredAt: Date, orderId: string, quantity: number, reason: EventData<"inventory.released">["reason"] = "cancelled"): NewEvent => ({
  type: "inventory.released",
  occurredAt,
  data: { sku_id: skuId, order_id: orderId, quantity, reason },
});

export const lowStockDetected = (skuId: string, occurredAt: Date, available: number, severity: "warning" | "critical" | "emergency"): NewEvent => ({
  type: "inventory.low_stock_detected",
  occurredAt,
  data: { sku_id: skuId, available, reorder_point: 10, severity, hours_to_stockout: 30 },
});

export const conflictDetected = (skuId: string, occurredAt: Date, conflictId: string): NewEvent => ({
  type: "inventory.sync_conflict_detected",
  occurredAt,
  data: { conflict_id: conflictId, sku_id: skuId, conflict_type: "quantity_mismatch", local_value: 8, external_value: 12, source: "tiktok" },
});

export const conflictResolved = (skuId: string, occurredAt: Date, conflictId: string): NewEvent => ({
  type: "inventory.sync_conflict_resolved",
  occurredAt,
  data: { conflict_id: conflictId, sku_id: skuId, method: "source_wins", winning_value: 12, losing_value: 8, resolved_by: "system" },
});

export const syncFailure = (occurredAt: Date, source: string, reference?: string): NewEvent => ({
  type: "system.sync_failure_detected",
  occurredAt,
  data: { source, reason: "TikTok API answered 503", ...(reference ? { reference } : {}) },
});

export const recovered = (occurredAt: Date, component: string): NewEvent => ({
  type: "system.recovery_completed",
  occurredAt,
  data: { component },
});

/** A Shopify order as the shopify-webhook function records it (its items reserve from the pool at once). */
export const receivedFromShopify = (orderId: string, occurredAt: Date, totalMinor: number, skuId = "SKU-SHOPIFY", shopDomain = "dashboard-store.myshopify.com"): NewEvent => ({
  type: "order.received_from_channel",
  occurredAt,
  data: {
    order_id: orderId,
    channel: "shopify",
    shop_id: shopDomain,
    channel_order_id: orderId.replace(/^shopify-/, ""),
    items: [{ sku_id: skuId, product_id: "1", quantity: 1, unit_price_minor: totalMinor }],
    total_minor: totalMinor,
    currency: "USD",
    placed_at: occurredAt.toISOString(),
  },
});

/** The pool's count written to a Shopify store by the channel stock outbox. */
export const pushedToShopify = (skuId: string, occurredAt: Date, available: number, streamVersion: number, shopDomain = "dashboard-store.myshopify.com"): NewEvent => ({
  type: "inventory.channel_count_pushed",
  occurredAt,
  data: { sku_id: skuId, channel: "shopify", shop_id: shopDomain, available, expected: null, stream_version: streamVersion },
});
