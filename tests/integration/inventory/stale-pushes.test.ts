// Nothing but the outbox may push, and nothing may push a count older than one already
// pushed, nor take a count read from TikTok before a push for TikTok's count now. The
// reconciliation and the stock outbox against real Postgres and the simulator as TikTok over
// HTTP; the reconciliation's TikTok client is the real one, with the other pusher's work
// interleaved at the moment of its read or its push.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileInventory } from "../../../src/core/conflicts/index.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { createTikTokShopClient, type TikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { appKey, appSecret, linkShop, uniqueShop } from "../conflicts/harness.ts";
import { connectTestDatabase } from "../database.ts";
import { adjustStock, stockOutboxRunner } from "./harness.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });
let simulator: TikTokShopSimulator;
const shops = [uniqueShop(), uniqueShop()];
beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, world: createShopWorld(shops), appKey, appSecret, rateLimitPerSecond: 1_000 });
});
afterAll(() => simulator.close());

const MINUTE = 60_000;
const pushedQuantities = (productId: string, skuId: string) =>
  simulator.requests
    .filter((request) => request.path === `/product/202309/products/${productId}/inventory/update` && request.status === 200)
    .map((request) => (JSON.parse(request.body) as { skus: { id: string; inventory: { quantity: number }[] }[] }).skus.find((entry) => entry.id === skuId)!.inventory[0]!.quantity);
const streamOf = (skuId: string) => store.readStream(inventoryAggregateId(skuId));

/** A shop linked to a fresh creator, its first SKU at 50 on both sides (taken from TikTok), and the outbox for it. */
async function setUp(shop: DemoShop) {
  const creatorId = await linkShop(sql, shop);
  const sku = shop.skus[0]!;
  simulator.world.stockBySku.get(sku.skuId)!.total = 50;
  await adjustStock(sql, creatorId, sku.skuId, 50, "tiktok", sku.productId);
  const client = createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher });
  return { creatorId, sku, client, outbox: await stockOutboxRunner(sql, simulator, creatorId, shop) };
}

/** Someone is waiting for the push lock of this shop and SKU (the outbox behind the reconciliation). */
async function pushLockAwaited(shopId: string, skuId: string): Promise<boolean> {
  const [{ waiting }] = await sql<{ waiting: boolean }[]>`
    select exists (
      select 1 from pg_locks
       where locktype = 'advisory' and not granted
         and ((classid::bigint << 32) | objid::bigint) = hashtextextended(${`stock-push:${shopId}:${skuId}`}, 0)
    ) as waiting`;
  return waiting;
}

async function until(what: string, check: () => Promise<boolean>, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("pushes to TikTok from the reconciliation and the outbox", () => {
  it("sets aside a reconciliation read taken before the outbox pushed: TikTok's old count neither wins a conflict nor moves the local count", async () => {
    const shop = shops[0]!;
    const { creatorId, sku, client, outbox } = await setUp(shop);
    await adjustStock(sql, creatorId, sku.skuId, 40);
    const readBeforePush: TikTokShopClient = {
      ...client,
      // TikTok answers 50; before that answer is judged, the outbox pushes the local 40 and records it.
      searchInventory: async (query) => {
        const answer = await client.searchInventory(query);
        await outbox.drain({ budgetMs: 30_000 });
        return answer;
      },
    };

    const report = await reconcileInventory({ sql, creatorIds: [creatorId], now: () => new Date(), sleep: async () => undefined, clientForShop: () => readBeforePush });

    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(40);
    expect(report).toMatchObject({ skusChecked: 1, conflictsDetected: 0, pushedToTikTok: 0 });
    const stream = await streamOf(sku.skuId);
    expect(stream.filter((event) => event.type === "inventory.sync_conflict_detected")).toEqual([]);
    expect(stream.filter((event) => event.type === "inventory.stock_updated").map((event) => event.data.new_total)).toEqual([50, 40]);
  });

  it("never lands the reconciliation's older count after a newer one the outbox pushed while it was sending", async () => {
    const shop = shops[1]!;
    const { creatorId, sku, client, outbox } = await setUp(shop);
    // A local change the outbox did not send in its two minutes: the reconciliation sends it (40).
    await adjustStock(sql, creatorId, sku.skuId, 40);
    let interleaved = false;
    const slowPush: TikTokShopClient = {
      ...client,
      // While the reconciliation's 40 is on its way, the creator sets 30 and the outbox pushes it, or waits its turn.
      updateInventory: async (productId, update) => {
        if (!interleaved) {
          interleaved = true;
          await adjustStock(sql, creatorId, sku.skuId, 30);
          const outboxRun = outbox.drain({ budgetMs: 30_000 });
          await until("the outbox to push 30 or wait for the reconciliation's push", async () =>
            simulator.world.stockBySku.get(sku.skuId)!.total === 30 || (await pushLockAwaited(shop.shopId, sku.skuId)));
          const answer = await client.updateInventory(productId, update);
          void outboxRun.catch(() => undefined);
          pending.push(outboxRun);
          return answer;
        }
        return client.updateInventory(productId, update);
      },
    };
    const pending: Promise<unknown>[] = [];

    const report = await reconcileInventory({ sql, creatorIds: [creatorId], now: () => new Date(Date.now() + 3 * MINUTE), sleep: async () => undefined, clientForShop: () => slowPush });
    await Promise.all(pending);
    await outbox.drain({ budgetMs: 30_000 });

    expect(report).toMatchObject({ pushedToTikTok: 1 });
    expect(pushedQuantities(sku.productId, sku.skuId)).toEqual([40, 30]);
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(30);
    const recorded = (await streamOf(sku.skuId)).filter((event) => event.type === "inventory.external_count_pushed").map((event) => [event.data.pushed_by, event.data.available]);
    expect(recorded).toEqual([["reconciliation", 40], ["stock_outbox", 30]]);
  });
});
