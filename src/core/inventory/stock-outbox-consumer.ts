// The stock outbox's consumer, in the fulfilment lane (it calls TikTok): for each change
// TikTok cannot know by itself (stock-outbox.ts), send the SKU's latest sellable count to
// each connected shop that lists it and record what TikTok answered, per shop, as
// inventory.external_count_pushed. At least once
// and idempotent: a change already covered by a push is skipped, so a crash between the
// call and the record costs at most one repeat of the same (latest) count, never an older
// one. Failing calls are retried with backoff and then dead-lettered by the consumer runner;
// a refusal no retry can mend is dead-lettered at once, saying why.
import type { Sql } from "postgres";
import { automatedOrigin, reactionTo, skuIdOf } from "../event-catalogue.ts";
import type { EventStore, StoredEvent } from "../event-store/index.ts";
import { PermanentConsumerFailure, reactorConsumer, type Consumer } from "../processing/index.ts";
import { ShopNotAuthorizedError } from "../shops/shop-not-authorized-error.ts";
import { TikTokShopApiError, type TikTokShopClient } from "../channels/tiktok-shop/api-client.ts";
import { createRateLimitedCaller } from "../channels/tiktok-shop/rate-limited-calls.ts";
import { reportRateLimitApproached } from "../system/rate-limit-report.ts";
import { inventoryAggregateId } from "./events.ts";
import { withStockPushLock } from "./stock-push-lock.ts";
import { decideStockPush, evolveStockOutbox, initialStockOutboxState, isStockChangeTikTokCannotKnow, type StockPushDecision } from "./stock-outbox.ts";

export const STOCK_OUTBOX_CONSUMER = "stock-outbox";
/** Metadata `source` of the pushes it records. */
export const STOCK_OUTBOX_COMPONENT = "stock-outbox";

export interface StockOutboxOptions {
  clientFor: (shop: { creatorId: string; shopId: string }) => Pick<TikTokShopClient, "updateInventory">;
  now?: () => Date;
  /** Waits within a call (rate-limit windows, 429 backoff); injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The least time between two pushes of one SKU. A change arriving sooner waits out the rest
   * (then the push carries every change made meanwhile): a burst costs at most one call per
   * interval, and a lone change is pushed at once. Default 250 ms.
   */
  minPushIntervalMs?: number;
  /** Attempts within one call before the runner's own retry takes over. */
  attemptsPerCall?: number;
  /** Told of every decision, for tests and benchmarks. */
  onDecision?: (decision: StockPushDecision, event: StoredEvent) => void;
}

export function createStockOutboxConsumer(options: StockOutboxOptions): Consumer {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minPushIntervalMs = options.minPushIntervalMs ?? 250;
  const lastPushAt = new Map<string, number>();
  const callerFor = shopCallers({ now, sleep, maxAttempts: options.attemptsPerCall ?? 3 });

  // A replay must not call TikTok (a reactor skips them).
  return reactorConsumer({
    name: STOCK_OUTBOX_CONSUMER,
    handles: ["inventory.stock_updated", "inventory.sync_conflict_resolved", "inventory.reserved", "inventory.released"],
    batchSize: 100,
    async react(events, { sql, store }) {
      for (const event of events) {
        if (!isStockChangeTikTokCannotKnow(event)) continue;
        const skuId = skuIdOf(event);
        if (skuId === undefined) continue;
        if (event.aggregateId !== inventoryAggregateId(skuId)) continue;
        for (const decision of await pushToShops(sql, store, event, skuId, pushToShop)) options.onDecision?.(decision, event);
      }
    },
  });

  async function pushToShop(store: EventStore, event: StoredEvent, skuId: string, shop: ShopToPush): Promise<StockPushDecision> {
    const load = () => store.aggregateStream({ aggregateId: event.aggregateId, initialState: initialStockOutboxState, evolve: evolveStockOutbox });
    let { state } = await load();
    let decision = decideStockPush(state, event.version, shop.shopId);
    if (decision.action === "skip") return decision;
    const pushKey = `${event.creatorId}:${shop.shopId}:${skuId}`;
    const sinceLastPush = now().getTime() - (lastPushAt.get(pushKey) ?? Number.NEGATIVE_INFINITY);
    if (sinceLastPush < minPushIntervalMs) {
      await sleep(minPushIntervalMs - sinceLastPush);
      ({ state } = await load());
      decision = decideStockPush(state, event.version, shop.shopId);
      if (decision.action === "skip") return decision;
    }
    const push = decision;
    const describePush = `stock push of SKU ${skuId} (product ${push.productId}, ${push.available} available) to shop ${shop.shopId}`;
    let answer;
    try {
      answer = await callerFor(store, event.creatorId, shop.shopId).call(() =>
        options.clientFor({ creatorId: event.creatorId, shopId: shop.shopId }).updateInventory(push.productId, { skus: [{ id: skuId, inventory: [{ quantity: push.available }] }] }),
      );
    } catch (error) {
      return skipOrThrowRefusedPush(error, shop, describePush);
    }
    lastPushAt.set(pushKey, now().getTime());
    if (answer.data.failed_skus?.some((failed) => failed.id === skuId)) {
      throw new PermanentConsumerFailure(`TikTok listed SKU ${skuId} among the failed SKUs of the ${describePush}`);
    }
    await recordPush(store, event, { skuId, shopId: shop.shopId, push, tiktokRequestId: answer.requestId, conflictId: state.sync.pendingPushToTikTok?.conflictId });
    return push;
  }
}

/** Pushes the SKU's count to one shop, under that shop's and SKU's push lock. */
type PushToShop = (store: EventStore, event: StoredEvent, skuId: string, shop: ShopToPush) => Promise<StockPushDecision>;

/**
 * Sends the SKU's latest count to every shop that lists it and can be called, each on its
 * own (rate-limited, recorded, covered). A refusal no retry mends stops nothing for the
 * other shops: it is dead-lettered after them. A failure worth retrying is thrown at once;
 * the retry skips the shops already covered.
 */
async function pushToShops(sql: Sql, store: EventStore, event: StoredEvent, skuId: string, pushToShop: PushToShop): Promise<StockPushDecision[]> {
  const { state } = await store.aggregateStream({ aggregateId: event.aggregateId, initialState: initialStockOutboxState, evolve: evolveStockOutbox });
  const shops = await shopsToPush(sql, event.creatorId, state.listedInShops);
  if (shops.length === 0) return [{ action: "skip", shopId: null, reason: "no_connected_shop" }];
  const decisions: StockPushDecision[] = [];
  const refusals: string[] = [];
  for (const shop of shops) {
    // A change already covered needs no lock: nothing is sent for it.
    const covered = decideStockPush(state, event.version, shop.shopId);
    if (covered.action === "skip") {
      decisions.push(covered);
      continue;
    }
    try {
      // Under the lock the stream is read again: a push recorded meanwhile (the reconciliation's, an overlapping run's) is seen.
      decisions.push(await withStockPushLock(sql, shop.shopId, skuId, () => pushToShop(store, event, skuId, shop)));
    } catch (error) {
      if (!(error instanceof PermanentConsumerFailure)) throw error;
      refusals.push(error.message);
    }
  }
  return settledPushes(skuId, decisions, refusals);
}

/** One rate-limited caller per shop for the life of the consumer: TikTok's limits are per shop. */
function shopCallers(limits: { now: () => Date; sleep: (ms: number) => Promise<void>; maxAttempts: number }) {
  const callers = new Map<string, ReturnType<typeof createRateLimitedCaller>>();
  return (store: EventStore, creatorId: string, shopId: string) => {
    let caller = callers.get(shopId);
    if (!caller) {
      caller = createRateLimitedCaller({
        ...limits,
        api: "tiktok_shop.inventory_update",
        reportApproached: reportRateLimitApproached(store, creatorId, STOCK_OUTBOX_COMPONENT),
      });
      callers.set(shopId, caller);
    }
    return caller;
  };
}

/** What a failed push to one shop means: nothing to do for that shop, a refusal no retry mends, or (thrown again) a retry. */
function skipOrThrowRefusedPush(error: unknown, shop: ShopToPush, describePush: string): StockPushDecision {
  // Linked without a stored TikTok authorisation (or it stopped a moment ago): like a shop
  // whose seller must reconnect, it gets no calls; connecting it brings TikTok in line.
  if (error instanceof ShopNotAuthorizedError) return { action: "skip", shopId: shop.shopId, reason: "no_connected_shop" };
  // Tried only because the SKU's shop is not on record: this shop does not sell it.
  if (!shop.listed && error instanceof TikTokShopApiError && error.kind === "not_found") return { action: "skip", shopId: shop.shopId, reason: "not_listed" };
  if (error instanceof TikTokShopApiError && !error.retryable) {
    throw new PermanentConsumerFailure(`TikTok refused the ${describePush}: ${error.kind}: ${error.message}`);
  }
  throw error;
}

/** The shops' decisions, unless a shop refused for good or none of them sells the SKU: then a dead letter saying so. */
function settledPushes(skuId: string, decisions: StockPushDecision[], refusals: string[]): StockPushDecision[] {
  if (refusals.length > 0) throw new PermanentConsumerFailure(refusals.join("; "));
  const notListed = decisions.filter((decision) => decision.action === "skip" && decision.reason === "not_listed");
  if (notListed.length === decisions.length) {
    throw new PermanentConsumerFailure(
      `TikTok refused the stock push of SKU ${skuId}: not_found: none of the creator's connected shops sells it (${notListed.map((decision) => decision.shopId).join(", ")})`,
    );
  }
  return decisions;
}

/** What TikTok accepted, on the SKU's stream, once per shop and stream version. */
async function recordPush(
  store: EventStore,
  event: StoredEvent,
  pushed: { skuId: string; shopId: string; push: Extract<StockPushDecision, { action: "push" }>; tiktokRequestId?: string; conflictId?: string },
): Promise<void> {
  const { skuId, shopId, push } = pushed;
  await store.appendToStream({
    creatorId: event.creatorId,
    aggregateId: event.aggregateId,
    aggregateType: "inventory",
    events: [
      {
        type: "inventory.external_count_pushed",
        data: {
          sku_id: skuId,
          product_id: push.productId,
          total: push.total,
          available: push.available,
          stream_version: push.streamVersion,
          pushed_by: "stock_outbox",
          shop_id: shopId,
          ...(pushed.tiktokRequestId ? { tiktok_request_id: pushed.tiktokRequestId.slice(0, 200) } : {}),
          ...(pushed.conflictId ? { conflict_id: pushed.conflictId } : {}),
        },
      },
    ],
    metadata: automatedOrigin(STOCK_OUTBOX_COMPONENT, reactionTo(event)),
    idempotencyKey: `stock-outbox-push:${skuId}:${shopId}:${push.streamVersion}`,
  });
}

interface ShopToPush {
  shopId: string;
  /** TikTok reported the SKU from this shop; else it is tried because the SKU's shop is not on record. */
  listed: boolean;
}

/**
 * The creator's connected shops that list the SKU (all of them when the SKU's shop is not on
 * record: streams from before reports named their shop). A shop whose seller must reconnect
 * or that removed the app gets no calls (its creator has been told already).
 */
async function shopsToPush(sql: Sql, creatorId: string, listedInShops: string[]): Promise<ShopToPush[]> {
  const rows = await sql<{ shop_id: string }[]>`
    select shop_id from public.tiktok_shops
     where creator_id = ${creatorId}::uuid and connection_status = 'connected'
       ${listedInShops.length > 0 ? sql`and shop_id = any(${listedInShops}::text[])` : sql``}
     order by shop_id`;
  return rows.map((row) => ({ shopId: row.shop_id, listed: listedInShops.length > 0 }));
}
