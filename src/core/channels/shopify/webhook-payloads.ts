// Shopify webhook deliveries as they arrive: the topic, shop and delivery id travel in
// headers (X-Shopify-Topic, X-Shopify-Shop-Domain, X-Shopify-Webhook-Id), the body is the
// resource as JSON. Only the fields the engine acts on are checked; Shopify adds fields
// over API versions, so objects are loose. Money is a decimal string (e.g. "19.99").
import { isSafeNumber, parse as parseLossless } from "lossless-json";
import { z } from "zod";
import { isStorableText } from "../../storable-text.ts";

export const SHOPIFY_TOPICS = ["orders/create", "orders/updated", "orders/cancelled", "inventory_levels/update", "app/uninstalled"] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

const shopifyNumericId = z.union([z.number().int().nonnegative(), z.string().regex(/^[0-9]{1,30}$/)]).transform(String);

export const shopifyLineItemSchema = z.looseObject({
  id: shopifyNumericId,
  sku: z.string().max(64).nullable().optional(),
  variant_id: shopifyNumericId.nullable().optional(),
  product_id: shopifyNumericId.nullable().optional(),
  quantity: z.number().int().min(1).max(10_000_000),
  price: z.string().regex(/^[0-9]{1,13}(\.[0-9]{1,4})?$/),
  title: z.string().max(300).optional(),
});

export const shopifyOrderSchema = z.looseObject({
  id: shopifyNumericId,
  name: z.string().max(100).optional(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }).optional(),
  cancelled_at: z.iso.datetime({ offset: true }).nullable().optional(),
  cancel_reason: z.string().max(50).nullable().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  total_price: z.string().regex(/^[0-9]{1,13}(\.[0-9]{1,4})?$/),
  line_items: z.array(shopifyLineItemSchema).max(1000),
});
export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;

export const shopifyInventoryLevelSchema = z.looseObject({
  inventory_item_id: shopifyNumericId,
  location_id: shopifyNumericId,
  available: z.number().int().min(-10_000_000).max(10_000_000).nullable(),
  updated_at: z.iso.datetime({ offset: true }).optional(),
});
export type ShopifyInventoryLevel = z.infer<typeof shopifyInventoryLevelSchema>;

export const shopifyShopSchema = z.looseObject({ id: shopifyNumericId.optional(), myshopify_domain: z.string().max(255).optional() });

/** A shop's permanent domain: `<name>.myshopify.com` (any case; stored lower-case). */
export const shopDomainPattern = /^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$/;

export type ShopifyWebhook =
  | { kind: "order"; topic: "orders/create" | "orders/updated" | "orders/cancelled"; order: ShopifyOrder }
  | { kind: "inventory_level"; topic: "inventory_levels/update"; level: ShopifyInventoryLevel }
  | { kind: "uninstalled"; topic: "app/uninstalled" }
  | { kind: "ignored"; topic: string };

export type ParsedShopifyWebhook =
  | { kind: "valid"; shopDomain: string; webhookId: string; triggeredAt: string | null; webhook: ShopifyWebhook }
  | { kind: "unprocessable"; shopDomain: string | undefined; webhookId: string; reason: string };

/**
 * The delivery's headers and body, checked. `webhookId` keys the inbox: Shopify repeats
 * X-Shopify-Webhook-Id when it retries a delivery, so a retry is recognised as one.
 */
export function parseShopifyWebhook(headers: Headers, rawBody: Uint8Array, fallbackId: string): ParsedShopifyWebhook {
  const shopHeader = headers.get("x-shopify-shop-domain")?.trim().toLowerCase();
  const shopDomain = shopHeader && shopDomainPattern.test(shopHeader) ? shopHeader : undefined;
  const idHeader = headers.get("x-shopify-webhook-id")?.trim();
  const webhookId = idHeader && idHeader.length <= 100 && isStorableText(idHeader) ? idHeader : fallbackId;
  const topic = headers.get("x-shopify-topic")?.trim() ?? "";
  if (!shopDomain) return { kind: "unprocessable", shopDomain, webhookId, reason: "no valid X-Shopify-Shop-Domain header" };
  let json: unknown;
  try {
    json = parseKeepingIds(new TextDecoder("utf-8", { fatal: true }).decode(rawBody));
  } catch {
    return { kind: "unprocessable", shopDomain, webhookId, reason: "the body is not JSON in UTF-8" };
  }
  const triggeredAt = z.iso.datetime({ offset: true }).safeParse(headers.get("x-shopify-triggered-at")?.trim()).data ?? null;
  const checked = checkBody(topic, json);
  if (!checked.ok) return { kind: "unprocessable", shopDomain, webhookId, reason: checked.reason };
  return { kind: "valid", shopDomain, webhookId, triggeredAt, webhook: checked.webhook };
}

/**
 * JSON.parse rounds integers past 2^53, and Shopify's ids are 64-bit (an inventory item id
 * such as 271878346596884015 would come out as another item's). Such numbers are kept as
 * their digits (Shopify's own library parses with lossless-json for the same reason).
 */
function parseKeepingIds(text: string): unknown {
  return parseLossless(text, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits));
}

function checkBody(topic: string, json: unknown): { ok: true; webhook: ShopifyWebhook } | { ok: false; reason: string } {
  const describe = (error: z.ZodError) => `invalid ${topic} body: ${z.prettifyError(error).replace(/\s+/g, " ").trim()}`.slice(0, 500);
  switch (topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled": {
      const order = shopifyOrderSchema.safeParse(json);
      return order.success ? { ok: true, webhook: { kind: "order", topic, order: order.data } } : { ok: false, reason: describe(order.error) };
    }
    case "inventory_levels/update": {
      const level = shopifyInventoryLevelSchema.safeParse(json);
      return level.success ? { ok: true, webhook: { kind: "inventory_level", topic, level: level.data } } : { ok: false, reason: describe(level.error) };
    }
    case "app/uninstalled":
      return { ok: true, webhook: { kind: "uninstalled", topic } };
    default:
      return { ok: true, webhook: { kind: "ignored", topic: topic.slice(0, 100) } };
  }
}
