// The channel stock outbox's consumer (fulfilment lane, a group of its own): every change of
// the pool's available count is pushed, within seconds, to each connected channel shop that
// lists the SKU, by compare-and-set. Pushes coalesce: each sends the stream's latest count
// and records the version it reflects, so a burst of sales costs one write per shop, not one
// per sale. A channel that is down fails the call; the runner retries with backoff and the
// change stays due (nothing is lost: the next push sends the latest count).
import type { Sql } from "postgres";
import { automatedOrigin, reactionTo, skuIdOf } from "../event-catalogue.ts";
import { createEventStore, type EventStore, type NewEvent, type StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { withStockPushLock } from "../inventory/stock-push-lock.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import type { ChannelAllocation, ChannelShopApi, ChannelStockWrite } from "./channel.ts";
import type { ChannelId } from "./channel-id.ts";
import {
  afterStaleWrite,
  channelCountPushedEvent,
  channelPushConflictEvents,
  channelShopKey,
  decideChannelPush,
  evolveChannelStockOutbox,
  initialChannelStockOutboxState,
  POOL_CHANGE_TYPES,
  type ChannelCountPush,
  type ChannelPushDecision,
} from "./channel-stock-outbox.ts";

export const CHANNEL_STOCK_OUTBOX_CONSUMER = "channel-stock-outbox";
/** The component named in its events' metadata, and the prefix of its idempotency keys. */
const SOURCE = "channel-stock-outbox";

/** A connected channel shop that lists the SKU, ready to be written. */
export interface ChannelShopTarget {
  channel: ChannelId;
  shopId: string;
  allocation: ChannelAllocation;
  /** The channel's handles for the SKU (Shopify: inventory item and location gids). */
  handles: Record<string, string>;
  api: ChannelShopApi;
}

export interface ChannelStockOutboxOptions {
  shopsListing: (sql: Sql, creatorId: string, skuId: string) => Promise<ChannelShopTarget[]>;
  /** Told of every decision, for tests and benchmarks. */
  onDecision?: (decision: ChannelPushDecision | { action: "conflict"; actual: number }, shop: ChannelShopTarget, event: StoredEvent) => void;
}

export function createChannelStockOutboxConsumer(options: ChannelStockOutboxOptions): Consumer {
  const pushes = createChannelStockPushes(options);
  // A replay must not call any channel (a reactor skips them).
  return reactorConsumer({
    name: CHANNEL_STOCK_OUTBOX_CONSUMER,
    handles: POOL_CHANGE_TYPES,
    batchSize: 100,
    async react(events, { sql }) {
      for (const event of events) await pushes.pushPoolChange(sql, event);
    },
  });
}

/**
 * Pushing one pool change to every channel shop that lists the SKU, each under the shop's and
 * SKU's push lock, deciding from the stream as it stands: the consumer's work, and the
 * recovery's after an outage outlasted the consumer's retries (channel-push-recovery.ts).
 */
export function createChannelStockPushes(options: ChannelStockOutboxOptions) {
  return { pushPoolChange: (sql: Sql, event: StoredEvent) => pushPoolChange(options, sql, event) };
}

async function pushPoolChange(options: ChannelStockOutboxOptions, sql: Sql, event: StoredEvent): Promise<void> {
  const skuId = skuIdOf(event);
  if (skuId === undefined || event.aggregateId !== inventoryAggregateId(skuId)) return;
  const store = createEventStore({ sql });
  for (const shop of await options.shopsListing(sql, event.creatorId, skuId)) {
    await withStockPushLock(sql, channelShopKey(shop.channel, shop.shopId), skuId, () => pushToShop({ store, event, skuId, shop, onDecision: options.onDecision }));
  }
}

/** One pool change on its way to one channel shop. */
interface ShopPush {
  store: EventStore;
  event: StoredEvent;
  skuId: string;
  shop: ChannelShopTarget;
  onDecision: ChannelStockOutboxOptions["onDecision"];
}

async function pushToShop(push: ShopPush): Promise<void> {
  const { store, event, skuId, shop } = push;
  const { state } = await store.aggregateStream({ aggregateId: event.aggregateId, initialState: initialChannelStockOutboxState, evolve: evolveChannelStockOutbox });
  const key = channelShopKey(shop.channel, shop.shopId);
  const decision = decideChannelPush(state, key, event.version, shop.allocation);
  push.onDecision?.(decision, shop, event);
  if (decision.action === "skip") return;
  const write = { skuId, handles: { ...state.shops[key]?.handles, ...shop.handles }, idempotencyKey: `pool-${skuId}-${decision.streamVersion}-${decision.target}` };
  const written = await shop.api.writeStock({ ...write, available: decision.target, expected: decision.expected });
  if (written.outcome === "written") return recordPush(push, { available: decision.target, expected: decision.expected, streamVersion: decision.streamVersion, reference: written.reference });
  await settleStaleWrite(push, decision, written.actual, write);
}

/** The shop held another count than expected: in step after all, or a conflict recorded (and the shop set down to the pool when it shows more). */
async function settleStaleWrite(push: ShopPush, decision: Extract<ChannelPushDecision, { action: "push" }>, actual: number, write: Omit<ChannelStockWrite, "available" | "expected">): Promise<void> {
  const { event, skuId, shop } = push;
  push.onDecision?.({ action: "conflict", actual }, shop, event);
  const after = afterStaleWrite(decision.target, actual);
  if (after.action === "in_step") return recordPush(push, { available: decision.target, expected: actual, streamVersion: decision.streamVersion });
  await appendToSku(push, channelPushConflictEvents(skuId, shop, { conflictId: crypto.randomUUID(), local: decision.target, actual, handles: write.handles, triggerEventId: event.id }));
  if (after.write === null) return;
  const retried = await shop.api.writeStock({ ...write, available: after.write, expected: actual, idempotencyKey: `${write.idempotencyKey}-after-conflict` });
  // Moved again meanwhile: the runner retries the event, deciding afresh from what is recorded now.
  if (retried.outcome === "conflict") throw new Error(`${shop.channel} store ${shop.shopId} changed SKU ${skuId} again while it was being set to ${after.write}`);
  await recordPush(push, { available: after.write, expected: actual, streamVersion: decision.streamVersion, reference: retried.reference });
}

async function recordPush(push: ShopPush, pushed: ChannelCountPush): Promise<void> {
  const { skuId, shop } = push;
  // One record per shop and stream version: a retried event records its push once.
  await appendToSku(push, [channelCountPushedEvent(skuId, shop, pushed)], `${SOURCE}:${shop.channel}:${shop.shopId}:${skuId}:${pushed.streamVersion}`);
}

async function appendToSku({ store, event }: ShopPush, events: NewEvent[], idempotencyKey?: string): Promise<void> {
  await store.appendToStream({
    creatorId: event.creatorId,
    aggregateId: event.aggregateId,
    aggregateType: "inventory",
    events,
    metadata: automatedOrigin(SOURCE, reactionTo(event)),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
}
