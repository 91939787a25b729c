// The simulator playing Shopify's webhook side: resource bodies as Shopify sends them for
// the topics the app subscribes to, signed with the app's client secret over the exact
// bytes sent, with Shopify's headers (topic, shop, webhook id, API version, triggered at).
import { LosslessNumber, stringify } from "lossless-json";
import { signShopifyWebhook } from "../../core/channels/shopify/hmac-base64.ts";

/** A 64-bit id written as the JSON number Shopify sends (JSON.stringify of a JS number would round it past 2^53). */
const id64 = (digits: string) => new LosslessNumber(digits);

export const SHOPIFY_API_VERSION = "2026-10";

export interface SimulatedLineItem {
  sku: string;
  quantity: number;
  /** Decimal string, as Shopify sends money. */
  price: string;
  productId?: string;
  variantId?: string;
  title?: string;
}

export interface SimulatedOrder {
  id: string;
  name?: string;
  createdAt: string;
  currency?: string;
  lineItems: SimulatedLineItem[];
  cancelledAt?: string | null;
  cancelReason?: "customer" | "fraud" | "inventory" | "declined" | "staff" | "other" | null;
}

let lineIds = 1_000;

export function orderBody(order: SimulatedOrder): Record<string, unknown> {
  const total = order.lineItems.reduce((sum, line) => sum + Math.round(Number(line.price) * 100) * line.quantity, 0);
  return {
    id: id64(order.id),
    admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
    name: order.name ?? `#${order.id.slice(-4)}`,
    created_at: order.createdAt,
    updated_at: order.createdAt,
    cancelled_at: order.cancelledAt ?? null,
    cancel_reason: order.cancelReason ?? null,
    currency: order.currency ?? "USD",
    financial_status: "paid",
    fulfillment_status: null,
    total_price: (total / 100).toFixed(2),
    line_items: order.lineItems.map((line) => ({
      id: id64(String((lineIds += 1))),
      sku: line.sku,
      quantity: line.quantity,
      price: line.price,
      product_id: id64(line.productId ?? "8000000001"),
      variant_id: id64(line.variantId ?? "9000000001"),
      title: line.title ?? line.sku,
    })),
  };
}

export function inventoryLevelBody(level: { inventoryItemId: string; locationId: string; available: number; updatedAt: string }): Record<string, unknown> {
  return {
    inventory_item_id: id64(level.inventoryItemId),
    location_id: id64(level.locationId),
    available: level.available,
    updated_at: level.updatedAt,
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${level.inventoryItemId}?inventory_item_id=${level.inventoryItemId}`,
  };
}

/** The body's bytes as Shopify would send them, 64-bit ids exact. */
export function serializeShopifyBody(body: unknown): string {
  return stringify(body) ?? "null";
}

export interface SignedShopifyDelivery {
  rawBody: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/** One delivery of `body` on `topic`, signed; `webhookId` repeats on Shopify's retries of it. */
export async function signedShopifyDelivery(input: { clientSecret: string; shopDomain: string; topic: string; body: unknown; webhookId?: string; triggeredAt?: string }): Promise<SignedShopifyDelivery> {
  const rawBody = new TextEncoder().encode(serializeShopifyBody(input.body));
  return {
    rawBody,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": input.topic,
      "x-shopify-shop-domain": input.shopDomain,
      "x-shopify-webhook-id": input.webhookId ?? crypto.randomUUID(),
      "x-shopify-event-id": crypto.randomUUID(),
      "x-shopify-api-version": SHOPIFY_API_VERSION,
      "x-shopify-triggered-at": input.triggeredAt ?? new Date().toISOString(),
      "x-shopify-hmac-sha256": await signShopifyWebhook(input.clientSecret, rawBody),
    },
  };
}

/** Posts a delivery as Shopify does, to the app's webhook URL. */
export function postShopifyDelivery(url: string, delivery: SignedShopifyDelivery): Promise<Response> {
  return fetch(url, { method: "POST", headers: delivery.headers, body: delivery.rawBody });
}
