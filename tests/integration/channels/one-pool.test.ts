// One stock count across TikTok Shop and Shopify, as production runs it: webhooks into the
// tiktok-webhook and shopify-webhook Edge Functions, process-events in real Deno woken by
// the appends (pg_net through the stand-in's database workers), real Postgres of its own,
// TikTok's and Shopify's sides played by the simulators over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealShopifyToken, linkShopifyInventoryItem, linkShopifyStore } from "../../../src/core/channels/shopify/shopify-stores.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { availableOf, createShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { orderBody, postShopifyDelivery, signedShopifyDelivery } from "../../../src/simulator/shopify/shopify-webhooks.ts";
import { startShopifySimulator } from "../../../src/simulator/shopify/shopify-simulator.ts";
import { uniqueShop } from "../conflicts/harness.ts";
import { linkShopAsConnected } from "../linked-shop.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";
import { adjustStock } from "../inventory/harness.ts";
import { uniqueNumericId } from "../../test-data.ts";
import { listSyncConflicts, resolveSyncConflict } from "../../../src/core/conflicts/index.ts";
import { requestReconciliation } from "../../../src/core/shop-history/reconciliation-run.ts";

const tiktokApp = { appKey: "one_pool_app_key", appSecret: "one_pool_app_secret" };
const shopifyApp = { clientId: "one-pool-client", clientSecret: "one_pool_client_secret" };
const shopDomain = "one-pool-store.myshopify.com";
const tokenEncryptionKey = generateTokenEncryptionKey();
const shop = uniqueShop();
const creatorId = newCreatorId();

const { url: databaseUrl, sql } = await ownTestDatabase("one-pool", 17, { max: 6 });
const tiktok = await startTikTokShopSimulator({ port: 0, ...tiktokApp, world: createShopWorld([shop]), rateLimitPerSecond: 10_000 });
const shopify = await startShopifySimulator({ shopDomain, ...shopifyApp });
afterAll(async () => {
  await tiktok.close();
  await shopify.close();
});
const standIn = await startFunctionsStandIn({
  databaseUrl,
  databaseWorkers: true,
  tiktok: { ...tiktokApp, apiBaseUrl: tiktok.url, tokenEncryptionKey },
  env: { SHOPIFY_API_KEY: shopifyApp.clientId, SHOPIFY_API_SECRET: shopifyApp.clientSecret, SHOPIFY_API_BASE_URL: shopify.url },
});
const tiktokWebhookUrl = `${standIn.url}/functions/v1/tiktok-webhook`;
const shopifyWebhookUrl = `${standIn.url}/functions/v1/shopify-webhook`;

/** The store connected the way the app connects it: consent, code exchange, the token sealed. */
async function connectShopifyStore(): Promise<void> {
  const consent = await fetch(`${shopify.url}/admin/oauth/authorize?client_id=${shopifyApp.clientId}&scope=write_inventory&redirect_uri=${encodeURIComponent("http://app.test/callback")}&state=x`, { redirect: "manual" });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code");
  const exchange = await fetch(`${shopify.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: shopifyApp.clientId, client_secret: shopifyApp.clientSecret, code }),
  });
  const { access_token: accessToken } = (await exchange.json()) as { access_token: string };
  await linkShopifyStore(sql, { creatorId, shopDomain, accessTokenSealed: await sealShopifyToken(tokenEncryptionKey, shopDomain, accessToken), scopes: ["write_inventory"], locationId: shopify.locationId });
}

beforeAll(async () => {
  await linkShopAsConnected(sql, { creatorId, shop, sellerOpenId: "one-pool-seller", accessToken: "one-pool-token", tokenEncryptionKey });
  await connectShopifyStore();
}, 60_000);

/** Waits for a condition the system reaches by itself; the deadline only bounds a failing run. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, withinMs = 60_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function listSkuOnBothChannels(units: number) {
  const sku = shop.skus.find((candidate) => !listed.has(candidate.skuId))!;
  listed.add(sku.skuId);
  await adjustStock(sql, creatorId, sku.skuId, units, "tiktok", sku.productId);
  tiktok.world.stockBySku.get(sku.skuId)!.total = units;
  await linkShopifyInventoryItem(sql, { shopDomain, inventoryItemId: shopify.list(sku.skuId, units), skuId: sku.skuId });
  return sku;
}
const listed = new Set<string>();

/**
 * Posts a delivery as the platforms do: a 503 (the store gave up within its time limit, as it
 * must under load) is sent again after a pause, as TikTok and Shopify retry; anything else is final.
 */
async function deliverAsThePlatformDoes(send: () => Promise<Response>): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    if (response.status !== 503 || attempt === 5) return response.status;
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

/** A TikTok buyer's order: TikTok takes the unit on its side and tells the app (order status webhook, type 1). */
async function tiktokOrder(sku: (typeof shop.skus)[number]): Promise<string> {
  const orderId = uniqueNumericId("5766", 18);
  const now = Math.floor(Date.now() / 1000);
  const order: SimulatedOrder = {
    orderId, shop, buyerUserId: "7021000000000001", status: "AWAITING_SHIPMENT", isOnHold: false, createTime: now, updateTime: now, paidTime: now,
    lineItems: [{ lineItemId: uniqueNumericId("577", 16), sku }], subtotalMinor: sku.priceMinor, shippingMinor: 0,
  };
  tiktok.world.orders.set(orderId, order);
  tiktok.world.stockBySku.get(sku.skuId)!.committed += 1;
  const body = JSON.stringify({ type: 1, tts_notification_id: uniqueNumericId("73", 19), shop_id: shop.shopId, timestamp: now, data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: now } });
  const rawBody = new TextEncoder().encode(body);
  const authorization = await signWebhook({ ...tiktokApp, rawBody });
  expect(await deliverAsThePlatformDoes(() => fetch(tiktokWebhookUrl, { method: "POST", headers: { "content-type": "application/json", authorization }, body }))).toBe(200);
  return orderId;
}

/** A Shopify buyer's order: Shopify takes the unit on its side (never below 0 here) and posts orders/create. */
async function shopifyOrder(sku: (typeof shop.skus)[number]): Promise<string> {
  const id = uniqueNumericId("6", 13);
  shopify.recordOrder(id, [{ sku: sku.skuId, quantity: 1 }]);
  const delivery = await signedShopifyDelivery({ clientSecret: shopifyApp.clientSecret, shopDomain, topic: "orders/create", body: orderBody({ id, createdAt: new Date().toISOString(), lineItems: [{ sku: sku.skuId, quantity: 1, price: "10.00" }] }) });
  expect(await deliverAsThePlatformDoes(() => postShopifyDelivery(shopifyWebhookUrl, delivery))).toBe(200);
  return `shopify-${id}`;
}

interface OrderOutcomes {
  allocated: string[];
  refused: { orderId: string; reason: string }[];
}

async function outcomesOf(orderIds: string[]): Promise<OrderOutcomes> {
  const rows = await sql<{ order_id: string; event_type: string; reason: string | null }[]>`
    select event_data ->> 'order_id' as order_id, event_type, event_data ->> 'reason' as reason from event_store
     where aggregate_id in ${sql(orderIds.map((id) => `order-${id}`))}
       and event_type in ('order.inventory_allocated', 'order.fulfilment_failed', 'order.cancelled')`;
  return {
    allocated: rows.filter((row) => row.event_type === "order.inventory_allocated").map((row) => row.order_id),
    refused: rows.filter((row) => row.event_type !== "order.inventory_allocated").map((row) => ({ orderId: row.order_id, reason: row.reason ?? "" })),
  };
}

/** Units the pool holds for orders: reserved less released, from the SKU's events. */
async function reservedInPool(skuId: string): Promise<number> {
  const [{ reserved }] = await sql<{ reserved: number }[]>`
    select (coalesce(sum((event_data ->> 'quantity')::int) filter (where event_type = 'inventory.reserved'), 0)
          - coalesce(sum((event_data ->> 'quantity')::int) filter (where event_type = 'inventory.released'), 0))::int as reserved
      from event_store where aggregate_id = ${`inventory-${skuId}`}`;
  return reserved;
}

/** Waits until the channel stock outbox has recorded a count of the SKU as pushed to Shopify. */
async function countPushed(skuId: string): Promise<void> {
  const pushed = await eventually(
    () => sql`select 1 from event_store where aggregate_id = ${`inventory-${skuId}`} and event_type = 'inventory.channel_count_pushed'`,
    (rows) => rows.length > 0,
    30_000,
  );
  expect(pushed, `no inventory.channel_count_pushed for ${skuId}`).not.toHaveLength(0);
}

/** A reconciliation on the schedule's path (requested, run by process-events), once it has finished. */
async function reconcile() {
  const [{ asked }] = await sql<{ asked: Date }[]>`select clock_timestamp() as asked`;
  await requestReconciliation(sql);
  const [run] = await eventually(
    () => sql<{ status: string; report: { channels: { alreadyOpen: number; conflictsRaised: number } | null } | null }[]>`
      select status, report from reconciliation_runs where started_at >= ${asked} and status <> 'running' order by started_at desc limit 1`,
    (rows) => rows.length > 0,
    90_000,
  );
  return run;
}

describe("one stock count across TikTok Shop and Shopify", () => {
  it("takes no count from TikTok when, told 0 after Shopify took the last units, it reports a total of only the orders it holds that are not taken here", async () => {
    const sku = await listSkuOnBothChannels(10);
    const shopifyOrders: string[] = [];
    for (let index = 0; index < 10; index++) shopifyOrders.push(await shopifyOrder(sku));
    expect((await eventually(() => outcomesOf(shopifyOrders), (seen) => seen.allocated.length === 10)).allocated).toHaveLength(10);
    // The stock outbox tells TikTok the pool has nothing left for it.
    const told = await eventually(
      () => sql`select 1 from event_store where aggregate_id = ${`inventory-${sku.skuId}`} and event_type = 'inventory.external_count_pushed' and (event_data ->> 'available')::int = 0`,
      (rows) => rows.length > 0,
      30_000,
    );
    expect(told, "no push of 0 available to TikTok").not.toHaveLength(0);
    // TikTok holds 25 orders of its own whose webhooks have not come yet: its total is 0 + 25.
    const stock = tiktok.world.stockBySku.get(sku.skuId)!;
    stock.total += 25;
    stock.committed += 25;

    const searchesBefore = tiktok.requests.length;
    await reconcile();
    // TikTok was read for the SKU (and answered): its count was judged, not left to the outbox.
    const searches = tiktok.requests.slice(searchesBefore).filter((request) => request.path === "/product/202309/inventory/search" && request.status === 200 && request.body.includes(sku.skuId));
    expect(searches).not.toHaveLength(0);
    // TikTok's own (Shopify's store may race the pool's writes while its orders come in: not asked about here).
    const tiktokConflicts = await sql`
      select event_data from event_store where aggregate_id = ${`inventory-${sku.skuId}`} and event_type = 'inventory.sync_conflict_detected'
         and coalesce(event_data ->> 'channel', 'tiktok_shop') = 'tiktok_shop'`;
    expect(tiktokConflicts).toEqual([]);
    const [level] = await sql<{ total: number; reserved: number }[]>`select total, reserved from inventory_levels where creator_id = ${creatorId} and sku_id = ${sku.skuId}`;
    expect(level).toEqual({ total: 10, reserved: 10 });
  }, 240_000);

  it("never oversells: 50 orders for the last 10 units, across both channels at once, fulfil exactly 10; both channels then show 0", async () => {
    const sku = await listSkuOnBothChannels(10);
    const orderIds = await Promise.all(Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? tiktokOrder(sku) : shopifyOrder(sku))));

    const outcomes = await eventually(() => outcomesOf(orderIds), (seen) => seen.allocated.length + seen.refused.length >= 50, 120_000);
    expect(outcomes.allocated).toHaveLength(10);
    expect(outcomes.refused).toHaveLength(40);
    expect(new Set([...outcomes.allocated, ...outcomes.refused.map((refusal) => refusal.orderId)])).toEqual(new Set(orderIds));
    for (const refusal of outcomes.refused) expect(refusal.reason).toMatch(/stock/i);
    expect(await reservedInPool(sku.skuId)).toBe(10);

    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 0, 30_000)).toBe(0);
    expect(await eventually(async () => availableOf(tiktok.world.stockBySku.get(sku.skuId)!), (count) => count === 0, 30_000)).toBe(0);

    // Every Shopify order the pool refused is cancelled on Shopify, for want of stock, and recorded; no order it covered is.
    const refusedOnShopify = outcomes.refused.map((refusal) => refusal.orderId).filter((orderId) => orderId.startsWith("shopify-"));
    const allocatedOnShopify = outcomes.allocated.filter((orderId) => orderId.startsWith("shopify-"));
    expect(refusedOnShopify.length).toBeGreaterThan(0);
    const cancelledOnShopify = () => orderIds.filter((orderId) => orderId.startsWith("shopify-") && shopify.order(orderId.slice("shopify-".length))?.cancelledAt);
    await eventually(async () => cancelledOnShopify(), (cancelled) => cancelled.length >= refusedOnShopify.length, 60_000);
    expect(new Set(cancelledOnShopify())).toEqual(new Set(refusedOnShopify));
    for (const orderId of refusedOnShopify) expect(shopify.order(orderId.slice("shopify-".length))?.cancel).toMatchObject({ reason: "INVENTORY", restock: false });
    for (const orderId of allocatedOnShopify) expect(shopify.order(orderId.slice("shopify-".length))?.cancelledAt).toBeNull();
    const recorded = await eventually(
      () => sql<{ order_id: string }[]>`select event_data ->> 'order_id' as order_id from event_store where event_type = 'order.cancelled_on_channel' and aggregate_id in ${sql(refusedOnShopify.map((id) => `order-${id}`))}`,
      (rows) => rows.length >= refusedOnShopify.length,
      30_000,
    );
    expect(new Set(recorded.map((row) => row.order_id))).toEqual(new Set(refusedOnShopify));
  }, 240_000);

  it("tells Shopify of a TikTok sale, writing by compare-and-set over the count Shopify held", async () => {
    const sku = await listSkuOnBothChannels(8);
    const writesBefore = shopify.writes.length;
    const orderId = await tiktokOrder(sku);
    await eventually(() => outcomesOf([orderId]), (seen) => seen.allocated.length === 1);
    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 7, 60_000)).toBe(7);
    expect(shopify.writes.slice(writesBefore)).toContainEqual({ sku: sku.skuId, quantity: 7, changeFrom: 8 });
  }, 120_000);

  it("records a change made on Shopify meanwhile as a sync conflict of the Shopify store, and never shows more than the pool", async () => {
    const sku = await listSkuOnBothChannels(6);
    const first = await tiktokOrder(sku);
    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 5, 60_000)).toBe(5);
    // The merchant raises the count in Shopify's admin (its webhook not yet here); then another TikTok sale.
    shopify.setAvailableByHand(sku.skuId, 9);
    const second = await tiktokOrder(sku);
    await eventually(() => outcomesOf([first, second]), (seen) => seen.allocated.length === 2);
    const conflicts = await eventually(
      () => sql<{ event_data: Record<string, unknown> }[]>`select event_data from event_store where aggregate_id = ${`inventory-${sku.skuId}`} and event_type = 'inventory.sync_conflict_detected'`,
      (rows) => rows.length > 0,
      30_000,
    );
    expect(conflicts[0].event_data).toMatchObject({ channel: "shopify", shop_id: shopDomain, local_value: 4, external_value: 9, conflict_type: "concurrent_update" });
    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 4, 60_000)).toBe(4);
    expect(shopify.staleWrites).toBeGreaterThan(0);
  }, 120_000);

  it("queues stock writes while Shopify is down and drains them when it is back, losing none", async () => {
    const sku = await listSkuOnBothChannels(5);
    const startedAt = new Date();
    shopify.setOutage(true);
    const first = await tiktokOrder(sku);
    const second = await tiktokOrder(sku);
    await eventually(() => outcomesOf([first, second]), (seen) => seen.allocated.length === 2);
    // The outbox fails against the outage (the runner retries with backoff); the change stays due.
    const failures = await eventually(
      () => sql<{ error: string }[]>`select error from consumer_attempt_log where consumer = 'channel-stock-outbox' and outcome = 'failed' and recorded_at >= ${startedAt}`,
      (rows) => rows.length > 0,
      30_000,
    );
    expect(failures[0].error).toContain("503");
    expect(shopify.available(sku.skuId)).toBe(5);
    shopify.setOutage(false);
    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 3, 90_000)).toBe(3);
  }, 180_000);

  it("finds on the reconciliation schedule a count changed in Shopify's admin whose webhook never came: a conflict naming Shopify, raised once, resolved in the queue", async () => {
    const sku = await listSkuOnBothChannels(6);
    // The pool's first count reached the store (the outbox found it already there and recorded it).
    await countPushed(sku.skuId);
    // By hand in the store's admin; its inventory_levels/update is lost.
    shopify.setAvailableByHand(sku.skuId, 2);
    const first = await reconcile();
    expect(first.report?.channels?.conflictsRaised).toBeGreaterThan(0);

    const open = await eventually(
      async () => (await listSyncConflicts(sql, { creatorId, skuId: sku.skuId, status: "open" })).conflicts,
      (rows) => rows.length > 0,
      30_000,
    );
    expect(open).toEqual([expect.objectContaining({ channel: "shopify", shopId: shopDomain, type: "quantity_mismatch", localValue: 6, externalValue: 2, source: "shopify" })]);
    // The TikTok shop's own reconciliation may record drift for the same SKU: Shopify's is the one asked about.
    const drifts = await sql<{ shop_id: string; applied: string; observed: string }[]>`
      select shop_id, applied, observed from reconciliation_drift where reference = ${sku.skuId} and kind = 'stock_count'`;
    expect(drifts).toContainEqual({ shop_id: shopDomain, applied: "6", observed: "2" });

    // The next run finds the same disagreement, still open: nothing raised twice.
    const second = await reconcile();
    expect(second.report?.channels?.alreadyOpen).toBeGreaterThan(0);
    expect((await listSyncConflicts(sql, { creatorId, skuId: sku.skuId })).conflicts).toHaveLength(1);

    // An admin keeps the pool's count: the store is written back to it by compare-and-set over the 2 it was found holding.
    const resolved = await resolveSyncConflict(
      { sql, now: () => new Date(), origin: { source: "api_call", user_id: "00000000-0000-4000-8000-00000000a0a0" } },
      { creatorId, conflictId: open[0]!.conflictId, resolution: { kind: "keep_local" }, reason: "the shelf has 6", resolvedBy: "admin@example.com" },
    );
    expect(resolved.total).toBe(6);
    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 6, 60_000)).toBe(6);
    expect(shopify.writes).toContainEqual({ sku: sku.skuId, quantity: 6, changeFrom: 2 });
  }, 240_000);

  it("recovers by itself from a Shopify outage longer than the retries: the change dead-lettered is pushed once Shopify answers, with no further change", async () => {
    const sku = await listSkuOnBothChannels(4);
    await countPushed(sku.skuId);
    shopify.setOutage(true);
    const orderId = await tiktokOrder(sku);
    await eventually(() => outcomesOf([orderId]), (seen) => seen.allocated.length === 1);
    // The consumer's retries run out while Shopify is down: the pool change is a dead letter.
    const [letter] = await eventually(
      () => sql<{ id: string }[]>`select id from dead_letters where consumer = 'channel-stock-outbox' and status = 'pending' and event ->> 'aggregateId' = ${`inventory-${sku.skuId}`}`,
      (rows) => rows.length > 0,
      90_000,
    );
    expect(shopify.available(sku.skuId)).toBe(4);
    shopify.setOutage(false);
    // Nothing else happens to the SKU: the recovery alone brings Shopify to the pool's count.
    expect(await eventually(async () => shopify.available(sku.skuId), (count) => count === 3, 120_000)).toBe(3);
    const [settled] = await eventually(
      () => sql<{ status: string; resolved_by: string | null }[]>`select status, resolved_by from dead_letters where id = ${letter!.id}`,
      (rows) => rows[0]?.status === "retried",
      30_000,
    );
    expect(settled).toEqual({ status: "retried", resolved_by: "system:channel-push-recovery" });
  }, 300_000);
});
