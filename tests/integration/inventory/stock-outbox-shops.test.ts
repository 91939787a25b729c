// Which shops the stock outbox pushes to, against real Postgres and simulators as TikTok:
// every connected shop that lists the SKU (TikTok reported it from there), each pushed and
// recorded on its own; a shop linked without a stored TikTok authorisation gets no call and
// no dead letter.
import { afterAll, describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { createTikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { createShopClients } from "../../../src/core/channels/tiktok-shop/shop-clients.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld } from "../../../src/simulator/shop-world.ts";
import { appKey, appSecret, inventoryWebhook, linkShop, nowSeconds, uniqueShop, webhookIngestion } from "../conflicts/harness.ts";
import { connectTestDatabase } from "../database.ts";
import { adjustStock, stockOutboxRunner } from "./harness.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });
const simulators: TikTokShopSimulator[] = [];
afterAll(() => Promise.all(simulators.map((simulator) => simulator.close())));

async function simulatorOf(shop: DemoShop) {
  const simulator = await startTikTokShopSimulator({ port: 0, world: createShopWorld([shop]), appKey, appSecret, rateLimitPerSecond: 1_000 });
  simulators.push(simulator);
  return simulator;
}

const pushes = async (skuId: string) => (await store.readStream(inventoryAggregateId(skuId))).filter((event) => event.type === "inventory.external_count_pushed");
const updatesOf = (simulator: TikTokShopSimulator) => simulator.requests.filter((request) => request.path.endsWith("/inventory/update"));

describe("the shops the stock outbox pushes to", () => {
  it("pushes to every connected shop that lists the SKU, not the creator's first shop, and records each push with its shop", async () => {
    // Three shops of one creator: the first by id sells something else; the other two list the same SKU.
    const listing = uniqueShop();
    const unrelated: DemoShop = { ...uniqueShop(), shopId: `${listing.shopId.slice(0, -1)}0` };
    const alsoListing: DemoShop = { ...listing, shopId: `${listing.shopId.slice(0, -1)}2`, shopCipher: `${listing.shopCipher}_b` };
    const simulatorByShop = new Map<string, TikTokShopSimulator>();
    for (const shop of [unrelated, listing, alsoListing]) simulatorByShop.set(shop.shopId, await simulatorOf(shop));
    const creatorId = await linkShop(sql, unrelated);
    await linkShop(sql, listing, creatorId);
    await linkShop(sql, alsoListing, creatorId);
    const sku = listing.skus[0]!;
    for (const shop of [listing, alsoListing]) simulatorByShop.get(shop.shopId)!.world.stockBySku.get(sku.skuId)!.total = 10;

    const ingest = webhookIngestion(sql);
    await adjustStock(sql, creatorId, sku.skuId, 10, "tiktok", sku.productId);
    await ingest(inventoryWebhook(listing, 0, { total: 10, updateTime: nowSeconds() }));
    await ingest(inventoryWebhook(alsoListing, 0, { total: 10, updateTime: nowSeconds() }));
    const outbox = await stockOutboxRunner(sql, simulatorByShop.get(listing.shopId)!, creatorId, listing, {
      clientFor: ({ shopId }) => {
        const shop = [unrelated, listing, alsoListing].find((candidate) => candidate.shopId === shopId)!;
        return createTikTokShopClient({ baseUrl: simulatorByShop.get(shopId)!.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher });
      },
    });
    await adjustStock(sql, creatorId, sku.skuId, 25);
    await outbox.drain({ budgetMs: 30_000 });

    expect(updatesOf(simulatorByShop.get(unrelated.shopId)!)).toHaveLength(0);
    for (const shop of [listing, alsoListing]) {
      expect(updatesOf(simulatorByShop.get(shop.shopId)!)).toHaveLength(1);
      expect(simulatorByShop.get(shop.shopId)!.world.stockBySku.get(sku.skuId)!.total).toBe(25);
    }
    const recorded = await pushes(sku.skuId);
    expect(recorded.map((event) => event.data.shop_id).sort()).toEqual([listing.shopId, alsoListing.shopId]);
    expect(recorded.map((event) => event.data.total)).toEqual([25, 25]);
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from public.dead_letters where consumer = ${outbox.name}`;
    expect(count).toBe(0);
  });

  it("skips a shop linked without a stored TikTok authorisation: no call, no dead letter, the change stays local", async () => {
    const shop = uniqueShop();
    const simulator = await simulatorOf(shop);
    const creatorId = await linkShop(sql, shop);
    const sku = shop.skus[0]!;
    const shopClients = createShopClients(sql, { baseUrl: simulator.url, authBaseUrl: simulator.url, appKey, appSecret, tokenEncryptionKey: generateTokenEncryptionKey() });
    await adjustStock(sql, creatorId, sku.skuId, 10, "tiktok", sku.productId);
    const outbox = await stockOutboxRunner(sql, simulator, creatorId, shop, { clientFor: shopClients.clientFor });
    await adjustStock(sql, creatorId, sku.skuId, 4);
    await outbox.drain({ budgetMs: 30_000 });

    expect(outbox.decisions).toEqual([{ action: "skip", shopId: shop.shopId, reason: "no_connected_shop" }]);
    expect(updatesOf(simulator)).toHaveLength(0);
    expect(await pushes(sku.skuId)).toHaveLength(0);
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from public.dead_letters where consumer = ${outbox.name}`;
    expect(count).toBe(0);
  });
});
