// An order placed on another channel (Shopify) that the pool refused is cancelled on that
// channel too: the channel took the buyer's money and units for it, and only the channel can
// give them back and tell the buyer. The refusal is the channel-orders consumer's
// order.cancelled; this consumer (fulfilment lane, a group of its own, so a slow channel never
// holds up reservations) asks the channel to cancel and records that it did. A channel that is
// down fails the call and the runner retries with backoff; an order the channel already
// cancelled counts as done, so a retry after a lost answer cancels nothing twice.
import type { Sql } from "postgres";
import { automatedOrigin, reactionTo } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { orderAggregateId } from "../orders/events.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import type { ChannelShopApi } from "./channel.ts";
import type { ChannelId } from "./channel-id.ts";
import { CHANNEL_ORDERS_CONSUMER } from "./channel-orders-consumer.ts";

export const CHANNEL_ORDER_CANCELLATIONS_CONSUMER = "channel-order-cancellations";

export interface ChannelOrderCancellationsOptions {
  /** The API of a connected store of the creator; null when it is not connected (uninstalled, or never). */
  storeApi: (sql: Sql, store: { creatorId: string; channel: ChannelId; shopId: string }) => Promise<ChannelShopApi | null>;
}

/** What the order's stream says: where it was placed, whether the pool refused it, whether the channel was told. */
export function cancellationDue(history: readonly StoredEvent[]): { channel: ChannelId; shopId: string; channelOrderId: string; reason: string } | null {
  const received = history.find((event) => event.type === "order.received_from_channel");
  if (received?.type !== "order.received_from_channel") return null;
  if (history.some((event) => event.type === "order.cancelled_on_channel")) return null;
  const refused = history.find((event) => event.type === "order.cancelled" && event.metadata.component === CHANNEL_ORDERS_CONSUMER);
  if (refused?.type !== "order.cancelled") return null;
  return { channel: received.data.channel, shopId: received.data.shop_id, channelOrderId: received.data.channel_order_id, reason: refused.data.reason ?? "refused by the stock pool" };
}

// A replay must not call any channel (a reactor skips them).
export function createChannelOrderCancellationsConsumer(options: ChannelOrderCancellationsOptions): Consumer {
  return reactorConsumer({
    name: CHANNEL_ORDER_CANCELLATIONS_CONSUMER,
    handles: ["order.cancelled"],
    batchSize: 20,
    async react(events, { sql, store }) {
      for (const event of events) {
        if (event.type !== "order.cancelled" || event.metadata.component !== CHANNEL_ORDERS_CONSUMER) continue;
        const history = await store.readStream(orderAggregateId(event.data.order_id));
        const due = cancellationDue(history);
        if (!due) continue;
        const api = await options.storeApi(sql, { creatorId: event.creatorId, channel: due.channel, shopId: due.shopId });
        // Disconnected since: nothing can be called; the store's own admin shows the order.
        if (!api?.cancelOrder) continue;
        const cancelled = await api.cancelOrder({ channelOrderId: due.channelOrderId, reason: due.reason });
        await store.appendToStream({
          creatorId: event.creatorId,
          aggregateId: event.aggregateId,
          aggregateType: "order",
          events: [
            {
              type: "order.cancelled_on_channel",
              data: { order_id: event.data.order_id, channel: due.channel, shop_id: due.shopId, channel_order_id: due.channelOrderId, ...(cancelled.reference ? { reference: cancelled.reference.slice(0, 200) } : {}) },
            },
          ],
          metadata: automatedOrigin(CHANNEL_ORDER_CANCELLATIONS_CONSUMER, reactionTo(event)),
          idempotencyKey: `${CHANNEL_ORDER_CANCELLATIONS_CONSUMER}:${event.id}`,
        });
      }
    },
  });
}
