import { describe, expect, it } from "vitest";
import { loadAppliedOrders } from "../../../src/core/shop-history/applied-orders.ts";
import { advanceShopImports, startShopImport } from "../../../src/core/shop-history/shop-import.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { getOnboardingState } from "../../../src/server/onboarding/onboarding-state.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { createWorld, linkShop, orderStreamsOf, ordersOf, playTraffic, simulatedShop, startSimulator, startTime, webhookIngestion, withFault, type FaultControls } from "./harness.ts";

const sql = connectTestDatabase();
const world = createWorld();
const { clientFor } = await startSimulator(world);
const noWait = async () => {};

/** The simulated world's clock: an hour after the shop's last change. */
function clockAfter(shop: DemoShop): () => Date {
  const latest = Math.max(startTime, ...ordersOf(world, shop).map((order) => order.updateTime));
  return () => new Date((latest + 3600) * 1000);
}

async function importRow(importId: string) {
  const [row] = await sql<{ status: string; phase: string; orders_imported: number; orders_total: number | null; products_imported: number; skus_imported: number; products_total: number | null }[]>`
    select status, phase, orders_imported, orders_total, products_imported, skus_imported, products_total from shop_imports where id = ${importId}`;
  return row;
}

/** One order stream per TikTok order, each received once, each at TikTok's status. */
async function expectStreamsMatchWorld(creatorId: string, shop: DemoShop) {
  const orders = ordersOf(world, shop);
  const streams = await orderStreamsOf(sql, creatorId);
  expect(streams.size).toBe(orders.length);
  for (const stream of streams.values()) expect(stream.received).toBe(1);
  const applied = await loadAppliedOrders(sql, orders.map((order) => order.orderId));
  for (const order of orders) expect(applied.get(`order-${order.orderId}`)?.status?.status, order.orderId).toBe(order.status);
}

const productsOf = (shop: DemoShop) => new Set(shop.skus.map((sku) => sku.productId)).size;

describe("importing a shop's history when it is linked", () => {
  it("imports products, stock and orders, and an order also delivered by webhook is one order", async () => {
    const shop = simulatedShop(world);
    const creatorId = await linkShop(sql, shop, newCreatorId());
    // Half the webhooks arrive before the import, the other half after it.
    const { heldBack } = await playTraffic(sql, world, shop, { deliveries: 150, holdBack: 0.5 });
    expect(ordersOf(world, shop).length).toBeGreaterThan(5);
    const now = clockAfter(shop);
    // SKUs whose count a webhook already reported are left to the stock reconciliation.
    const followed = await sql<{ aggregate_id: string }[]>`select aggregate_id from streams where creator_id = ${creatorId}::uuid and aggregate_type = 'inventory'`;

    const advances = await advanceShopImports({ sql, readerFor: () => clientFor(shop), now, creatorIds: [creatorId], pageSize: 7, maxPagesPerCall: 100, sleep: noWait });
    expect(advances).toHaveLength(1);
    expect(advances[0]).toMatchObject({ status: "completed", phase: "done" });
    const orders = ordersOf(world, shop).length;
    expect(await importRow(advances[0].importId)).toMatchObject({ status: "completed", orders_imported: orders, orders_total: orders, products_imported: productsOf(shop), products_total: productsOf(shop), skus_imported: shop.skus.length });
    await expectStreamsMatchWorld(creatorId, shop);
    const imported = await sql<{ aggregate_id: string }[]>`select aggregate_id from event_store where creator_id = ${creatorId}::uuid and event_type = 'inventory.external_count_reported' and metadata ->> 'source' = 'automated_system' and metadata ->> 'component' = 'shop_import'`;
    const followedIds = new Set(followed.map((row) => row.aggregate_id));
    expect(new Set(imported.map((row) => row.aggregate_id))).toEqual(new Set(shop.skus.map((sku) => `inventory-${sku.skuId}`).filter((id) => !followedIds.has(id))));

    // The webhooks held back arrive after the import: still one order each, at TikTok's status.
    const ingest = webhookIngestion(sql);
    for (const body of heldBack) await ingest(body);
    await expectStreamsMatchWorld(creatorId, shop);
    // A finished import is not run again.
    expect(await advanceShopImports({ sql, readerFor: () => clientFor(shop), now, creatorIds: [creatorId], sleep: noWait })).toEqual([]);
  });

  it("resumes after a crash mid-import without duplicates, and the creator sees its progress", async () => {
    const shop = simulatedShop(world);
    const creatorId = await linkShop(sql, shop, newCreatorId());
    await playTraffic(sql, world, shop, { deliveries: 150, holdBack: 1 });
    const now = clockAfter(shop);
    const controls: FaultControls = { calls: 0, failOnCall: 4 };
    const reader = withFault(clientFor(shop), controls);

    const crashed = await advanceShopImports({ sql, readerFor: () => reader, now, creatorIds: [creatorId], pageSize: 5, maxPagesPerCall: 100, sleep: noWait });
    expect(crashed[0]).toMatchObject({ status: "running", pages: 3 });
    expect(crashed[0].error).toMatch(/the caller died here/);
    const midway = await importRow(crashed[0].importId);
    expect(midway.status).toBe("running");
    // The creator's progress bar: the products page, then two of orders.
    expect(midway.orders_imported).toBe(10);
    expect((await getOnboardingState(sql, creatorId)).import).toMatchObject({ status: "running", phase: "orders", productsImported: productsOf(shop), productsTotal: productsOf(shop), importedCount: productsOf(shop) + 10 });

    // Not before its backoff; then from the page after the last one saved.
    expect(await advanceShopImports({ sql, readerFor: () => reader, now, creatorIds: [creatorId], pageSize: 5, sleep: noWait })).toEqual([]);
    const later = () => new Date(now().getTime() + 120_000);
    const resumed = await advanceShopImports({ sql, readerFor: () => reader, now: later, creatorIds: [creatorId], pageSize: 5, maxPagesPerCall: 100, sleep: noWait });
    expect(resumed[0]).toMatchObject({ status: "completed" });
    const orders = ordersOf(world, shop).length;
    expect((await importRow(crashed[0].importId)).orders_imported).toBe(orders);
    await expectStreamsMatchWorld(creatorId, shop);
    expect((await getOnboardingState(sql, creatorId)).import).toMatchObject({ status: "completed", phase: "done", importedCount: productsOf(shop) + orders, totalCount: productsOf(shop) + orders });
  });

  it("backs off on 429 and reports the limit approaching", async () => {
    const limitedWorld = createWorld();
    // A third of the calls are refused with 429, as TikTok does now and then.
    const limited = await startSimulator(limitedWorld, { rateLimitErrorRate: 0.34 });
    const shop = simulatedShop(limitedWorld);
    const creatorId = await linkShop(sql, shop, newCreatorId());
    await playTraffic(sql, limitedWorld, shop, { deliveries: 80, holdBack: 1 });
    const latest = Math.max(startTime, ...ordersOf(limitedWorld, shop).map((order) => order.updateTime));
    const waits: number[] = [];
    const [advance] = await advanceShopImports({
      sql,
      readerFor: () => limited.clientFor(shop),
      now: () => new Date((latest + 3600) * 1000),
      creatorIds: [creatorId],
      pageSize: 3,
      maxPagesPerCall: 200,
      maxAttempts: 20,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(advance).toMatchObject({ status: "completed", rateLimitWarnings: 1 });
    expect(advance.rateLimitedRetries).toBeGreaterThan(0);
    expect(waits.filter((ms) => ms >= 1000).length).toBeGreaterThanOrEqual(advance.rateLimitedRetries);
    const [warning] = await sql<{ n: number }[]>`select count(*)::int as n from event_store where creator_id = ${creatorId}::uuid and event_type = 'system.api_rate_limit_approached'`;
    expect(warning.n).toBe(1);
    const streams = await orderStreamsOf(sql, creatorId);
    expect(streams.size).toBe(ordersOf(limitedWorld, shop).length);
  });

  it("refuses to import a shop linked to another creator", async () => {
    const shop = simulatedShop(world);
    await linkShop(sql, shop, newCreatorId());
    await expect(startShopImport(sql, { creatorId: newCreatorId(), shopId: shop.shopId, now: new Date() })).rejects.toMatchObject({ code: "not_found" });
    const [rows] = await sql<{ n: number }[]>`select count(*)::int as n from shop_imports where shop_id = ${shop.shopId}`;
    expect(rows.n).toBe(0);
  });
});
