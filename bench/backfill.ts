// Backfill of a shop's history from the TikTok Shop simulator: 10,000 orders and 1,000
// SKUs (products of one or a few SKUs), through the paged searches into the event store,
// with the simulator's rate limit on (50 calls/s per shop, as by default, and 5% of calls
// refused with 429) and off. One JSON line per scenario on stdout.
//
// It starts its own embedded PostgreSQL (BENCH_DB_PORT, default 54356; database recreated)
// unless DATABASE_URL is set, and the simulator in process on a free port.
import postgres from "postgres";
import { advanceShopImports } from "../src/core/shop-history/shop-import.ts";
import { createTikTokShopClient } from "../src/core/channels/tiktok-shop/api-client.ts";
import { defaultTikTokCredentials, startTikTokShopSimulator } from "../src/simulator/api-server.ts";
import type { DemoShop } from "../src/simulator/demo-catalogue.ts";
import { createShopWorld, type ShopWorld } from "../src/simulator/shop-world.ts";
import { createWebhookTraffic } from "../src/simulator/webhook-traffic.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { cpuProbe } from "./lib/cpu.ts";
import { emit, log, round } from "./lib/measure.ts";
import { benchShop } from "./lib/bench-shop.ts";

const ORDERS = 10_000;
const SKUS = 1_000;
const PAGE_SIZE = 100;
const START_TIME = 1_764_000_000;

/** Plays the simulator's order lifecycle until the shop has `orders` orders. */
function worldWithOrders(shop: DemoShop, orders: number, seed: number): ShopWorld {
  const world = createShopWorld([shop]);
  const traffic = createWebhookTraffic({ seed, creators: 1, startTime: START_TIME, duplicateRate: 0, reorderRate: 0, world });
  while (world.orders.size < orders) traffic.next();
  return world;
}

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54356);
  log(process.env.DATABASE_URL ? "using DATABASE_URL (migrations applied)" : `starting embedded PostgreSQL 17 on port ${port}`);
  const database = await prepareDatabase({ port, name: "postgres-bench-backfill", database: "creatorflow_bench_backfill", recreate: true, log: (line) => log(line.trimEnd()) });
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const scenarios = [
    { name: "rate_limit_off", rateLimitPerSecond: 1_000_000, rateLimitErrorRate: 0 },
    { name: "rate_limit_on", rateLimitPerSecond: 50, rateLimitErrorRate: 0.05 },
  ];
  try {
    for (const [index, scenario] of scenarios.entries()) {
      const shop = benchShop({ prefix: `7494726673${index + 1}`, shopCipher: `ROW_bench_${index + 1}`, skus: SKUS, skusPerProduct: 3, initialStock: 10_000 });
      log(`${scenario.name}: building a world of ${ORDERS} orders and ${SKUS} SKUs`);
      // Order ids come from the seed: a seed per scenario, so no scenario finds another's orders.
      const world = worldWithOrders(shop, ORDERS, 20261201 + index);
      const latest = Math.max(...[...world.orders.values()].map((order) => order.updateTime));
      const simulator = await startTikTokShopSimulator({ port: 0, world, seed: 11, rateLimitPerSecond: scenario.rateLimitPerSecond, rateLimitErrorRate: scenario.rateLimitErrorRate });
      const creatorId = crypto.randomUUID();
      await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name) values (${shop.shopId}, ${creatorId}::uuid, 'bench')`;
      const client = createTikTokShopClient({ baseUrl: simulator.url, appKey: defaultTikTokCredentials.appKey, appSecret: defaultTikTokCredentials.appSecret, accessToken: "bench-token", shopCipher: shop.shopCipher });
      const cpu = await cpuProbe(sql);
      const started = performance.now();
      const [advance] = await advanceShopImports({
        sql,
        readerFor: () => client,
        // The simulator's orders arrive hours apart: the window is widened to hold all 10,000.
        now: () => new Date((latest + 3600) * 1000),
        creatorIds: [creatorId],
        days: Math.ceil((latest - START_TIME) / 86_400) + 1,
        pageSize: PAGE_SIZE,
        maxPagesPerCall: 10_000,
        maxAttempts: 20,
      });
      const elapsedMs = performance.now() - started;
      const usage = cpu.lap();
      await simulator.close();
      const [row] = await sql<{ orders_imported: number; skus_imported: number }[]>`select orders_imported, skus_imported from public.shop_imports where id = ${advance!.importId}`;
      emit({
        benchmark: "backfill",
        scenario: scenario.name,
        status: advance!.status,
        orders: row!.orders_imported,
        skus: row!.skus_imported,
        pages: advance!.pages,
        events: advance!.events,
        elapsed_ms: round(elapsedMs, 0),
        events_per_s: round((advance!.events / elapsedMs) * 1000, 0),
        orders_per_s: round((row!.orders_imported / elapsedMs) * 1000, 0),
        rate_limited_retries: advance!.rateLimitedRetries,
        rate_limit_warnings: advance!.rateLimitWarnings,
        waited_on_rate_limit_ms: round(advance!.waitedMs, 0),
        client_cpu_ms: round(usage.clientCpuMs, 0),
        server_cpu_ms: usage.serverCpuMs === null ? null : round(usage.serverCpuMs, 0),
      });
    }
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
}
