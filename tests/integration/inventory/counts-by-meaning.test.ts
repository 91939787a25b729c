// Counts by meaning, not by clocks, against real Postgres and a simulator whose clock is an
// hour behind or a day ahead of ours: TikTok's reports go through the real webhook ingestion
// and the sync-conflicts consumer, local stock changes through the stock outbox.
import { afterEach, describe, expect, it } from "vitest";
import { listSyncConflicts } from "../../../src/core/conflicts/index.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { evolveInventory, initialInventoryState } from "../../../src/core/inventory/inventory.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { availableOf, createShopWorld } from "../../../src/simulator/shop-world.ts";
import { appKey, appSecret, inventoryWebhook, linkShop, uniqueShop } from "../conflicts/harness.ts";
import { connectTestDatabase } from "../database.ts";
import { adjustStock, stockSync } from "./harness.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

let simulator: TikTokShopSimulator | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

const localTotal = async (skuId: string) => (await store.aggregateStream({ aggregateId: inventoryAggregateId(skuId), initialState: initialInventoryState, evolve: evolveInventory })).state.total;

describe.each([
  ["an hour behind", -3600],
  ["a day ahead", 86_400],
])("with TikTok's clock %s", (_, skew) => {
  async function setUp() {
    const shop = uniqueShop();
    const creatorId = await linkShop(sql, shop);
    simulator = await startTikTokShopSimulator({ port: 0, world: createShopWorld([shop]), appKey, appSecret, clockSkewSeconds: skew });
    const tiktokSeconds = () => Math.floor(simulator!.tiktokNow() / 1000);
    const sku = shop.skus[0]!;
    const stock = simulator.world.stockBySku.get(sku.skuId)!;
    const { ingest, drainAll } = await stockSync(sql, simulator, creatorId, shop);
    stock.total = 10;
    await ingest(inventoryWebhook(shop, 0, { total: 10, updateTime: tiktokSeconds() }));
    await drainAll();
    expect(await localTotal(sku.skuId)).toBe(10);
    return { shop, creatorId, sku, stock, ingest, drainAll, tiktokSeconds };
  }

  it("keeps a restock made on TikTok's side after a local correction was pushed, and never pushes below it", async () => {
    const { shop, creatorId, sku, stock, ingest, drainAll, tiktokSeconds } = await setUp();
    await adjustStock(sql, creatorId, sku.skuId, 3);
    await drainAll();
    expect(stock.total).toBe(3);

    // The seller restocks in Seller Center; TikTok's report carries TikTok's (skewed) time.
    stock.total = 107;
    await ingest(inventoryWebhook(shop, 0, { total: 107, updateTime: tiktokSeconds() }));
    await drainAll();

    expect(await localTotal(sku.skuId)).toBe(107);
    expect(availableOf(stock)).toBe(107);
    const { conflicts } = await listSyncConflicts(sql, { creatorId });
    expect(conflicts.map((conflict) => conflict.method)).not.toContain("newest_wins");
  });

  it("sees no conflict in a TikTok report that only lacks a local change not yet pushed, and then pushes it", async () => {
    const { shop, creatorId, sku, stock, ingest, drainAll, tiktokSeconds } = await setUp();
    await adjustStock(sql, creatorId, sku.skuId, 14);
    // TikTok reports before the outbox has run: still the 10 it was last known to have.
    await ingest(inventoryWebhook(shop, 0, { total: 10, updateTime: tiktokSeconds() }));
    await drainAll();

    const { conflicts } = await listSyncConflicts(sql, { creatorId });
    expect(conflicts).toHaveLength(0);
    expect(await localTotal(sku.skuId)).toBe(14);
    expect(stock.total).toBe(14);
  });
});
