// The simulator playing Shopify's webhook side: resource bodies as Shopify sends them for
// the topics the app subscribes to, signed with the app's client secret over the exact
// bytes sent, with Shopify's headers (topic, shop, webhook id, API version, triggered at).
import { signShopifyWebhook } from "../../core/channels/shopify/hmac-base64.ts";

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
    id: Number(order.id),
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
      id: (lineIds += 1),
      sku: line.sku,
      quantity: line.quantity,
      price: line.price,
      product_id: Number(line.productId ?? "8000000001"),
      variant_id: Number(line.variantId ?? "9000000001"),
      title: line.title ?? line.sku,
    })),
  };
}

export function inventoryLevelBody(level: { inventoryItemId: string; locationId: string; available: number; updatedAt: string }): Record<string, unknown> {
  return {
    inventory_item_id: Number(level.inventoryItemId),
    location_id: Number(level.locationId),
    available: level.available,
    updated_at: level.updatedAt,
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${level.inventoryItemId}?inventory_item_id=${level.inventoryItemId}`,
  };
}

export interface SignedShopifyDelivery {
  rawBody: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/** One delivery of `body` on `topic`, signed; `webhookId` repeats on Shopify's retries of it. */
export async function signedShopifyDelivery(input: { clientSecret: string; shopDomain: string; topic: string; body: unknown; webhookId?: string; triggeredAt?: string }): Promise<SignedShopifyDelivery> {
  const rawBody = new TextEncoder().encode(JSON.stringify(input.body));
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
