// What an order or a SKU read from TikTok's search APIs implies, given what the engine
// already applied. Pure. An order read by search goes through the very decision a status
// webhook goes through (mapWebhookToEvents), so an order seen by both a webhook and a
// backfill or reconciliation is one order, and a status only ever moves it forward.
import type { EventData } from "../event-catalogue.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { decimalAmountToMinor, orderItemsFromLineItems, type TikTokOrderDetail } from "../channels/tiktok-shop/api-client.ts";
import { normalizeOrderStatus, type AppliedOrderStatus } from "../channels/tiktok-shop/order-status.ts";
import { mapWebhookToEvents, type DomainEventToAppend } from "../channels/tiktok-shop/webhook-mapping.ts";
import type { TikTokProduct } from "./history-reader.ts";

export type OrderDrift = "order_missing" | "order_status";

export interface ObservedOrderDecision {
  events: DomainEventToAppend[];
  /** What the read found that the engine had not applied; null when it agreed. */
  drift: OrderDrift | null;
  observedStatus: string;
}

/**
 * The events an order as TikTok reports it implies. The first sight of an order also
 * carries its items and total, which search returns and a webhook does not.
 */
export function decideOnObservedOrder(order: TikTokOrderDetail, shopId: string, lastApplied: AppliedOrderStatus | undefined): ObservedOrderDecision {
  const status = normalizeOrderStatus(order.status);
  if (status === undefined) return { events: [], drift: null, observedStatus: order.status };
  const events = mapWebhookToEvents(
    {
      type: 1,
      topic: "order_status_change",
      shop_id: shopId,
      timestamp: order.update_time,
      data: { order_id: order.id, order_status: status, is_on_hold_order: order.is_on_hold_order ?? status === "ON_HOLD", update_time: order.update_time },
    },
    lastApplied,
  ).map((event) => (event.type === "order.received_from_tiktok" ? { ...event, data: withItems(event.data, order) } : event));
  const drift: OrderDrift | null = events.length === 0 ? null : lastApplied === undefined ? "order_missing" : "order_status";
  return { events, drift, observedStatus: status };
}

function withItems(data: EventData<"order.received_from_tiktok">, order: TikTokOrderDetail): EventData<"order.received_from_tiktok"> {
  try {
    const items = orderItemsFromLineItems(order.line_items);
    const enriched: EventData<"order.received_from_tiktok"> = { ...data, total_minor: decimalAmountToMinor(order.payment.total_amount, order.payment.currency), currency: order.payment.currency.toUpperCase() };
    if (items.length > 0) enriched.items = items;
    return enriched;
  } catch {
    // Amounts the domain cannot take (a currency's decimals): the validation step fetches them again.
    return data;
  }
}

/** TikTok's count of each SKU of a product, as the event a type 27 webhook would have given, with when the read began. */
export function stockReportsOfProduct(product: TikTokProduct, updateTime: number, shopId: string, readStartedAt: Date): DomainEventToAppend[] {
  return product.skus.map((sku) => {
    const available = sku.inventory.reduce((sum, line) => sum + Math.max(0, line.quantity), 0);
    const data: EventData<"inventory.external_count_reported"> = {
      sku_id: sku.id,
      product_id: product.id,
      inventory_status: available === 0 ? "OUT_OF_STOCK" : "IN_STOCK",
      // Search gives what is available to sell; commitments are not in it.
      total: available,
      available,
      creator_reserved: 0,
      campaign_reserved: 0,
      committed: 0,
      tiktok_update_time: updateTime,
      shop_id: shopId,
      read_started_at: readStartedAt.toISOString(),
    };
    return { type: "inventory.external_count_reported", data, aggregateId: inventoryAggregateId(sku.id), aggregateType: "inventory" };
  });
}
