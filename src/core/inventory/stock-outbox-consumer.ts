// The stock outbox's consumer, in the fulfilment lane (it calls TikTok): for each change
// TikTok cannot know by itself (stock-outbox.ts), send the SKU's latest sellable count to
// TikTok and record what TikTok answered as inventory.external_count_pushed. At least once
// and idempotent: a change already covered by a push is skipped, so a crash between the
// call and the record costs at most one repeat of the same (latest) count, never an older
// one. Failing calls are retried with backoff and then dead-lettered by the consumer runner;
// a refusal no retry can mend is dead-lettered at once, saying why.
import type { Sql } from "postgres";
import { createEventStore, type StoredEvent } from "../event-store/index.ts";
import { PermanentConsumerFailure, type Consumer } from "../processing/index.ts";
import { TikTokShopApiError, type TikTokShopClient } from "../tiktok/api-client.ts";
import { createRateLimitedCaller } from "../tiktok/rate-limited-calls.ts";
import { inventoryAggregateId } from "./events.ts";
import { decideStockPush, evolveStockOutbox, initialStockOutboxState, isStockChangeTikTokCannotKnow, type StockPushDecision } from "./stock-outbox.ts";

export const STOCK_OUTBOX_CONSUMER = "stock-outbox";
/** Metadata `source` of the pushes it records. */
export const STOCK_OUTBOX_SOURCE = "stock-outbox";

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
  // One caller per shop for the life of the consumer: TikTok's limits are per shop.
  const callers = new Map<string, ReturnType<typeof createRateLimitedCaller>>();
  const callerFor = (sql: Sql, creatorId: string, shopId: string) => {
    let caller = callers.get(shopId);
    if (!caller) {
      const store = createEventStore({ sql });
      caller = createRateLimitedCaller({
        now,
        sleep,
        api: "tiktok_shop.inventory_update",
        maxAttempts: options.attemptsPerCall ?? 3,
        reportApproached: (data) =>
          store
            .appendToStream({ creatorId, aggregateId: `system-${creatorId}`, aggregateType: "system", events: [{ type: "system.api_rate_limit_approached", data, metadata: { source: STOCK_OUTBOX_SOURCE } }] })
            .then(() => undefined),
      });
      callers.set(shopId, caller);
    }
    return caller;
  };

  return {
    name: STOCK_OUTBOX_CONSUMER,
    handles: ["inventory.stock_updated", "inventory.sync_conflict_resolved"],
    transactional: false,
    batchSize: 100,
    async handleBatch(events, context) {
      // A replay must not call TikTok.
      if (context.replay) return;
      for (const event of events) {
        if (event.type !== "inventory.stock_updated" && event.type !== "inventory.sync_conflict_resolved") continue;
        if (!isStockChangeTikTokCannotKnow(event)) continue;
        const skuId = event.data.sku_id;
        if (event.aggregateId !== inventoryAggregateId(skuId)) continue;
        const decision = await pushLatestCount(context.sql, event, skuId);
        options.onDecision?.(decision, event);
      }
    },
  };

  async function pushLatestCount(sql: Sql, event: StoredEvent, skuId: string): Promise<StockPushDecision> {
    const store = createEventStore({ sql });
    const load = () => store.aggregateStream({ aggregateId: event.aggregateId, initialState: initialStockOutboxState, evolve: evolveStockOutbox });
    let { state } = await load();
    let decision = decideStockPush(state, event.version);
    if (decision.action === "skip") return decision;
    const pushKey = `${event.creatorId}:${skuId}`;
    const sinceLastPush = now().getTime() - (lastPushAt.get(pushKey) ?? Number.NEGATIVE_INFINITY);
    if (sinceLastPush < minPushIntervalMs) {
      await sleep(minPushIntervalMs - sinceLastPush);
      ({ state } = await load());
      decision = decideStockPush(state, event.version);
      if (decision.action === "skip") return decision;
    }
    const [shop] = await sql<{ shop_id: string }[]>`
      select shop_id from public.tiktok_shops
       where creator_id = ${event.creatorId}::uuid and connection_status = 'connected'
       order by shop_id limit 1`;
    // No connected shop: nothing to tell; the reconciliation after a reconnect brings TikTok in line.
    if (!shop) return { action: "skip", reason: "unknown_to_tiktok" };
    const describePush = `stock push of SKU ${skuId} (product ${decision.productId}, ${decision.available} available) to shop ${shop.shop_id}`;
    let answer;
    try {
      answer = await callerFor(sql, event.creatorId, shop.shop_id).call(() =>
        options.clientFor({ creatorId: event.creatorId, shopId: shop.shop_id }).updateInventory(decision.productId, { skus: [{ id: skuId, inventory: [{ quantity: decision.available }] }] }),
      );
    } catch (error) {
      if (error instanceof TikTokShopApiError && !error.retryable) {
        throw new PermanentConsumerFailure(`TikTok refused the ${describePush}: ${error.kind}: ${error.message}`);
      }
      throw error;
    }
    lastPushAt.set(pushKey, now().getTime());
    if (answer.data.failed_skus?.some((failed) => failed.id === skuId)) {
      throw new PermanentConsumerFailure(`TikTok listed SKU ${skuId} among the failed SKUs of the ${describePush}`);
    }
    await store.appendToStream({
      creatorId: event.creatorId,
      aggregateId: event.aggregateId,
      aggregateType: "inventory",
      events: [
        {
          type: "inventory.external_count_pushed",
          data: {
            sku_id: skuId,
            product_id: decision.productId,
            total: decision.total,
            available: decision.available,
            stream_version: decision.streamVersion,
            pushed_by: "stock_outbox",
            ...(answer.requestId ? { tiktok_request_id: answer.requestId.slice(0, 200) } : {}),
            ...(state.sync.pendingPushToTikTok ? { conflict_id: state.sync.pendingPushToTikTok.conflictId } : {}),
          },
          metadata: { source: STOCK_OUTBOX_SOURCE, causation_id: event.id },
        },
      ],
      idempotencyKey: `stock-outbox-push:${skuId}:${decision.streamVersion}`,
    });
    return decision;
  }
}
