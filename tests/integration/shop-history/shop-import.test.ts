import { describe, expect, it } from "vitest";
import { loadAppliedOrders } from "../../../src/core/shop-history/applied-orders.ts";
import { advanceShopImports, startShopImport } from "../../../src/core/shop-history/shop-import.ts";
import { getOnboardingState } from "../../../src/server/onboarding/onboarding-state.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { linkShop, orderStreamsOf, webhookIngestion, playTraffic, simulatedShop, startTime, worldReader, type WorldReaderControls } from "./harness.ts";

const sql = connectTestDatabase();
// The simulated world's clock: an hour after its last change.
let now = () => new Date(startTime * 1000);
function clockAfter(world: ReturnType<typeof simulatedShop>["world"]) {
  const latest = Math.max(startTime, ...[...world.orders.values()].map((order) => order.updateTime));
  now = () => new Date((latest + 3600) * 1000);
}

async function importRow(importId: string) {
  const [row] = await sql<{ status: string; phase: string; orders_imported: number; orders_total: number | null; products_imported: number; skus_imported: number; products_total: number | null; last_error: string | null }[]>`
    select status, phase, orders_imported, orders_total, products_imported, skus_imported, products_total, last_error from shop_imports where id = ${importId}`;
  return row;
}

async function expectStreamsMatchWorld(creatorId: string, world: ReturnType<typeof simulatedShop>["world"]) {
  const streams = await orderStreamsOf(sql, creatorId);
  expect(streams.size).toBe(world.orders.size);
  for (const stream of streams.values()) expect(stream.received).toBe(1);
  const applied = await loadAppliedOrders(sql, [...world.orders.keys()]);
  for (const order of world.orders.values()) expect(applied.get(`order-${order.orderId}`)?.status?.status, order.orderId).toBe(order.status);
}

describe("importing a shop's history when it is linked", () => {
  it("imports products, stock and orders, and an order also delivered by webhook is one order", async () => {
    const { shop, world } = simulatedShop();
    const creatorId = await linkShop(sql, shop, newCreatorId());
    // Half the orders' webhooks arrive before the import runs, the rest never.
    const traffic = await playTraffic(sql, world, { deliveries: 150, dropRate: 0.5, deliver: true });
    expect(world.orders.size).toBeGreaterThan(5);
    clockAfter(world);

    const advances = await advanceShopImports({ sql, readerFor: () => worldReader(world, shop), now, creatorIds: [creatorId], pageSize: 7, maxPagesPerCall: 100, sleep: async () => {} });
    expect(advances).toHaveLength(1);
    expect(advances[0]).toMatchObject({ status: "completed", phase: "done" });
    const row = await importRow(advances[0].importId);
    const products = new Set(shop.skus.map((sku) => sku.productId)).size;
    expect(row).toMatchObject({ status: "completed", orders_imported: world.orders.size, orders_total: world.orders.size, products_imported: products, products_total: products, skus_imported: shop.skus.length });
    await expectStreamsMatchWorld(creatorId, world);
    const [stock] = await sql<{ n: number }[]>`select count(*)::int as n from event_store where creator_id = ${creatorId}::uuid and event_type = 'inventory.external_count_reported' and metadata ->> 'source' = 'shop_import'`;
    expect(stock.n).toBe(shop.skus.length);

    // The webhooks that had not arrived come late, after the import: still one order each, at TikTok's status.
    const ingest = webhookIngestion(sql);
    for (const body of traffic.droppedBodies) await ingest(body);
    await expectStreamsMatchWorld(creatorId, world);
    // A finished import is not run again.
    expect(await advanceShopImports({ sql, readerFor: () => worldReader(world, shop), now, creatorIds: [creatorId], sleep: async () => {} })).toEqual([]);
  });

  it("resumes after a crash mid-import without duplicates", async () => {
    const { shop, world } = simulatedShop();
    const creatorId = await linkShop(sql, shop, newCreatorId());
    await playTraffic(sql, world, { deliveries: 150, dropRate: 0, deliver: false });
    clockAfter(world);
    const controls: WorldReaderControls = { calls: 0, rateLimitedCalls: new Set(), failOnCall: 4 };
    const reader = worldReader(world, shop, controls);

    const crashed = await advanceShopImports({ sql, readerFor: () => reader, now, creatorIds: [creatorId], pageSize: 5, maxPagesPerCall: 100, sleep: async () => {} });
    expect(crashed[0]).toMatchObject({ status: "running", pages: 3 });
    expect(crashed[0].error).toMatch(/the caller died here/);
    const midway = await importRow(crashed[0].importId);
    expect(midway.status).toBe("running");
    // The creator's progress bar: three pages of five saved (the products, then orders), the product total known.
    const products = new Set(shop.skus.map((sku) => sku.productId)).size;
    expect((await getOnboardingState(sql, creatorId)).import).toMatchObject({ status: "running", phase: "orders", productsImported: products, productsTotal: products, importedCount: products + midway.orders_imported });

    // Retried after its backoff, from the page after the last one saved.
    const later = () => new Date(now().getTime() + 120_000);
    const resumed = await advanceShopImports({ sql, readerFor: () => reader, now: later, creatorIds: [creatorId], pageSize: 5, maxPagesPerCall: 100, sleep: async () => {} });
    expect(resumed[0]).toMatchObject({ status: "completed" });
    expect((await importRow(crashed[0].importId)).orders_imported).toBe(world.orders.size);
    await expectStreamsMatchWorld(creatorId, world);
    expect((await getOnboardingState(sql, creatorId)).import).toMatchObject({ status: "completed", phase: "done", importedCount: products + world.orders.size, totalCount: products + world.orders.size });
  });

  it("backs off on 429 and reports the limit approaching", async () => {
    const { shop, world } = simulatedShop();
    const creatorId = await linkShop(sql, shop, newCreatorId());
    await playTraffic(sql, world, { deliveries: 60, dropRate: 0, deliver: false });
    clockAfter(world);
    const waits: number[] = [];
    const controls: WorldReaderControls = { calls: 0, rateLimitedCalls: new Set([2, 3]) };
    const [advance] = await advanceShopImports({ sql, readerFor: () => worldReader(world, shop, controls), now, creatorIds: [creatorId], pageSize: 50, maxPagesPerCall: 100, sleep: async (ms) => void waits.push(ms) });
    expect(advance).toMatchObject({ status: "completed", rateLimitedRetries: 2, rateLimitWarnings: 1 });
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(waits.every((ms) => ms >= 1000)).toBe(true);
    const [warning] = await sql<{ n: number }[]>`select count(*)::int as n from event_store where creator_id = ${creatorId}::uuid and event_type = 'system.api_rate_limit_approached'`;
    expect(warning.n).toBe(1);
    await expectStreamsMatchWorld(creatorId, world);
  });

  it("refuses to import a shop linked to another creator", async () => {
    const { shop } = simulatedShop();
    await linkShop(sql, shop, newCreatorId());
    const intruder = newCreatorId();
    await expect(startShopImport(sql, { creatorId: intruder, shopId: shop.shopId, now: now() })).rejects.toMatchObject({ code: "not_found" });
    const [rows] = await sql<{ n: number }[]>`select count(*)::int as n from shop_imports where shop_id = ${shop.shopId}`;
    expect(rows.n).toBe(0);
  });
});
