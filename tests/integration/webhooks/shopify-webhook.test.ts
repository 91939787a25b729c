// The shopify-webhook Edge Function in real Deno, behind the local functions gateway,
// against real Postgres: signed deliveries of every subscribed topic, and the ways
// deliveries go wrong (bad HMAC, a retry, an unknown store, an unlinked inventory item).
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inventoryLevelBody, orderBody, postShopifyDelivery, signedShopifyDelivery } from "../../../src/simulator/shopify/shopify-webhooks.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const CLIENT_SECRET = "shopify_test_client_secret";

const sql = connectTestDatabase();
const creatorId = newCreatorId();
const shopDomain = `${uniqueId("store-").toLowerCase().replace(/[^a-z0-9-]/g, "")}.myshopify.com`;
const linkedItem = uniqueNumericId("4", 12);
const skuId = uniqueId("SKU-SHOPIFY-");
let webhookUrl = "";

beforeAll(async () => {
  const standIn = await startTestStandIn({ functions: { dir: path.join(repoRoot, "supabase/functions"), env: { SHOPIFY_API_SECRET: CLIENT_SECRET } } });
  webhookUrl = `${standIn.url}/functions/v1/shopify-webhook`;
  await sql`insert into shopify_shops (shop_domain, creator_id, location_id) values (${shopDomain}, ${creatorId}, 'gid://shopify/Location/1')`;
  await sql`insert into shopify_inventory_items (shop_domain, inventory_item_id, sku_id) values (${shopDomain}, ${linkedItem}, ${skuId})`;
}, 120_000);

const order = (id: string, extra: { cancelledAt?: string; cancelReason?: "customer" } = {}) =>
  orderBody({ id, createdAt: "2026-12-02T10:00:00Z", lineItems: [{ sku: skuId, quantity: 2, price: "19.99" }], ...extra });

async function deliver(topic: string, body: unknown, options: { webhookId?: string; secret?: string; shop?: string } = {}) {
  const delivery = await signedShopifyDelivery({ clientSecret: options.secret ?? CLIENT_SECRET, shopDomain: options.shop ?? shopDomain, topic, body, webhookId: options.webhookId });
  const response = await postShopifyDelivery(webhookUrl, delivery);
  return { status: response.status, webhookId: delivery.headers["x-shopify-webhook-id"] };
}

async function events(aggregateId: string) {
  return sql<{ event_type: string; event_data: Record<string, unknown> }[]>`select event_type, event_data from event_store where aggregate_id = ${aggregateId} order by version`;
}

async function inboxRow(webhookId: string) {
  const [row] = await sql<{ status: string; creator_id: string | null; reason: string | null; shop_id: string | null }[]>`
    select status, creator_id, reason, shop_id from webhook_inbox where dedupe_key = ${`shopify:${webhookId}`}`;
  return row;
}

describe("shopify-webhook Edge Function", () => {
  it("records a new order with its channel, items and total, and keeps the delivery in the inbox", async () => {
    const id = uniqueNumericId("5", 13);
    const { status, webhookId } = await deliver("orders/create", order(id));
    expect(status).toBe(200);
    const stored = await events(`order-shopify-${id}`);
    expect(stored.map((event) => event.event_type)).toEqual(["order.received_from_channel"]);
    expect(stored[0].event_data).toMatchObject({
      order_id: `shopify-${id}`,
      channel: "shopify",
      shop_id: shopDomain,
      channel_order_id: id,
      items: [{ sku_id: skuId, quantity: 2, unit_price_minor: 1999 }],
      total_minor: 3998,
      currency: "USD",
    });
    expect(await inboxRow(webhookId)).toMatchObject({ status: "processed", creator_id: creatorId, shop_id: shopDomain });
  });

  it("stores nothing new for a retried delivery (same X-Shopify-Webhook-Id)", async () => {
    const id = uniqueNumericId("5", 13);
    const first = await deliver("orders/create", order(id));
    const retry = await deliver("orders/create", order(id), { webhookId: first.webhookId });
    expect(retry.status).toBe(200);
    expect(await events(`order-shopify-${id}`)).toHaveLength(1);
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from webhook_inbox where dedupe_key = ${`shopify:${first.webhookId}`}`;
    expect(count).toBe(1);
  });

  it("refuses a delivery whose HMAC is not the client secret's and stores nothing", async () => {
    const id = uniqueNumericId("5", 13);
    const { status, webhookId } = await deliver("orders/create", order(id), { secret: "someone_elses_secret" });
    expect(status).toBe(401);
    expect(await inboxRow(webhookId)).toBeUndefined();
    expect(await events(`order-shopify-${id}`)).toHaveLength(0);
  });

  it("refuses a body changed after signing", async () => {
    const delivery = await signedShopifyDelivery({ clientSecret: CLIENT_SECRET, shopDomain, topic: "orders/create", body: order(uniqueNumericId("5", 13)) });
    const tampered = new TextEncoder().encode(new TextDecoder().decode(delivery.rawBody).replace('"quantity":2', '"quantity":9'));
    const response = await fetch(webhookUrl, { method: "POST", headers: delivery.headers, body: tampered });
    expect(response.status).toBe(401);
    expect(await inboxRow(delivery.headers["x-shopify-webhook-id"])).toBeUndefined();
  });

  it("cancels an order once, whichever topic says so first; later updates are stale", async () => {
    const id = uniqueNumericId("5", 13);
    await deliver("orders/create", order(id));
    const cancelled = { cancelledAt: "2026-12-02T10:05:00Z", cancelReason: "customer" as const };
    expect((await deliver("orders/cancelled", order(id, cancelled))).status).toBe(200);
    const updated = await deliver("orders/updated", order(id, cancelled));
    const stored = await events(`order-shopify-${id}`);
    expect(stored.map((event) => event.event_type)).toEqual(["order.received_from_channel", "order.cancelled"]);
    expect(stored[1].event_data).toMatchObject({ cancelled_by: "buyer", reason: "cancelled on Shopify: customer" });
    expect((await inboxRow(updated.webhookId)).status).toBe("stale");
  });

  it("records Shopify's count for a linked inventory item, and ignores an item linked to no SKU", async () => {
    const linked = await deliver("inventory_levels/update", inventoryLevelBody({ inventoryItemId: linkedItem, locationId: "1", available: 7, updatedAt: "2026-12-02T10:00:00Z" }));
    expect(linked.status).toBe(200);
    const stored = await events(`inventory-${skuId}`);
    expect(stored.at(-1)).toMatchObject({
      event_type: "inventory.channel_count_reported",
      event_data: { sku_id: skuId, channel: "shopify", shop_id: shopDomain, available: 7, handles: { inventoryItemId: `gid://shopify/InventoryItem/${linkedItem}`, locationId: "gid://shopify/Location/1" } },
    });
    const unlinked = await deliver("inventory_levels/update", inventoryLevelBody({ inventoryItemId: "999999999", locationId: "1", available: 3, updatedAt: "2026-12-02T10:00:00Z" }));
    expect(unlinked.status).toBe(200);
    expect(await inboxRow(unlinked.webhookId)).toMatchObject({ status: "ignored", reason: "inventory item 999999999 is linked to no SKU" });
  });

  it("keeps a delivery from a store no creator connected as unlinked_shop", async () => {
    const { status, webhookId } = await deliver("orders/create", order(uniqueNumericId("5", 13)), { shop: "nobody-connected-this.myshopify.com" });
    expect(status).toBe(200);
    expect(await inboxRow(webhookId)).toMatchObject({ status: "unlinked_shop", creator_id: null });
  });

  it("keeps a body that is not a valid order as unprocessable, telling its creator", async () => {
    const { status, webhookId } = await deliver("orders/create", { id: "not-a-number" });
    expect(status).toBe(200);
    const row = await inboxRow(webhookId);
    expect(row.status).toBe("unprocessable");
    expect(row.reason).toContain("invalid orders/create body");
    const failures = await sql`select 1 from event_store where aggregate_id = ${`system-${creatorId}`} and event_type = 'system.sync_failure_detected'
                                 and event_data ->> 'reference' = ${`shopify:${webhookId}`}`;
    expect(failures).toHaveLength(1);
  });

  it("marks the store uninstalled on app/uninstalled and records it", async () => {
    const otherShop = `${uniqueId("gone-").toLowerCase().replace(/[^a-z0-9-]/g, "")}.myshopify.com`;
    await sql`insert into shopify_shops (shop_domain, creator_id, access_token_sealed) values (${otherShop}, ${creatorId}, 'sealed')`;
    const { status } = await deliver("app/uninstalled", { id: 1, myshopify_domain: otherShop }, { shop: otherShop });
    expect(status).toBe(200);
    const [shop] = await sql<{ connection_status: string; access_token_sealed: string | null }[]>`
      select connection_status, access_token_sealed from shopify_shops where shop_domain = ${otherShop}`;
    expect(shop).toEqual({ connection_status: "uninstalled", access_token_sealed: null });
    expect((await events(`shop-shopify-${otherShop}`)).map((event) => event.event_type)).toEqual(["shop.channel_uninstalled"]);
  });
});
