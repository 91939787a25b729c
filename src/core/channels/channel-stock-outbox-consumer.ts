// The channel stock outbox's consumer (fulfilment lane, a group of its own): every change of
// the pool's available count is pushed, within seconds, to each connected channel shop that
// lists the SKU, by compare-and-set. Pushes coalesce: each sends the stream's latest count
// and records the version it reflects, so a burst of sales costs one write per shop, not one
// per sale. A channel that is down fails the call; the runner retries with backoff and the
// change stays due (nothing is lost: the next push sends the latest count).
import type { Sql } from "postgres";
import { automatedOrigin, reactionTo, skuIdOf } from "../event-catalogue.ts";
import { createEventStore, type EventStore, type StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { withStockPushLock } from "../inventory/stock-push-lock.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import type { ChannelAllocation, ChannelShopApi } from "./channel.ts";
import type { ChannelId } from "./channel-id.ts";
import {
  afterStaleWrite,
  channelShopKey,
  decideChannelPush,
  evolveChannelStockOutbox,
  initialChannelStockOutboxState,
  POOL_CHANGE_TYPES,
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
  return {
    async pushPoolChange(sql: Sql, event: StoredEvent): Promise<void> {
      const skuId = skuIdOf(event);
      if (skuId === undefined || event.aggregateId !== inventoryAggregateId(skuId)) return;
      const store = createEventStore({ sql });
      for (const shop of await options.shopsListing(sql, event.creatorId, skuId)) {
        await withStockPushLock(sql, channelShopKey(shop.channel, shop.shopId), skuId, () => pushToShop(store, event, skuId, shop));
      }
    },
  };

  async function pushToShop(store: EventStore, event: StoredEvent, skuId: string, shop: ChannelShopTarget): Promise<void> {
    const { state } = await store.aggregateStream({ aggregateId: event.aggregateId, initialState: initialChannelStockOutboxState, evolve: evolveChannelStockOutbox });
    const key = channelShopKey(shop.channel, shop.shopId);
    const decision = decideChannelPush(state, key, event.version, shop.allocation);
    options.onDecision?.(decision, shop, event);
    if (decision.action === "skip") return;
    const handles = { ...state.shops[key]?.handles, ...shop.handles };
    const idempotencyKey = `pool-${skuId}-${decision.streamVersion}-${decision.target}`;
    const written = await shop.api.writeStock({ skuId, available: decision.target, expected: decision.expected, handles, idempotencyKey });
    if (written.outcome === "written") return recordPush(store, event, shop, skuId, decision.target, decision.expected, decision.streamVersion, written.reference);

    options.onDecision?.({ action: "conflict", actual: written.actual }, shop, event);
    const after = afterStaleWrite(decision.target, written.actual);
    if (after.action === "in_step") return recordPush(store, event, shop, skuId, decision.target, written.actual, decision.streamVersion);
    await recordConflict(store, event, shop, skuId, decision.target, written.actual, handles);
    if (after.write === null) return;
    const retried = await shop.api.writeStock({ skuId, available: after.write, expected: written.actual, handles, idempotencyKey: `${idempotencyKey}-after-conflict` });
    // Moved again meanwhile: the runner retries the event, deciding afresh from what is recorded now.
    if (retried.outcome === "conflict") throw new Error(`${shop.channel} store ${shop.shopId} changed SKU ${skuId} again while it was being set to ${after.write}`);
    await recordPush(store, event, shop, skuId, after.write, written.actual, decision.streamVersion, retried.reference);
  }

  async function recordPush(store: EventStore, event: StoredEvent, shop: ChannelShopTarget, skuId: string, available: number, expected: number | null, streamVersion: number, reference?: string): Promise<void> {
    await store.appendToStream({
      creatorId: event.creatorId,
      aggregateId: event.aggregateId,
      aggregateType: "inventory",
      events: [{
        type: "inventory.channel_count_pushed",
        data: { sku_id: skuId, channel: shop.channel, shop_id: shop.shopId, available, expected, stream_version: streamVersion, ...(reference ? { reference: reference.slice(0, 200) } : {}) },
      }],
      metadata: automatedOrigin(SOURCE, reactionTo(event)),
      idempotencyKey: `${SOURCE}:${shop.channel}:${shop.shopId}:${skuId}:${streamVersion}`,
    });
  }

  /** The channel's count differs from the pool's: a sync conflict of that channel, named, with the count it holds. */
  async function recordConflict(store: EventStore, event: StoredEvent, shop: ChannelShopTarget, skuId: string, local: number, actual: number, handles: Record<string, string>): Promise<void> {
    await store.appendToStream({
      creatorId: event.creatorId,
      aggregateId: event.aggregateId,
      aggregateType: "inventory",
      events: [
        {
          type: "inventory.sync_conflict_detected",
          data: {
            conflict_id: crypto.randomUUID(),
            sku_id: skuId,
            conflict_type: "concurrent_update",
            local_value: local,
            external_value: Math.max(0, actual),
            source: "shopify",
            channel: shop.channel,
            shop_id: shop.shopId,
            trigger_event_id: event.id,
          },
        },
        {
          type: "inventory.channel_count_reported",
          data: { sku_id: skuId, channel: shop.channel, shop_id: shop.shopId, available: actual, handles },
        },
      ],
      metadata: automatedOrigin(SOURCE, reactionTo(event)),
    });
  }
}
