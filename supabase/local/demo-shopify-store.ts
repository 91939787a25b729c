// The demo's second channel, for the LOCAL stack only: a simulated Shopify store of demo
// creator 1 listing the same SKUs as the creator's TikTok shop, connected the way the app
// connects a store (consent, code exchange, the token sealed, the location and each SKU's
// inventory item linked), with a trickle of storefront orders posted to the shopify-webhook
// function as Shopify posts them. A sale on either channel then shows on the other within
// seconds. The store lives in memory: every start connects it again.
import type { Sql } from "postgres";
import { automatedOrigin } from "../../src/core/event-catalogue.ts";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { CHANNEL_SHOP_AGGREGATE_TYPE, channelShopAggregateId } from "../../src/core/channels/events.ts";
import { SHOPIFY_SCOPES } from "../../src/core/channels/shopify/channel-adapter.ts";
import { linkShopifyInventoryItem, linkShopifyStore, sealShopifyToken } from "../../src/core/channels/shopify/shopify-stores.ts";
import { demoShop, type DemoSku } from "../../src/simulator/demo-catalogue.ts";
import { inventoryLevelBody, orderBody, postShopifyDelivery, signedShopifyDelivery } from "../../src/simulator/shopify/shopify-webhooks.ts";
import { startShopifySimulator, type ShopifySimulator } from "../../src/simulator/shopify/shopify-simulator.ts";
import { demoCreatorId } from "./demo-seed.ts";

export const DEMO_SHOPIFY_STORE = "maya-beauty.myshopify.com";
export const DEMO_SHOPIFY_PORT = 54331;

export interface DemoShopifyStore {
  url: string;
  /** Starts the storefront's orders (posted to `webhookUrl`); stop() ends them and the store. */
  startTraffic(options: { webhookUrl: string; ordersPerMinute: number }): void;
  stop(): Promise<void>;
}

/** The store's server, before the stand-in starts (the functions are told where it is). */
export async function startDemoShopifyStore(options: { clientId: string; clientSecret: string; port?: number }): Promise<DemoShopifyStore & { connect(sql: Sql, tokenEncryptionKey: string): Promise<number> }> {
  const store = await startShopifySimulator({ shopDomain: DEMO_SHOPIFY_STORE, clientId: options.clientId, clientSecret: options.clientSecret, port: options.port ?? DEMO_SHOPIFY_PORT });
  const skus = demoShop(1).skus;
  let timer: ReturnType<typeof setInterval> | undefined;
  let nextOrder = Date.now();

  return {
    url: store.url,
    connect: (sql, tokenEncryptionKey) => connectDemoStore(sql, store, skus, { ...options, tokenEncryptionKey }),
    startTraffic({ webhookUrl, ordersPerMinute }) {
      if (ordersPerMinute <= 0) return;
      timer = setInterval(() => {
        const sku = skus[Math.floor(Math.random() * skus.length)]!;
        if (store.available(sku.skuId) < 1) return;
        nextOrder += 1;
        void sellOne(store, sku, String(nextOrder), { webhookUrl, clientSecret: options.clientSecret }).catch((error: unknown) =>
          console.error(`[shopify] demo order not delivered: ${error instanceof Error ? error.message : String(error)}`),
        );
      }, Math.max(1_000, Math.round(60_000 / ordersPerMinute)));
    },
    async stop() {
      if (timer) clearInterval(timer);
      await store.close();
    },
  };
}

/** The store connected to demo creator 1 as the connect flow does it; returns the SKUs linked. */
async function connectDemoStore(sql: Sql, store: ShopifySimulator, skus: DemoSku[], options: { clientId: string; clientSecret: string; tokenEncryptionKey: string }): Promise<number> {
  const creatorId = demoCreatorId(1);
  // Each SKU shows what the pool has for it now (the opening stock before the first run).
  const levels = await sql<{ sku_id: string; available: number }[]>`select sku_id, available from public.inventory_levels where creator_id = ${creatorId}::uuid`;
  const itemIds = skus.map((sku) => store.list(sku.skuId, Math.max(0, levels.find((level) => level.sku_id === sku.skuId)?.available ?? sku.initialStock)));
  const consent = await fetch(`${store.url}/admin/oauth/authorize?client_id=${encodeURIComponent(options.clientId)}&scope=${SHOPIFY_SCOPES.join(",")}&redirect_uri=${encodeURIComponent("http://localhost/api/shopify/callback")}&state=demo`, { redirect: "manual" });
  const code = new URL(consent.headers.get("location") ?? "http://invalid/").searchParams.get("code");
  const exchange = await fetch(`${store.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: options.clientId, client_secret: options.clientSecret, code }),
  });
  const grant = (await exchange.json()) as { access_token?: string; scope?: string };
  if (!grant.access_token) throw new Error("the demo Shopify store granted no token");
  await linkShopifyStore(sql, {
    creatorId,
    shopDomain: DEMO_SHOPIFY_STORE,
    accessTokenSealed: await sealShopifyToken(options.tokenEncryptionKey, DEMO_SHOPIFY_STORE, grant.access_token),
    scopes: (grant.scope ?? "").split(",").filter(Boolean),
    locationId: store.locationId,
  });
  for (const [index, sku] of skus.entries()) await linkShopifyInventoryItem(sql, { shopDomain: DEMO_SHOPIFY_STORE, inventoryItemId: itemIds[index]!, skuId: sku.skuId });
  await createEventStore({ sql }).appendToStream({
    creatorId,
    aggregateId: channelShopAggregateId("shopify", DEMO_SHOPIFY_STORE),
    aggregateType: CHANNEL_SHOP_AGGREGATE_TYPE,
    events: [{ type: "shop.channel_connected", data: { channel: "shopify", shop_id: DEMO_SHOPIFY_STORE, scopes: [...SHOPIFY_SCOPES], location_id: store.locationId } }],
    metadata: automatedOrigin("demo-seed"),
  });
  return skus.length;
}

/** One storefront order: the store takes the unit and posts orders/create and inventory_levels/update, signed. */
async function sellOne(store: ShopifySimulator, sku: DemoSku, orderId: string, options: { webhookUrl: string; clientSecret: string }): Promise<void> {
  store.recordOrder(orderId, [{ sku: sku.skuId, quantity: 1 }]);
  const now = new Date().toISOString();
  const price = (sku.priceMinor / 100).toFixed(2);
  const itemId = store.inventoryItemOf(sku.skuId);
  const deliveries = [
    await signedShopifyDelivery({ clientSecret: options.clientSecret, shopDomain: DEMO_SHOPIFY_STORE, topic: "orders/create", body: orderBody({ id: orderId, createdAt: now, lineItems: [{ sku: sku.skuId, quantity: 1, price, title: sku.productName }] }) }),
    await signedShopifyDelivery({
      clientSecret: options.clientSecret,
      shopDomain: DEMO_SHOPIFY_STORE,
      topic: "inventory_levels/update",
      body: inventoryLevelBody({ inventoryItemId: itemId, locationId: store.locationId.replace(/^gid:\/\/shopify\/Location\//, ""), available: store.available(sku.skuId), updatedAt: now }),
    }),
  ];
  for (const delivery of deliveries) await postShopifyDelivery(options.webhookUrl, delivery);
}
