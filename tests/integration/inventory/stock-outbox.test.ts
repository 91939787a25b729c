// The stock outbox against real Postgres and the simulator as TikTok over HTTP: the consumer
// run by the real consumer runner, under a private name, seeing only this file's creators.
import type { Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileInventory } from "../../../src/core/conflicts/index.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { createTikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { addShop, createShopWorld } from "../../../src/simulator/shop-world.ts";
import { appKey, appSecret, linkShop, uniqueShop } from "../conflicts/harness.ts";
import { connectTestDatabase } from "../database.ts";
import { adjustStock, stockOutboxRunner, type StockOutboxRunnerOptions } from "./harness.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

let simulator: TikTokShopSimulator;
const outboxRunner = (sql: Sql, creatorId: string, shop: DemoShop, options: StockOutboxRunnerOptions = {}) => stockOutboxRunner(sql, simulator, creatorId, shop, options);
const adjust = (creatorId: string, skuId: string, newTotal: number, source: "manual" | "tiktok" = "manual", productId?: string) => adjustStock(sql, creatorId, skuId, newTotal, source, productId);
const shops: DemoShop[] = [];
beforeAll(async () => {
  for (let index = 0; index < 5; index += 1) shops.push(uniqueShop());
  simulator = await startTikTokShopSimulator({ port: 0, world: createShopWorld(shops), appKey, appSecret, rateLimitPerSecond: 1_000 });
});
afterAll(() => simulator.close());

/** A shop opened after the simulator started, linked to a new creator, its first SKU counted 50 both at TikTok and here. */
async function newShopWithFiftyInStock() {
  const shop = uniqueShop();
  addShop(simulator.world, shop);
  for (const sku of shop.skus) simulator.world.stockBySku.get(sku.skuId)!.total = 50;
  const creatorId = await linkShop(sql, shop);
  const sku = shop.skus[0]!;
  await adjust(creatorId, sku.skuId, 50, "tiktok", sku.productId);
  return { shop, creatorId, sku };
}

const inventoryUpdates = (productId: string) => simulator.requests.filter((request) => request.path === `/product/202309/products/${productId}/inventory/update`);

/** A shop of its own linked to a fresh creator, its first SKU's count known from TikTok (50 on both sides). */
async function setUp(shop: DemoShop) {
  const creatorId = await linkShop(sql, shop);
  const sku = shop.skus[0]!;
  simulator.world.stockBySku.get(sku.skuId)!.total = 50;
  await adjust(creatorId, sku.skuId, 50, "tiktok", sku.productId);
  return { creatorId, sku, outbox: await outboxRunner(sql, creatorId, shop) };
}

const pushes = async (skuId: string) => (await store.readStream(inventoryAggregateId(skuId))).filter((event) => event.type === "inventory.external_count_pushed");

describe("the stock outbox", () => {
  it("sends a manual adjustment to TikTok and records what TikTok answered", async () => {
    const shop = shops[0]!;
    const { creatorId, sku, outbox } = await setUp(shop);
    const adjusted = await adjust(creatorId, sku.skuId, 30);
    await outbox.drain({ budgetMs: 30_000 });

    const stock = simulator.world.stockBySku.get(sku.skuId)!;
    expect(stock.total).toBe(30);
    expect(inventoryUpdates(sku.productId)).toHaveLength(1);
    const [pushed] = await pushes(sku.skuId);
    expect(pushed?.data).toMatchObject({ sku_id: sku.skuId, product_id: sku.productId, total: 30, available: 30, stream_version: adjusted.version, pushed_by: "stock_outbox" });
    expect(pushed?.data.tiktok_request_id).toEqual(expect.any(String));
  });

  it("does not push counts TikTok made itself (its own reports and its orders' reservations)", async () => {
    const shop = shops[1]!;
    const { sku, outbox } = await setUp(shop);
    await outbox.drain({ budgetMs: 30_000 });
    expect(inventoryUpdates(sku.productId)).toHaveLength(0);
    expect(outbox.decisions).toHaveLength(0);
  });

  // The bound: one call per pass of the consumer that finds changes newer than the last push.
  // A burst committed before the pass is one call; pushes never exceed the number of changes.
  it("coalesces a burst of 50 adjustments to one SKU into one call, ending with TikTok showing the last value", async () => {
    const shop = shops[2]!;
    const { creatorId, sku, outbox } = await setUp(shop);
    for (let step = 1; step <= 50; step += 1) await adjust(creatorId, sku.skuId, 50 + step);
    await outbox.drain({ budgetMs: 30_000 });

    expect(inventoryUpdates(sku.productId)).toHaveLength(1);
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(100);
    expect(outbox.decisions.filter((decision) => decision.action === "push")).toHaveLength(1);
    expect(outbox.decisions.filter((decision) => decision.action === "skip" && decision.reason === "already_pushed")).toHaveLength(49);
    expect(await pushes(sku.skuId)).toHaveLength(1);
  });

  it("never pushes a change older than one already pushed: a replay after a crash, or after the reconciliation pushed, sends nothing", async () => {
    const shop = shops[3]!;
    const { creatorId, sku, outbox } = await setUp(shop);
    await adjust(creatorId, sku.skuId, 40);
    await adjust(creatorId, sku.skuId, 35);
    await outbox.drain({ budgetMs: 30_000 });
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(35);

    // TikTok sells on its own meanwhile; the older changes are seen again, as after a crash before the checkpoint.
    simulator.world.stockBySku.get(sku.skuId)!.total = 33;
    await outbox.rewind();
    await outbox.drain({ budgetMs: 30_000 });
    expect(inventoryUpdates(sku.productId)).toHaveLength(1);
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(33);
    expect(outbox.decisions.filter((decision) => decision.action === "push")).toHaveLength(1);
  });

  it("leaves a SKU whose push is under way to the outbox: the reconciliation neither raises a conflict nor pushes it", async () => {
    const shop = shops[4]!;
    const { creatorId, sku, outbox } = await setUp(shop);
    await adjust(creatorId, sku.skuId, 20);
    const report = await reconcileInventory({
      sql,
      creatorIds: [creatorId],
      now: () => new Date(),
      sleep: async () => undefined,
      clientForShop: () => createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "token", shopCipher: shop.shopCipher }),
    });
    expect(report).toMatchObject({ leftToStockOutbox: 1, conflictsDetected: 0, pushedToTikTok: 0 });
    await outbox.drain({ budgetMs: 30_000 });
    expect(inventoryUpdates(sku.productId)).toHaveLength(1);
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(20);
  });

  it("retries a push TikTok fails for now, with backoff, until it goes through", async () => {
    const { shop, creatorId, sku } = await newShopWithFiftyInStock();
    let clock = Date.now();
    // Three calls fail in the consumer's first attempt (its own in-call retries), one more in the runner's second, whose next in-call retry goes through.
    const outbox = await outboxRunner(sql, creatorId, shop, { failFirstCalls: 4, now: () => new Date(clock) });
    await adjust(creatorId, sku.skuId, 44);

    await outbox.drain({ budgetMs: 30_000 });
    const [retry] = await sql<{ attempts: number; next_attempt_at: Date }[]>`select attempts, next_attempt_at from public.consumer_retries where consumer = ${outbox.name}`;
    expect(retry).toMatchObject({ attempts: 1 });
    expect(retry!.next_attempt_at.getTime()).toBe(clock + 1_000);
    await outbox.drain({ budgetMs: 30_000 }); // not yet due: nothing happens
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(50);

    clock += 1_000;
    await outbox.drain({ budgetMs: 30_000 });
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(44);
    expect(await pushes(sku.skuId)).toHaveLength(1);
    const attempts = await sql<{ outcome: string }[]>`select outcome from public.consumer_attempt_log where consumer = ${outbox.name} order by attempt`;
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(["failed", "succeeded"]);
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from public.consumer_retries where consumer = ${outbox.name}`;
    expect(count).toBe(0);
  });

  it("after a crash between TikTok's answer and the record, sends the latest count again, never an older one, and records it once", async () => {
    const { shop, creatorId, sku } = await newShopWithFiftyInStock();
    let clock = Date.now();
    const outbox = await outboxRunner(sql, creatorId, shop, { crashAfterFirstCalls: 1, now: () => new Date(clock) });
    for (const total of [30, 29, 28]) await adjust(creatorId, sku.skuId, total);

    await outbox.drain({ budgetMs: 30_000 });
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(28);
    expect(await pushes(sku.skuId)).toHaveLength(0);
    // Another change lands while the push waits for its retry.
    await adjust(creatorId, sku.skuId, 27);
    clock += 1_000;
    await outbox.drain({ budgetMs: 30_000 });

    const sent = inventoryUpdates(sku.productId).map((request) => (JSON.parse(request.body) as { skus: { inventory: { quantity: number }[] }[] }).skus[0]!.inventory[0]!.quantity);
    expect(sent).toEqual([28, 27]);
    expect(simulator.world.stockBySku.get(sku.skuId)!.total).toBe(27);
    const recorded = await pushes(sku.skuId);
    expect(recorded.map((event) => event.data.available)).toEqual([27]);
  });

  it("dead-letters a push TikTok refuses for good, at once, saying why", async () => {
    const shop = uniqueShop();
    const creatorId = await linkShop(sql, shop);
    const sku = shop.skus[0]!;
    // A product this shop does not sell: TikTok answers not found, which no retry mends.
    await adjust(creatorId, sku.skuId, 10, "tiktok", sku.productId);
    const outbox = await outboxRunner(sql, creatorId, shops[0]!);
    const adjusted = await adjust(creatorId, sku.skuId, 12);
    await outbox.drain({ budgetMs: 30_000 });

    const letters = await sql<{ error: string; attempts: number; event_id: string }[]>`
      select error, attempts, event_id from public.dead_letters where consumer = ${outbox.name}`;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ attempts: 1, event_id: adjusted.appended[0]!.id });
    expect(letters[0]!.error).toContain(`TikTok refused the stock push of SKU ${sku.skuId}`);
    expect(letters[0]!.error).toMatch(/not_found|Resource not found/);
    expect(await pushes(sku.skuId)).toHaveLength(0);
  });
});
