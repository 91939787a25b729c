// The stock outbox: how soon a local stock change reaches TikTok (the simulator), and how
// many API calls a burst of changes to one SKU costs. One JSON line per scenario on stdout.
//
//   stock_push_latency     200 manual adjustments over 20 SKUs, one every 50 ms; per change,
//                          from its commit to the end of the TikTok call that carried its
//                          count (or a later one): p50 / p99
//   stock_push_coalescing  100 adjustments to one SKU within a second; API calls made
//
// The fulfilment lane is called back to back in process, as the pg_net wake-ups and the
// pg_cron safety net call it in the Edge Function (each call drains, watches, stops after a
// 500 ms lull); the wake-up's own delay (milliseconds, see bench/process.ts) is not in it.
// Its own embedded PostgreSQL (BENCH_DB_PORT, default 54366; database recreated), the
// simulator in process on a free port.
import postgres, { type Sql } from "postgres";
import { handleCommand } from "../src/core/command-handling.ts";
import { createEventStore } from "../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState } from "../src/core/inventory/inventory.ts";
import { createStockOutboxConsumer } from "../src/core/inventory/stock-outbox-consumer.ts";
import { createEventProcessing } from "../src/core/process-events.ts";
import { createTikTokShopClient, type TikTokShopClient } from "../src/core/channels/tiktok-shop/api-client.ts";
import { defaultTikTokCredentials, startTikTokShopSimulator } from "../src/simulator/api-server.ts";
import { createShopWorld } from "../src/simulator/shop-world.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";
import { benchShop } from "./lib/bench-shop.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function adjust(sql: Sql, creatorId: string, sku: { skuId: string; productId: string }, newTotal: number, source: "manual" | "tiktok") {
  return handleCommand({ metadata: { source: "automated_system" },
    store: createEventStore({ sql }),
    creatorId,
    aggregateId: inventoryAggregateId(sku.skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory({ type: "AdjustStock", skuId: sku.skuId, productId: sku.productId, newTotal, source }, state, new Date()),
    commandId: crypto.randomUUID(),
  });
}

/** A shop linked to a new creator, its SKUs' counts known from TikTok, and the fulfilment lane running until stopped. */
async function scenario(sql: Sql, index: number, skuCount: number) {
  const shop = benchShop({ prefix: `7494726674${index}`, shopCipher: `ROW_bench_stock_${index}`, skus: skuCount, skusPerProduct: 1, initialStock: 1_000 });
  const simulator = await startTikTokShopSimulator({ port: 0, world: createShopWorld([shop]), rateLimitPerSecond: 50 });
  const creatorId = crypto.randomUUID();
  await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name) values (${shop.shopId}, ${creatorId}::uuid, 'bench')`;
  for (const sku of shop.skus) await adjust(sql, creatorId, sku, 1_000, "tiktok");
  // When each SKU's pushes completed, with the stream version they carried.
  const completed = new Map<string, { version: number; at: number }[]>();
  let calls = 0;
  const client = createTikTokShopClient({ baseUrl: simulator.url, appKey: defaultTikTokCredentials.appKey, appSecret: defaultTikTokCredentials.appSecret, accessToken: "bench-token", shopCipher: shop.shopCipher });
  const counting: Pick<TikTokShopClient, "updateInventory"> = {
    updateInventory: async (productId, update) => {
      calls += 1;
      return client.updateInventory(productId, update);
    },
  };
  const processing = createEventProcessing({
    sql,
    owner: `bench-stock-${index}`,
    stockOutboxConsumers: [
      createStockOutboxConsumer({
        clientFor: () => counting,
        onDecision: (decision) => {
          if (decision.action !== "push") return;
          const list = completed.get(decision.skuId) ?? [];
          list.push({ version: decision.streamVersion, at: performance.now() });
          completed.set(decision.skuId, list);
        },
      }),
    ],
  });
  // Start from the head: the set-up's counts came from TikTok and push nothing anyway.
  await processing.processLane("fulfilment", 5_000);
  calls = 0;
  let running = true;
  const lane = (async () => {
    while (running) await processing.processLane("fulfilment", 5_000);
  })();
  return {
    shop,
    creatorId,
    completed,
    calls: () => calls,
    simulator,
    async stop() {
      running = false;
      await lane;
      await simulator.close();
    },
  };
}

/** Waits until every SKU's newest push carries at least the wanted version. */
async function drained(completed: Map<string, { version: number }[]>, wanted: Map<string, number>, withinMs: number) {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const behind = [...wanted].filter(([skuId, version]) => !(completed.get(skuId) ?? []).some((push) => push.version >= version));
    if (behind.length === 0) return;
    if (performance.now() > deadline) throw new Error(`${behind.length} SKUs never caught up`);
    await sleep(20);
  }
}

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54366);
  log(process.env.DATABASE_URL ? "using DATABASE_URL (migrations applied)" : `starting embedded PostgreSQL 17 on port ${port}`);
  const database = await prepareDatabase({ port, name: "postgres-bench-stock", database: "creatorflow_bench_stock", recreate: true, ephemeral: true, log: (line) => log(line.trimEnd()) });
  const sql = postgres(database.url, { max: 8, onnotice: () => {} });
  try {
    {
      const CHANGES = 200;
      const SKUS = 20;
      const world = await scenario(sql, 1, SKUS);
      log(`stock_push_latency: ${CHANGES} adjustments over ${SKUS} SKUs, one every 50 ms`);
      const changes: { skuId: string; version: number; committedAt: number }[] = [];
      const wanted = new Map<string, number>();
      for (let change = 0; change < CHANGES; change += 1) {
        const sku = world.shop.skus[change % SKUS]!;
        const result = await adjust(sql, world.creatorId, sku, 500 + change, "manual");
        changes.push({ skuId: sku.skuId, version: result.version, committedAt: performance.now() });
        wanted.set(sku.skuId, result.version);
        await sleep(50);
      }
      await drained(world.completed, wanted, 60_000);
      const latencies = Float64Array.from(
        changes.map((change) => {
          const push = (world.completed.get(change.skuId) ?? []).find((candidate) => candidate.version >= change.version)!;
          return push.at - change.committedAt;
        }),
      ).sort();
      const lastValues = world.shop.skus.every((sku, index) => world.simulator.world.stockBySku.get(sku.skuId)!.total === 500 + CHANGES - SKUS + index);
      emit({
        benchmark: "stock",
        scenario: "stock_push_latency",
        changes: CHANGES,
        skus: SKUS,
        api_calls: world.calls(),
        p50_ms: round(percentile(latencies, 50), 0),
        p99_ms: round(percentile(latencies, 99), 0),
        max_ms: round(latencies[latencies.length - 1]!, 0),
        tiktok_shows_last_values: lastValues,
      });
      await world.stop();
    }
    {
      const CHANGES = 100;
      const world = await scenario(sql, 2, 1);
      const sku = world.shop.skus[0]!;
      log(`stock_push_coalescing: ${CHANGES} adjustments to one SKU within a second`);
      const started = performance.now();
      let last = 0;
      for (let change = 0; change < CHANGES; change += 1) {
        last = (await adjust(sql, world.creatorId, sku, 200 + change, "manual")).version;
        await sleep(Math.max(0, started + ((change + 1) * 1000) / CHANGES - performance.now()));
      }
      const spanMs = performance.now() - started;
      await drained(world.completed, new Map([[sku.skuId, last]]), 60_000);
      emit({
        benchmark: "stock",
        scenario: "stock_push_coalescing",
        changes: CHANGES,
        changes_span_ms: round(spanMs, 0),
        api_calls: world.calls(),
        api_calls_per_100_changes: round((world.calls() / CHANGES) * 100, 1),
        tiktok_shows_last_value: world.simulator.world.stockBySku.get(sku.skuId)!.total === 200 + CHANGES - 1,
      });
      await world.stop();
    }
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
}
