// One pool across channels: how soon a sale on TikTok Shop shows on Shopify. One JSON line
// on stdout.
//
//   channel_stock_propagation  200 TikTok sales over 20 SKUs, one every 50 ms; per sale, from
//                              the commit of its reservation (what the fulfilment saga appends
//                              for a TikTok order) to Shopify (the simulator, over HTTP)
//                              applying the compare-and-set write that shows it: p50 / p99
//
// The fulfilment lane (the channel consumers among its groups) is called back to back in
// process, as the pg_net wake-ups call it in the Edge Function; the wake-up's own delay
// (milliseconds, see bench/process.ts) and the saga's steps before its reservation are not in it.
// Its own embedded PostgreSQL (BENCH_DB_PORT, default 54366; database recreated).
import postgres, { type Sql } from "postgres";
import { handleCommand } from "../src/core/command-handling.ts";
import { createChannelOrdersConsumer } from "../src/core/channels/channel-orders-consumer.ts";
import { createChannelStockOutboxConsumer } from "../src/core/channels/channel-stock-outbox-consumer.ts";
import { createShopifyChannel } from "../src/core/channels/shopify/channel-adapter.ts";
import { createShopifyStoresListing, linkShopifyInventoryItem, linkShopifyStore, sealShopifyToken } from "../src/core/channels/shopify/shopify-stores.ts";
import { createEventStore } from "../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState, type InventoryCommand } from "../src/core/inventory/inventory.ts";
import { createEventProcessing } from "../src/core/process-events.ts";
import { generateTokenEncryptionKey } from "../src/core/shops/token-encryption.ts";
import { startShopifySimulator } from "../src/simulator/shopify/shopify-simulator.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

const SALES = 200;
const SKUS = 20;
const INITIAL = 1_000;
const shopDomain = "bench-channels.myshopify.com";
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function onInventory(sql: Sql, creatorId: string, command: InventoryCommand) {
  return handleCommand({
    store: createEventStore({ sql }),
    creatorId,
    aggregateId: inventoryAggregateId(command.skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory(command, state, new Date()),
    commandId: crypto.randomUUID(),
    metadata: { source: "automated_system", component: "bench-channels" },
  });
}

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54366);
  log(process.env.DATABASE_URL ? "using DATABASE_URL (migrations applied)" : `starting embedded PostgreSQL 17 on port ${port}`);
  const database = await prepareDatabase({ port, name: "postgres-bench-channels", database: "creatorflow_bench_channels", recreate: true, ephemeral: true, log: (line) => log(line.trimEnd()) });
  const sql = postgres(database.url, { max: 8, onnotice: () => {} });
  // When Shopify applied each write, by SKU: the count it showed from then on.
  const shown = new Map<string, { quantity: number; at: number }[]>();
  const shopify = await startShopifySimulator({
    shopDomain,
    clientId: "bench-client",
    clientSecret: "bench-secret",
    onWrite: ({ sku, quantity }) => shown.set(sku, [...(shown.get(sku) ?? []), { quantity, at: performance.now() }]),
  });
  try {
    const creatorId = crypto.randomUUID();
    const tokenEncryptionKey = generateTokenEncryptionKey();
    const consent = await fetch(`${shopify.url}/admin/oauth/authorize?client_id=bench-client&scope=write_inventory&redirect_uri=http%3A%2F%2Fbench%2Fcb&state=b`, { redirect: "manual" });
    const code = new URL(consent.headers.get("location")!).searchParams.get("code");
    const exchange = await fetch(`${shopify.url}/admin/oauth/access_token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: "bench-client", client_secret: "bench-secret", code }) });
    const { access_token: accessToken } = (await exchange.json()) as { access_token: string };
    await linkShopifyStore(sql, { creatorId, shopDomain, accessTokenSealed: await sealShopifyToken(tokenEncryptionKey, shopDomain, accessToken), scopes: ["write_inventory"], locationId: shopify.locationId });
    const skus = Array.from({ length: SKUS }, (_, index) => `BENCH-CH-${index}`);
    for (const skuId of skus) {
      await onInventory(sql, creatorId, { type: "AdjustStock", skuId, newTotal: INITIAL, source: "tiktok" });
      await linkShopifyInventoryItem(sql, { shopDomain, inventoryItemId: shopify.list(skuId, INITIAL), skuId });
    }
    const channel = createShopifyChannel({ clientId: "bench-client", clientSecret: "bench-secret", apiBaseUrl: shopify.url });
    const processing = createEventProcessing({
      sql,
      owner: "bench-channels",
      channelConsumers: [createChannelOrdersConsumer(), createChannelStockOutboxConsumer({ shopsListing: createShopifyStoresListing({ channel, tokenEncryptionKey }) })],
    });
    await processing.processLane("fulfilment", 5_000);
    let running = true;
    const lane = (async () => {
      while (running) await processing.processLane("fulfilment", 5_000);
    })();

    log(`channel_stock_propagation: ${SALES} TikTok sales over ${SKUS} SKUs, one every 50 ms`);
    const sales: { skuId: string; expected: number; committedAt: number }[] = [];
    const soldBySku = new Map<string, number>();
    for (let sale = 0; sale < SALES; sale += 1) {
      const skuId = skus[sale % SKUS]!;
      await onInventory(sql, creatorId, { type: "Reserve", skuId, orderId: `5766${String(sale).padStart(10, "0")}`, quantity: 1, channel: "tiktok_shop" });
      const sold = (soldBySku.get(skuId) ?? 0) + 1;
      soldBySku.set(skuId, sold);
      sales.push({ skuId, expected: INITIAL - sold, committedAt: performance.now() });
      await sleep(50);
    }
    const deadline = performance.now() + 60_000;
    while (skus.some((skuId) => shopify.available(skuId) !== INITIAL - (soldBySku.get(skuId) ?? 0)) && performance.now() < deadline) await sleep(20);
    running = false;
    await lane;
    const latencies = Float64Array.from(
      sales.map((sale) => {
        const write = (shown.get(sale.skuId) ?? []).find((candidate) => candidate.quantity <= sale.expected);
        return write ? write.at - sale.committedAt : Number.POSITIVE_INFINITY;
      }),
    ).sort();
    emit({
      benchmark: "channels",
      scenario: "channel_stock_propagation",
      sales: SALES,
      skus: SKUS,
      shopify_writes: shopify.writes.length,
      stale_writes: shopify.staleWrites,
      p50_ms: round(percentile(latencies, 50), 0),
      p99_ms: round(percentile(latencies, 99), 0),
      max_ms: round(latencies[latencies.length - 1]!, 0),
      shopify_shows_pool: skus.every((skuId) => shopify.available(skuId) === INITIAL - (soldBySku.get(skuId) ?? 0)),
    });
  } finally {
    await shopify.close();
    await sql.end();
    await database.stop();
  }
}
