// The stock outbox as production runs it: a manual adjustment's append wakes the
// process-events Edge Function in real Deno through pg_net (the stand-in's database workers),
// whose fulfilment lane pushes the count to TikTok (the simulator) with the shop's sealed
// seller token. On a database of its own, as wakeup.test.ts.
import { afterAll, describe, expect, it } from "vitest";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { uniqueShop } from "../conflicts/harness.ts";
import { linkShopAsConnected } from "../linked-shop.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";
import { adjustStock } from "./harness.ts";

const appKey = "stock_outbox_app_key";
const appSecret = "stock_outbox_app_secret";
const shop = uniqueShop();
const sku = shop.skus[0]!;

const tokenEncryptionKey = generateTokenEncryptionKey();
const { url: databaseUrl, sql } = await ownTestDatabase("stock-outbox-function", 12, { max: 4 });
const simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world: createShopWorld([shop]), rateLimitPerSecond: 10_000 });
afterAll(() => simulator.close());
await startFunctionsStandIn({
  databaseUrl,
  databaseWorkers: true,
  tiktok: { appKey, appSecret, apiBaseUrl: simulator.url, tokenEncryptionKey },
  env: { FULFILMENT_SAGA: "off" },
});

const setStock = (creatorId: string, newTotal: number, source: "manual" | "tiktok", occurredAt?: Date) =>
  adjustStock(sql, creatorId, sku.skuId, newTotal, source, sku.productId, occurredAt);

/** Polls the simulator's count until it shows `total`, or the deadline passes; the time it took. */
async function tiktokShows(total: number, withinMs: number): Promise<number> {
  const started = performance.now();
  const stock = simulator.world.stockBySku.get(sku.skuId)!;
  while (stock.total !== total && performance.now() - started < withinMs) await new Promise((resolve) => setTimeout(resolve, 20));
  return performance.now() - started;
}

describe("the stock outbox in the process-events function", () => {
  it("sends a manual adjustment to TikTok within seconds of its commit, woken by the append itself", async () => {
    const creatorId = newCreatorId();
    const sellerOpenId = "stock-outbox-seller";
    await linkShopAsConnected(sql, { creatorId, shop, sellerOpenId, accessToken: "stock-outbox-token", tokenEncryptionKey });
    simulator.world.stockBySku.get(sku.skuId)!.total = 40;
    // TikTok's count was known a while before: a manual change right after a TikTok write would
    // be a concurrent update (the sync rules' 10 s window), which TikTok wins.
    await setStock(creatorId, 40, "tiktok", new Date(Date.now() - 60_000));

    await setStock(creatorId, 23, "manual");
    await tiktokShows(23, 10_000);

    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(23);
    const updates = simulator.requests.filter((request) => request.path === `/product/202309/products/${sku.productId}/inventory/update`);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.status).toBe(200);
  });
});
