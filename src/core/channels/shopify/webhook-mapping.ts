// A verified Shopify delivery → the domain events it implies, given what is already known
// of its order. Pure: no clock, no I/O. Shopify retries and reorders deliveries, and
// orders/updated repeats every change, so an order is received once and cancelled once,
// whichever topic says so first.
import type { DomainEvent, EventData, EventType } from "../../event-catalogue.ts";
import { inventoryAggregateId } from "../../inventory/events.ts";
import { orderAggregateId } from "../../orders/events.ts";
import { decimalAmountToMinor } from "../tiktok-shop/api-client.ts";
import { CHANNEL_SHOP_AGGREGATE_TYPE, channelShopAggregateId } from "../events.ts";
import type { ShopifyInventoryLevel, ShopifyOrder } from "./webhook-payloads.ts";

/** A catalogued event with the stream it goes to. */
export type ChannelEventToAppend<T extends EventType = EventType> = DomainEvent<T> & {
  aggregateId: string;
  aggregateType: "order" | "inventory" | typeof CHANNEL_SHOP_AGGREGATE_TYPE;
};

/** What the order's stream already holds. */
export interface KnownChannelOrder {
  received: boolean;
  cancelled: boolean;
}

export const SHOPIFY_ORDER_PREFIX = "shopify-";
export const shopifyOrderId = (shopifyId: string) => `${SHOPIFY_ORDER_PREFIX}${shopifyId}`;
export const isShopifyOrderId = (orderId: string) => orderId.startsWith(SHOPIFY_ORDER_PREFIX);

export const inventoryItemGid = (id: string) => `gid://shopify/InventoryItem/${id}`;
export const locationGid = (id: string) => `gid://shopify/Location/${id}`;

function event<T extends EventType>(type: T, aggregateId: string, aggregateType: ChannelEventToAppend["aggregateType"], data: EventData<T>): ChannelEventToAppend<T> {
  return { type, data, aggregateId, aggregateType } as ChannelEventToAppend<T>;
}

/** Shopify's cancel_reason, as the domain names who cancelled. */
function cancelledBy(reason: string | null | undefined): EventData<"order.cancelled">["cancelled_by"] {
  switch (reason) {
    case "customer":
      return "buyer";
    case "fraud":
    case "declined":
      return "platform";
    default:
      return "seller";
  }
}

/** The order's line items that name a SKU: only those draw on the pool. */
function itemsOf(order: ShopifyOrder): EventData<"order.received_from_channel">["items"] {
  return order.line_items
    .filter((line) => typeof line.sku === "string" && /^[0-9A-Za-z_-]{1,64}$/.test(line.sku))
    .map((line) => ({
      sku_id: line.sku!,
      product_id: line.product_id ?? line.variant_id ?? line.id,
      quantity: line.quantity,
      unit_price_minor: decimalAmountToMinor(line.price, order.currency),
      ...(line.title ? { product_name: line.title } : {}),
    }));
}

/**
 * orders/create, orders/updated, orders/cancelled: the order is received the first time
 * any of them arrives (with its items, so stock is reserved at once), and cancelled the
 * first time one carries `cancelled_at`. An order with no SKU'd line item maps to nothing.
 */
export function mapShopifyOrder(order: ShopifyOrder, shopDomain: string, known: KnownChannelOrder): ChannelEventToAppend[] {
  const orderId = shopifyOrderId(order.id);
  const aggregateId = orderAggregateId(orderId);
  const events: ChannelEventToAppend[] = [];
  if (!known.received) {
    const items = itemsOf(order);
    if (items.length === 0) return [];
    events.push(
      event("order.received_from_channel", aggregateId, "order", {
        order_id: orderId,
        channel: "shopify",
        shop_id: shopDomain,
        channel_order_id: order.id,
        ...(order.name ? { name: order.name } : {}),
        items,
        total_minor: decimalAmountToMinor(order.total_price, order.currency),
        currency: order.currency,
        placed_at: order.created_at,
      }),
    );
  }
  if (order.cancelled_at && !known.cancelled) {
    events.push(
      event("order.cancelled", aggregateId, "order", {
        order_id: orderId,
        cancelled_by: cancelledBy(order.cancel_reason),
        ...(order.cancel_reason ? { reason: `cancelled on Shopify: ${order.cancel_reason}` } : { reason: "cancelled on Shopify" }),
      }),
    );
  }
  return events;
}

/** inventory_levels/update for an inventory item linked to a SKU: Shopify's count, to compare with the pool. */
export function mapShopifyInventoryLevel(level: ShopifyInventoryLevel, shopDomain: string, skuId: string): ChannelEventToAppend[] {
  if (level.available === null) return [];
  return [
    event("inventory.channel_count_reported", inventoryAggregateId(skuId), "inventory", {
      sku_id: skuId,
      channel: "shopify",
      shop_id: shopDomain,
      available: level.available,
      handles: { inventoryItemId: inventoryItemGid(level.inventory_item_id), locationId: locationGid(level.location_id) },
      ...(level.updated_at ? { channel_update_time: level.updated_at } : {}),
    }),
  ];
}

export function mapShopifyUninstalled(shopDomain: string, at: string): ChannelEventToAppend[] {
  return [event("shop.channel_uninstalled", channelShopAggregateId("shopify", shopDomain), CHANNEL_SHOP_AGGREGATE_TYPE, { channel: "shopify", shop_id: shopDomain, uninstalled_at: at })];
}

/** Folds an order stream to what the mapping needs to know. */
export function evolveKnownChannelOrder(known: KnownChannelOrder, stored: { type: string }): KnownChannelOrder {
  if (stored.type === "order.received_from_channel") return { ...known, received: true };
  if (stored.type === "order.cancelled") return { ...known, cancelled: true };
  return known;
}
