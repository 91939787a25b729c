// Shopify deliveries to domain events, as specifications: given what the order's stream
// holds, this delivery records these events (or none).
import { describe, expect, it } from "vitest";
import { mapShopifyInventoryLevel, mapShopifyOrder } from "../../../src/core/channels/shopify/webhook-mapping.ts";
import { parseShopifyWebhook, type ShopifyOrder } from "../../../src/core/channels/shopify/webhook-payloads.ts";
import { orderBody, serializeShopifyBody } from "../../../src/simulator/shopify/shopify-webhooks.ts";

const shop = "maps.myshopify.com";

/** The body as Shopify sends it, through the same parsing as a delivery (64-bit ids exact). */
function received(body: unknown): ShopifyOrder {
  const parsed = parseShopifyWebhook(new Headers({ "x-shopify-shop-domain": shop, "x-shopify-topic": "orders/create" }), new TextEncoder().encode(serializeShopifyBody(body)), "id");
  if (parsed.kind !== "valid" || parsed.webhook.kind !== "order") throw new Error(`not an order: ${JSON.stringify(parsed)}`);
  return parsed.webhook.order;
}
const order = (extra: { cancelledAt?: string; cancelReason?: "customer" | "fraud" | "inventory" } = {}) =>
  received(orderBody({ id: "820982911946154508", createdAt: "2026-12-02T10:00:00Z", lineItems: [{ sku: "SKU-A", quantity: 2, price: "19.99" }, { sku: "SKU-A", quantity: 1, price: "9.50" }], ...extra }));

describe("Shopify order deliveries", () => {
  it("record a new order once, with its items priced in minor units and its channel", () => {
    const events = mapShopifyOrder(order(), shop, { received: false, cancelled: false });
    expect(events.map((event) => event.type)).toEqual(["order.received_from_channel"]);
    expect(events[0]).toMatchObject({
      aggregateId: "order-shopify-820982911946154508",
      data: { order_id: "shopify-820982911946154508", channel: "shopify", shop_id: shop, total_minor: 4948, currency: "USD", items: [{ sku_id: "SKU-A", quantity: 2, unit_price_minor: 1999 }, { sku_id: "SKU-A", quantity: 1, unit_price_minor: 950 }] },
    });
    expect(mapShopifyOrder(order(), shop, { received: true, cancelled: false })).toEqual([]);
  });

  it("cancel once, naming who cancelled; an order first seen cancelled is received and cancelled", () => {
    const cancelled = order({ cancelledAt: "2026-12-02T10:05:00Z", cancelReason: "fraud" });
    expect(mapShopifyOrder(cancelled, shop, { received: true, cancelled: false }).map((event) => [event.type, "cancelled_by" in event.data ? event.data.cancelled_by : null])).toEqual([["order.cancelled", "platform"]]);
    expect(mapShopifyOrder(cancelled, shop, { received: false, cancelled: false }).map((event) => event.type)).toEqual(["order.received_from_channel", "order.cancelled"]);
    expect(mapShopifyOrder(cancelled, shop, { received: true, cancelled: true })).toEqual([]);
  });

  it("record nothing for an order none of whose lines names a SKU", () => {
    const noSku = received({ ...orderBody({ id: "1", createdAt: "2026-12-02T10:00:00Z", lineItems: [{ sku: "X", quantity: 1, price: "1.00" }] }), line_items: [{ id: 5, sku: null, quantity: 1, price: "1.00" }] });
    expect(mapShopifyOrder(noSku, shop, { received: false, cancelled: false })).toEqual([]);
  });
});

describe("Shopify inventory level deliveries", () => {
  it("report the store's count with the handles to write it back; an untracked item reports nothing", () => {
    const level = { inventory_item_id: "271878346596884015", location_id: "24826418", available: -2, updated_at: "2026-12-02T10:00:00Z" };
    expect(mapShopifyInventoryLevel(level, shop, "SKU-A")).toEqual([{
      type: "inventory.channel_count_reported",
      aggregateId: "inventory-SKU-A",
      aggregateType: "inventory",
      data: { sku_id: "SKU-A", channel: "shopify", shop_id: shop, available: -2, handles: { inventoryItemId: "gid://shopify/InventoryItem/271878346596884015", locationId: "gid://shopify/Location/24826418" }, channel_update_time: "2026-12-02T10:00:00Z" },
    }]);
    expect(mapShopifyInventoryLevel({ ...level, available: null }, shop, "SKU-A")).toEqual([]);
  });
});

describe("Shopify delivery headers", () => {
  const body = new TextEncoder().encode("{}");
  it("key the delivery by X-Shopify-Webhook-Id and refuse a shop that is no myshopify.com domain", () => {
    const valid = parseShopifyWebhook(new Headers({ "x-shopify-shop-domain": "Maps.myshopify.com", "x-shopify-webhook-id": "b54557e4", "x-shopify-topic": "shop/update" }), body, "fallback");
    expect(valid).toMatchObject({ kind: "valid", shopDomain: "maps.myshopify.com", webhookId: "b54557e4", webhook: { kind: "ignored", topic: "shop/update" } });
    const forged = parseShopifyWebhook(new Headers({ "x-shopify-shop-domain": "evil.example.com", "x-shopify-topic": "orders/create" }), body, "fallback");
    expect(forged).toMatchObject({ kind: "unprocessable", webhookId: "fallback", reason: "no valid X-Shopify-Shop-Domain header" });
  });
});
