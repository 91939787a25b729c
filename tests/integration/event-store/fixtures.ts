// Valid events for the store's tests, built from the catalogue's own shapes.
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { uniqueNumericId } from "../../test-data.ts";

/** A fresh 19-digit TikTok order id. */
export const uniqueOrderId = () => uniqueNumericId("5", 19);

export function orderReceived(orderId: string): NewEvent {
  return {
    type: "order.received_from_tiktok",
    data: {
      order_id: orderId,
      shop_id: "7494726673780148744",
      tiktok_status: "AWAITING_SHIPMENT",
      is_on_hold: false,
      tiktok_update_time: 1764000000,
    },
  };
}

export function orderShipped(orderId: string): NewEvent {
  return { type: "order.shipped", data: { order_id: orderId, carrier: "USPS" } };
}

export function stockUpdated(skuId: string, previousTotal: number, newTotal: number): NewEvent {
  return {
    type: "inventory.stock_updated",
    data: { sku_id: skuId, previous_total: previousTotal, new_total: newTotal, source: "manual" },
  };
}
