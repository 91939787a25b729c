// Order events: what happened to a TikTok Shop order, as the seed specification names them.
import { z } from "zod";
import { channelId } from "../channels/channel-id.ts";
import { channelShopKey } from "../inventory/events.ts";
import { amountMinor, currencyCode, quantity, skuId, tiktokId, unixSeconds } from "../shared-schemas.ts";

/** Which order of which channel's shop an event is about. */
const channelOrderKeys = {
  /** `<channel prefix>-<the channel's order id>`: never the same as another channel's order. */
  order_id: tiktokId,
  channel: channelId,
  shop_id: channelShopKey,
  channel_order_id: z.string().min(1).max(100),
};

/** Order statuses as TikTok Shop's webhooks and Orders API report them, normalised. */
export const tiktokOrderStatus = z.enum([
  "UNPAID",
  "ON_HOLD",
  "AWAITING_SHIPMENT",
  "PARTIALLY_SHIPPING",
  "AWAITING_COLLECTION",
  "IN_TRANSIT",
  "DELIVERED",
  "COMPLETED",
  "CANCELLED",
]);
export type TiktokOrderStatus = z.infer<typeof tiktokOrderStatus>;

export const orderItem = z.strictObject({
  sku_id: skuId,
  product_id: tiktokId,
  quantity: quantity.min(1),
  unit_price_minor: amountMinor,
  product_name: z.string().max(300).optional(),
});
export type OrderItem = z.infer<typeof orderItem>;

export const orderEvents = {
  "order.received_from_tiktok": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      shop_id: tiktokId,
      tiktok_status: tiktokOrderStatus,
      is_on_hold: z.boolean(),
      tiktok_update_time: unixSeconds,
      // Webhooks carry no items or amounts; the validation step fetches them.
      items: z.array(orderItem).optional(),
      total_minor: amountMinor.optional(),
      currency: currencyCode.optional(),
    }),
  },
  // An order placed on a channel other than TikTok Shop (Shopify): its items come with it, so
  // stock is reserved from the pool at once (channels/channel-orders.ts), without a saga.
  "order.received_from_channel": {
    version: 1,
    schema: z.strictObject({
      ...channelOrderKeys,
      /** The channel's own display name of the order (Shopify's "#1001"). */
      name: z.string().max(100).optional(),
      items: z.array(orderItem).min(1),
      total_minor: amountMinor,
      currency: currencyCode,
      placed_at: z.iso.datetime({ offset: true }),
    }),
  },
  // TikTok moved the order to a status that is no milestone of its own (paid, the one-hour
  // hold released, awaiting collection to in transit); fulfilment waits for the hold to end.
  "order.tiktok_status_changed": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      previous_status: tiktokOrderStatus,
      tiktok_status: tiktokOrderStatus,
      is_on_hold: z.boolean(),
      tiktok_update_time: unixSeconds,
    }),
  },
  "order.validation_started": {
    version: 1,
    schema: z.strictObject({ order_id: tiktokId }),
  },
  "order.validated": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      items: z.array(orderItem).min(1),
      subtotal_minor: amountMinor,
      shipping_minor: amountMinor,
      total_minor: amountMinor,
      currency: currencyCode,
    }),
  },
  "order.inventory_allocated": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      allocations: z.array(z.strictObject({ sku_id: skuId, quantity: quantity.min(1) })).min(1),
    }),
  },
  "order.payment_processed": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      amount_minor: amountMinor,
      currency: currencyCode,
      payment_reference: z.string().min(1).max(200),
      // When TikTok collected the payment (every TikTok Shop order): TikTok's own account of it.
      collected_by: z.enum(["tiktok"]).optional(),
      paid_time: unixSeconds.optional(),
      tax_minor: amountMinor.optional(),
      /** What the buyer paid in all: the amount above plus taxes and fees. */
      buyer_total_minor: amountMinor.optional(),
    }),
  },
  "order.shipped": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      tiktok_status: tiktokOrderStatus.optional(),
      tiktok_update_time: unixSeconds.optional(),
      carrier: z.string().max(100).optional(),
      tracking_number: z.string().max(100).optional(),
      package_id: tiktokId.optional(),
    }),
  },
  "order.delivered": {
    version: 1,
    schema: z.strictObject({ order_id: tiktokId, tiktok_update_time: unixSeconds.optional() }),
  },
  "order.completed": {
    version: 1,
    schema: z.strictObject({ order_id: tiktokId, tiktok_update_time: unixSeconds.optional() }),
  },
  "order.cancelled": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      cancelled_by: z.enum(["buyer", "seller", "system", "platform"]),
      reason: z.string().max(500).optional(),
      cancel_id: tiktokId.optional(),
      tiktok_update_time: unixSeconds.optional(),
    }),
  },
  // An order the pool refused (order.cancelled by the channel-orders consumer), cancelled on
  // the channel it was placed on too, so its buyer is refunded and told; `reference`: the
  // channel's own handle for the cancellation (Shopify's job id).
  "order.cancelled_on_channel": {
    version: 1,
    schema: z.strictObject({
      ...channelOrderKeys,
      reference: z.string().max(200).optional(),
    }),
  },
  "order.refunded": {
    version: 1,
    schema: z.strictObject({
      order_id: tiktokId,
      amount_minor: amountMinor.optional(),
      currency: currencyCode.optional(),
      return_id: tiktokId.optional(),
      reason: z.string().max(500).optional(),
      tiktok_update_time: unixSeconds.optional(),
    }),
  },
} as const;

export const orderAggregateId = (orderId: string) => `order-${orderId}`;
