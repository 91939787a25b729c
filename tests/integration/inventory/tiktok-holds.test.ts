// TikTok's creator and campaign holds against real Postgres and the simulator as TikTok:
// TikTok's reports go through the real webhook ingestion and the sync-conflicts consumer,
// local changes through the stock outbox, and the inventory levels projection (in a schema
// of this file's own) shows what the dashboard shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inventoryLevelsProjection } from "../../../src/core/projections/index.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { availableOf, createShopWorld } from "../../../src/simulator/shop-world.ts";
import { appKey, appSecret, inventoryWebhook, linkShop, nowSeconds, uniqueShop } from "../conflicts/harness.ts";
import { connectTestDatabase } from "../database.ts";
import { readModelSchema } from "../projections/read-model-harness.ts";
import { adjustStock, stockSync } from "./harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "holds");
const shops: DemoShop[] = [uniqueShop(), uniqueShop(), uniqueShop()];
let simulator: TikTokShopSimulator;
beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, world: createShopWorld(shops), appKey, appSecret, rateLimitPerSecond: 1_000 });
  await models.startAtEndOfStream([inventoryLevelsProjection]);
});
afterAll(() => simulator.close());

async function level(creatorId: string, skuId: string) {
  await models.project([inventoryLevelsProjection]);
  const [row] = await sql<{ total: number; reserved: number; tiktok_held: number; available: number }[]>`
    select total, reserved, tiktok_held, available from ${models.table("inventory_levels")} where creator_id = ${creatorId} and sku_id = ${skuId}`;
  return row;
}

/** A linked shop whose first SKU TikTok reports with 10 in total, 3 of them held for a campaign. */
async function setUp(shop: DemoShop) {
  const creatorId = await linkShop(sql, shop);
  const sku = shop.skus[0]!;
  const stock = simulator.world.stockBySku.get(sku.skuId)!;
  Object.assign(stock, { total: 10, committed: 0, creatorReserved: 0, campaignReserved: 3 });
  const { ingest, drainAll } = await stockSync(sql, simulator, creatorId, shop);
  const updateTime = nowSeconds();
  await ingest(inventoryWebhook(shop, 0, { total: 10, campaign: 3, updateTime }));
  await drainAll();
  return { creatorId, sku, stock, ingest, drainAll, updateTime };
}

describe("TikTok's holds", () => {
  it("are known locally: the local available count is TikTok's sellable count, not the total less reservations", async () => {
    const { creatorId, sku, stock } = await setUp(shops[0]!);
    expect(await level(creatorId, sku.skuId)).toEqual({ total: 10, reserved: 0, tiktok_held: 3, available: availableOf(stock) });
    expect(availableOf(stock)).toBe(7);
  });

  it("are never added to TikTok's total by a push: after a manual restock both sides show the same total and the same sellable count", async () => {
    const { creatorId, sku, stock, drainAll } = await setUp(shops[1]!);
    await adjustStock(sql, creatorId, sku.skuId, 20);
    await drainAll();

    expect(stock.total).toBe(20);
    expect(stock.campaignReserved).toBe(3);
    expect(await level(creatorId, sku.skuId)).toEqual({ total: 20, reserved: 0, tiktok_held: 3, available: availableOf(stock) });
    expect(availableOf(stock)).toBe(17);
  });

  it("follow TikTok's newest report: a released hold frees the units, and an older report arriving late does not hold them again", async () => {
    const { creatorId, sku, stock, ingest, drainAll, updateTime } = await setUp(shops[2]!);
    stock.campaignReserved = 0;
    await ingest(inventoryWebhook(shops[2]!, 0, { total: 10, updateTime: updateTime + 60 }));
    await ingest(inventoryWebhook(shops[2]!, 0, { total: 10, campaign: 3, updateTime: updateTime + 30 }));
    await drainAll();

    expect(await level(creatorId, sku.skuId)).toEqual({ total: 10, reserved: 0, tiktok_held: 0, available: availableOf(stock) });
    expect(availableOf(stock)).toBe(10);
  });
});
