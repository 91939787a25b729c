// The stock outbox as production runs it: a manual adjustment's append wakes the
// process-events Edge Function in real Deno through pg_net (the stand-in's database workers),
// whose fulfilment lane pushes the count to TikTok (the simulator) with the shop's sealed
// seller token. On a database of its own, as wakeup.test.ts.
import { describe, expect, it } from "vitest";
import { uniqueShop } from "../conflicts/harness.ts";
import { linkShopAsConnected } from "../linked-shop.ts";
import { newCreatorId } from "../database.ts";
import { startFunctionsWithSimulator } from "../functions-with-simulator.ts";
import { adjustStock } from "./harness.ts";

const shop = uniqueShop();
const sku = shop.skus[0]!;

const { sql, simulator, tokenEncryptionKey } = await startFunctionsWithSimulator({
  database: { name: "stock-outbox-function", portOffset: 12, max: 4 },
  shop,
  appKey: "stock_outbox_app_key",
  appSecret: "stock_outbox_app_secret",
  databaseWorkers: true,
  env: { FULFILMENT_SAGA: "off" },
});

const setStock = (creatorId: string, newTotal: number, source: "manual" | "tiktok") => adjustStock(sql, creatorId, sku.skuId, newTotal, source, sku.productId);

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
    await setStock(creatorId, 40, "tiktok");

    await setStock(creatorId, 23, "manual");
    const tookMs = await tiktokShows(23, 10_000);

    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(23);
    expect(tookMs).toBeLessThan(5_000);
    const updates = simulator.requests.filter((request) => request.path === `/product/202309/products/${sku.productId}/inventory/update`);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.status).toBe(200);
  });
});
