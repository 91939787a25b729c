// npm run dev's second channel: the demo Shopify store is connected to demo creator 1 as the
// connect flow connects a store (its token sealed and usable, every SKU of the creator's
// TikTok shop linked to the store's inventory items), and its storefront posts orders that
// Shopify's HMAC verifies, for the creator's SKUs.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createShopifyChannel } from "../../../src/core/channels/shopify/channel-adapter.ts";
import { createShopifyStoresListing } from "../../../src/core/channels/shopify/shopify-stores.ts";
import { parseShopifyWebhook } from "../../../src/core/channels/shopify/webhook-payloads.ts";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { demoShop } from "../../../src/simulator/demo-catalogue.ts";
import { demoCreatorId } from "../../../supabase/local/demo-seed.ts";
import { DEMO_SHOPIFY_STORE, startDemoShopifyStore } from "../../../supabase/local/demo-shopify-store.ts";
import { ownTestDatabase } from "../database.ts";

const app = { clientId: "demo-store-key", clientSecret: "demo-store-secret" };
const tokenEncryptionKey = generateTokenEncryptionKey();
const { sql } = await ownTestDatabase("demo-shopify-store", 21);
const store = await startDemoShopifyStore({ ...app, port: 0 });
afterAll(() => store.stop());

/** Where the storefront posts: every delivery kept with its headers and raw bytes. */
const received: { headers: Headers; rawBody: Uint8Array<ArrayBuffer> }[] = [];
const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
    received.push({ headers, rawBody: new Uint8Array(Buffer.concat(chunks)) });
    response.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe("the demo's Shopify store", () => {
  const creatorId = demoCreatorId(1);
  const skus = demoShop(1).skus;
  const channel = createShopifyChannel({ ...app, apiBaseUrl: store.url });

  it("is connected to demo creator 1 with every SKU of the creator's TikTok shop, its token sealed and working", async () => {
    expect(await store.connect(sql, tokenEncryptionKey)).toBe(skus.length);
    const [row] = await sql<{ creator_id: string; connection_status: string; scopes: string[]; access_token_sealed: string }[]>`
      select creator_id::text, connection_status, scopes, access_token_sealed from shopify_shops where shop_domain = ${DEMO_SHOPIFY_STORE}`;
    expect(row).toMatchObject({ creator_id: creatorId, connection_status: "connected", scopes: expect.arrayContaining(["write_orders", "write_inventory"]) });
    expect(row!.access_token_sealed).not.toMatch(/^shpat_/);
    const linked = await sql<{ sku_id: string }[]>`select sku_id from shopify_inventory_items where shop_domain = ${DEMO_SHOPIFY_STORE} order by sku_id`;
    expect(linked.map((item) => item.sku_id)).toEqual(skus.map((sku) => sku.skuId).sort());
    // The stock outbox's view of it: a store listing the SKU, whose API answers with the opening stock.
    const [target] = await createShopifyStoresListing({ channel, tokenEncryptionKey })(sql, creatorId, skus[0]!.skuId);
    expect(target).toMatchObject({ channel: "shopify", shopId: DEMO_SHOPIFY_STORE });
    expect(await target!.api.readStock([{ skuId: skus[0]!.skuId, handles: target!.handles }])).toEqual([expect.objectContaining({ skuId: skus[0]!.skuId, available: skus[0]!.initialStock })]);
  });

  it("posts storefront orders of the creator's SKUs, signed as Shopify signs them", async () => {
    store.startTraffic({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, ordersPerMinute: 60 });
    const deadline = Date.now() + 30_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const [order, level] = received;
    expect(order?.headers.get("x-shopify-topic")).toBe("orders/create");
    expect(level?.headers.get("x-shopify-topic")).toBe("inventory_levels/update");
    for (const delivery of [order!, level!]) expect(await channel.webhooks.verify(delivery)).toBe(true);
    const parsed = await parseShopifyWebhook(order!.headers, order!.rawBody, "test");
    expect(parsed).toMatchObject({ kind: "valid", shopDomain: DEMO_SHOPIFY_STORE, webhook: { kind: "order" } });
    if (parsed.kind === "valid" && parsed.webhook.kind === "order") {
      expect(skus.map((sku) => sku.skuId)).toContain(parsed.webhook.order.line_items[0]!.sku);
    }
  });
});
