// Which orders are cancelled on their channel: only those the pool refused, once.
import { describe, expect, it } from "vitest";
import { cancellationDue } from "../../../src/core/channels/channel-order-cancellations-consumer.ts";
import { CHANNEL_ORDERS_CONSUMER } from "../../../src/core/channels/channel-orders-consumer.ts";
import { storedStream } from "../domain/specification.ts";

const orderId = "shopify-4401";
const received = {
  type: "order.received_from_channel",
  data: {
    order_id: orderId, channel: "shopify", shop_id: "pool.myshopify.com", channel_order_id: "4401",
    items: [{ sku_id: "SKU-1", product_id: "1", quantity: 1, unit_price_minor: 1000 }], total_minor: 1000, currency: "USD", placed_at: "2026-12-02T10:00:00Z",
  },
};
const refused = { type: "order.cancelled", data: { order_id: orderId, cancelled_by: "system", reason: "not enough stock: 1 of SKU-1 ordered, 0 left in the pool when the order arrived" }, metadata: { source: "automated_system", component: CHANNEL_ORDERS_CONSUMER } };
const cancelledOnShopify = { type: "order.cancelled", data: { order_id: orderId, cancelled_by: "buyer", reason: "cancelled on Shopify: customer" }, metadata: { source: "shopify_webhook" } };
const told = { type: "order.cancelled_on_channel", data: { order_id: orderId, channel: "shopify", shop_id: "pool.myshopify.com", channel_order_id: "4401" } };
const stream = (...events: object[]) => storedStream(`order-${orderId}`, events as never);

describe("cancelling on its channel an order the pool refused", () => {
  it("is due for a channel's order the pool refused, with the refusal's words", () => {
    expect(cancellationDue(stream(received, refused))).toEqual({ channel: "shopify", shopId: "pool.myshopify.com", channelOrderId: "4401", reason: refused.data.reason });
  });

  it("is not due for an order cancelled on the channel itself, nor twice", () => {
    expect(cancellationDue(stream(received, cancelledOnShopify))).toBeNull();
    expect(cancellationDue(stream(received, refused, told))).toBeNull();
  });
});
