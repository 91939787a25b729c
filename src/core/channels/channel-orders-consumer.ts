// One pool, allocated: an order placed on a channel other than TikTok Shop reserves its
// units from the creator's pool the moment it is recorded (TikTok's orders reserve in the
// fulfilment saga). All of an order's SKUs or none: when the pool cannot cover one of them,
// what was reserved goes back and the order is cancelled here with the reason, so a sale
// never takes units the pool does not have. A cancellation gives the units back. Reservations
// name their channel, so the stock outboxes tell every other channel.
import { handleCommand } from "../command-handling.ts";
import type { EventStore, StoredEvent } from "../event-store/index.ts";
import { automatedOrigin, reactionTo, type EventData } from "../event-catalogue.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState, INVENTORY_STATE_VERSION, InsufficientStock, type InventoryCommand } from "../inventory/inventory.ts";
import { orderAggregateId } from "../orders/events.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import type { ChannelId } from "./channel-id.ts";

export const CHANNEL_ORDERS_CONSUMER = "channel-orders";

type ReceivedOrder = EventData<"order.received_from_channel">;

/** Units per SKU, summed over the order's items (a SKU may appear at two prices). */
export function unitsBySku(items: ReceivedOrder["items"]): { skuId: string; quantity: number }[] {
  const units = new Map<string, number>();
  for (const item of items) units.set(item.sku_id, (units.get(item.sku_id) ?? 0) + item.quantity);
  return [...units].map(([skuId, quantity]) => ({ skuId, quantity }));
}

/** Why an order could not be allocated, in words a creator reads on the dashboard. */
export function notEnoughStockReason(skuId: string, requested: number, available: number): string {
  return `not enough stock: ${requested} of ${skuId} ordered, ${available} left in the pool when the order arrived`;
}

/** What the consumer appends to the order's stream: its allocation, or its refusal. */
export type ChannelOrderOutcome =
  | { type: "order.inventory_allocated"; data: EventData<"order.inventory_allocated"> }
  | { type: "order.cancelled"; data: EventData<"order.cancelled"> };

/** Every SKU's units reserved: the order is allocated. */
export function orderAllocated(order: ReceivedOrder, units: readonly { skuId: string; quantity: number }[]): ChannelOrderOutcome {
  return { type: "order.inventory_allocated", data: { order_id: order.order_id, allocations: units.map((unit) => ({ sku_id: unit.skuId, quantity: unit.quantity })) } };
}

/** One SKU the pool could not cover: the order is cancelled here, by the system, saying which and how short. */
export function orderRefused(order: ReceivedOrder, short: { skuId: string; quantity: number }, available: number): ChannelOrderOutcome {
  return { type: "order.cancelled", data: { order_id: order.order_id, cancelled_by: "system", reason: notEnoughStockReason(short.skuId, short.quantity, available) } };
}

/**
 * What a cancelled order gives back, from its stream: a channel order's units per SKU, named
 * for its channel; nothing for TikTok's orders (their reservations are the fulfilment saga's).
 */
export function releasesOnCancel(orderHistory: readonly StoredEvent[], orderId: string): Extract<InventoryCommand, { type: "Release" }>[] {
  const received = orderHistory.find((stored) => stored.type === "order.received_from_channel");
  if (received?.type !== "order.received_from_channel") return [];
  const channel: ChannelId = received.data.channel;
  return unitsBySku(received.data.items).map((unit) => ({ type: "Release", skuId: unit.skuId, orderId, reason: "cancelled", channel }));
}

// A replay must not reserve again (a reactor skips them): reservations were made when the orders were new.
export function createChannelOrdersConsumer(options: { now?: () => Date } = {}): Consumer {
  const now = options.now ?? (() => new Date());
  return reactorConsumer({
    name: CHANNEL_ORDERS_CONSUMER,
    handles: ["order.received_from_channel", "order.cancelled"],
    batchSize: 50,
    async react(events, { store }) {
      for (const event of events) {
        if (event.type === "order.received_from_channel") await allocateChannelOrder({ store, event, now }, event.data);
        else if (event.type === "order.cancelled") await releaseIfChannelOrder({ store, event, now }, event.data.order_id);
      }
    },
  });
}

/** The event being reacted to, the store it is in, and the clock. */
interface Reaction {
  store: EventStore;
  event: StoredEvent;
  now: () => Date;
}

/** All of the order's SKUs or none: on the first the pool cannot cover, what was reserved goes back and the order is refused. */
async function allocateChannelOrder(reaction: Reaction, order: ReceivedOrder): Promise<void> {
  const units = unitsBySku(order.items);
  const reserved: typeof units = [];
  for (const unit of units) {
    try {
      await onInventory(reaction, `reserve:${unit.skuId}`, { type: "Reserve", skuId: unit.skuId, orderId: order.order_id, quantity: unit.quantity, channel: order.channel });
      reserved.push(unit);
    } catch (error) {
      if (!(error instanceof InsufficientStock)) throw error;
      for (const back of reserved) {
        await onInventory(reaction, `undo:${back.skuId}`, { type: "Release", skuId: back.skuId, orderId: order.order_id, reason: "compensation", channel: order.channel });
      }
      return appendToOrder(reaction, "refuse", orderRefused(order, unit, error.available));
    }
  }
  await appendToOrder(reaction, "allocate", orderAllocated(order, units));
}

/** A cancelled channel order (by its channel, or refused here) gives back what it holds. */
async function releaseIfChannelOrder(reaction: Reaction, orderId: string): Promise<void> {
  const history = await reaction.store.readStream(orderAggregateId(orderId));
  for (const release of releasesOnCancel(history, orderId)) await onInventory(reaction, `release:${release.skuId}`, release);
}

async function onInventory({ store, event, now }: Reaction, key: string, command: InventoryCommand): Promise<void> {
  await handleCommand({
    store,
    creatorId: event.creatorId,
    aggregateId: inventoryAggregateId(command.skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    snapshotSchemaVersion: INVENTORY_STATE_VERSION,
    decide: (state) => decideInventory(command, state, now()),
    metadata: automatedOrigin(CHANNEL_ORDERS_CONSUMER, reactionTo(event)),
    commandId: `${CHANNEL_ORDERS_CONSUMER}:${event.id}:${key}`,
  });
}

async function appendToOrder({ store, event }: Reaction, key: string, outcome: ChannelOrderOutcome): Promise<void> {
  await store.appendToStream({
    creatorId: event.creatorId,
    aggregateId: event.aggregateId,
    aggregateType: "order",
    events: [outcome],
    metadata: automatedOrigin(CHANNEL_ORDERS_CONSUMER, reactionTo(event)),
    idempotencyKey: `${CHANNEL_ORDERS_CONSUMER}:${event.id}:${key}`,
  });
}
