// Shared set-up for the stock outbox tests: stock commands as the dashboard sends them, and
// the outbox consumer run by the real consumer runner against the simulator.
import type { Sql } from "postgres";
import { handleCommand } from "../../../src/core/command-handling.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState } from "../../../src/core/inventory/inventory.ts";
import { createStockOutboxConsumer } from "../../../src/core/inventory/stock-outbox-consumer.ts";
import type { StockPushDecision } from "../../../src/core/inventory/stock-outbox.ts";
import { createConsumerRunner, type Consumer } from "../../../src/core/processing/index.ts";
import { createTikTokShopClient, TikTokShopApiError } from "../../../src/core/tiktok/api-client.ts";
import type { TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { appKey, appSecret } from "../conflicts/harness.ts";

export async function adjustStock(sql: Sql, creatorId: string, skuId: string, newTotal: number, source: "manual" | "tiktok" = "manual", productId?: string) {
  return handleCommand({
    store: createEventStore({ sql }),
    creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory({ type: "AdjustStock", skuId, newTotal, source, productId }, state, new Date()),
    commandId: crypto.randomUUID(),
  });
}

/** The stock outbox under a private name, from the stream's head, seeing only one creator's events, calling the simulator. */
export async function stockOutboxRunner(sql: Sql, simulator: TikTokShopSimulator, creatorId: string, shop: DemoShop, options: { failFirstCalls?: number; now?: () => Date } = {}) {
  const suffix = crypto.randomUUID().slice(0, 8);
  const decisions: StockPushDecision[] = [];
  let failuresLeft = options.failFirstCalls ?? 0;
  const outbox = createStockOutboxConsumer({
    clientFor: () => {
      const client = createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher });
      return {
        updateInventory: (productId, update) => {
          if (failuresLeft <= 0) return client.updateInventory(productId, update);
          failuresLeft -= 1;
          return Promise.reject(new TikTokShopApiError("server", "TikTok answered 503"));
        },
      };
    },
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

