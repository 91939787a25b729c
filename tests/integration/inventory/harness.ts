// Shared set-up for the stock outbox tests: stock commands as the dashboard sends them, and
// the outbox consumer run by the real consumer runner against the simulator.
import type { Sql } from "postgres";
import { handleCommand } from "../../../src/core/command-handling.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState } from "../../../src/core/inventory/inventory.ts";
import { createStockOutboxConsumer, type StockOutboxOptions } from "../../../src/core/inventory/stock-outbox-consumer.ts";
import type { StockPushDecision } from "../../../src/core/inventory/stock-outbox.ts";
import { createConsumerRunner, type Consumer } from "../../../src/core/processing/index.ts";
import { createTikTokShopClient, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import type { TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { appKey, appSecret, conflictRunner, webhookIngestion } from "../conflicts/harness.ts";
import { uniqueId } from "../../test-data.ts";

/** Sets a SKU's total as `source` did; `occurredAt` backdates it (a count known from before the test's own writes). */
export async function adjustStock(sql: Sql, creatorId: string, skuId: string, newTotal: number, source: "manual" | "tiktok" = "manual", productId?: string, occurredAt?: Date) {
  return handleCommand({ metadata: { source: "automated_system" },
    store: createEventStore({ sql }),
    creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory({ type: "AdjustStock", skuId, newTotal, source, productId }, state, new Date()).map((event) => (occurredAt ? { ...event, occurredAt } : event)),
    commandId: crypto.randomUUID(),
  });
}

export interface StockOutboxRunnerOptions {
  /** The first calls fail as TikTok failing for now (503). */
  failFirstCalls?: number;
  /** The first successful calls are followed by a crash before the push is recorded. */
  crashAfterFirstCalls?: number;
  now?: () => Date;
  /** The client per shop, instead of the simulator's under `shop`'s cipher (then the options above do not apply). */
  clientFor?: StockOutboxOptions["clientFor"];
}

/** The stock outbox under a private name, from the stream's head, seeing only one creator's events, calling the simulator. */
export async function stockOutboxRunner(sql: Sql, simulator: TikTokShopSimulator, creatorId: string, shop: DemoShop, options: StockOutboxRunnerOptions = {}) {
  const suffix = uniqueId();
  const decisions: StockPushDecision[] = [];
  let failuresLeft = options.failFirstCalls ?? 0;
  let crashesLeft = options.crashAfterFirstCalls ?? 0;
  const outbox = createStockOutboxConsumer({
    clientFor: options.clientFor ?? (() => {
      const client = createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher });
      return {
        updateInventory: async (productId, update) => {
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new TikTokShopApiError("server", "TikTok answered 503");
          }
          const answer = await client.updateInventory(productId, update);
          if (crashesLeft > 0) {
            crashesLeft -= 1;
            throw new Error("crashed after TikTok's answer, before the push was recorded");
          }
          return answer;
        },
      };
    }),
    sleep: async () => undefined,
    onDecision: (decision) => decisions.push(decision),
  });
  const consumer: Consumer = {
    ...outbox,
    name: `stock-outbox-test-${suffix}`,
    handleBatch: (events, context) => outbox.handleBatch(events.filter((event) => event.creatorId === creatorId), context),
  };
  const [{ start }] = await sql<{ start: string }[]>`select pg_snapshot_xmin(pg_current_snapshot())::text as start`;
  await sql`insert into public.consumer_checkpoints (consumer, transaction_id, position) values (${consumer.name}, ${start}::xid8, 0)`;
  const runner = createConsumerRunner({ sql, consumers: [consumer], owner: `stock-outbox-test-${suffix}`, now: options.now });
  const rewind = () => sql`update public.consumer_checkpoints set transaction_id = ${start}::xid8, position = 0 where consumer = ${consumer.name}`;
  return Object.assign(runner, { name: consumer.name, decisions, rewind });
}


/**
 * Both ways a linked shop's stock syncs: TikTok's reports in (the real webhook ingestion,
 * then the sync-conflicts consumer) and local changes out (the stock outbox); `drainAll`
 * runs both consumers.
 */
export async function stockSync(sql: Sql, simulator: TikTokShopSimulator, creatorId: string, shop: DemoShop) {
  const ingest = webhookIngestion(sql);
  const conflicts = await conflictRunner(sql, [creatorId]);
  const outbox = await stockOutboxRunner(sql, simulator, creatorId, shop);
  const drainAll = async () => {
    await conflicts.drain({ budgetMs: 30_000 });
    await outbox.drain({ budgetMs: 30_000 });
  };
  return { ingest, drainAll };
}
