// Deno suite for the shopify-webhook function: the handler itself, in Deno, against the
// real Postgres that `npm test` starts for it (DATABASE_URL).
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { sanitize, withDatabase } from "./suite-database.ts";
import { signShopifyWebhook } from "../../../src/core/channels/shopify/hmac-base64.ts";
import { uniqueId, uniqueNumericId } from "../../../tests/test-data.ts";

const clientSecret = "deno_suite_shopify_secret";
Deno.env.set("SHOPIFY_API_SECRET", clientSecret);
const { default: webhookFunction } = await import("../shopify-webhook/index.ts");

const creatorId = crypto.randomUUID();
const shopDomain = `deno-suite-${uniqueId()}.myshopify.com`;

async function deliver(body: Uint8Array<ArrayBuffer>, headers: Record<string, string>, method = "POST") {
  return webhookFunction.fetch(new Request("http://localhost/shopify-webhook", { method, body: method === "POST" ? body : undefined, headers }));
}

async function signedHeaders(body: Uint8Array<ArrayBuffer>, webhookId: string, secret = clientSecret) {
  return {
    "x-shopify-topic": "orders/create",
    "x-shopify-shop-domain": shopDomain,
    "x-shopify-webhook-id": webhookId,
    "x-shopify-hmac-sha256": await signShopifyWebhook(secret, body),
  };
}

const orderJson = (id: number) =>
  new TextEncoder().encode(JSON.stringify({ id, created_at: "2026-12-02T10:00:00Z", currency: "USD", total_price: "5.00", line_items: [{ id: 1, sku: "DENO-SKU-1", quantity: 1, price: "5.00" }] }));

Deno.test({ name: "accepts a signed order once and records its event with its channel", ...sanitize, fn: async () => {
  await withDatabase((sql) => sql`insert into shopify_shops (shop_domain, creator_id) values (${shopDomain}, ${creatorId})`);
  const id = Number(uniqueNumericId("1", 15));
  const body = orderJson(id);
  const webhookId = crypto.randomUUID();
  assertEquals((await deliver(body, await signedHeaders(body, webhookId))).status, 200);
  assertEquals((await deliver(body, await signedHeaders(body, webhookId))).status, 200);
  const rows = await withDatabase((sql) => sql`select status, cardinality(event_ids) as events from webhook_inbox where dedupe_key = ${`shopify:${webhookId}`}`);
  assertEquals(rows.map((row) => ({ ...row })), [{ status: "processed", events: 1 }]);
  const events = await withDatabase((sql) => sql`select event_type, event_data ->> 'channel' as channel from event_store where aggregate_id = ${`order-shopify-${id}`}`);
  assertEquals(events.map((row) => ({ ...row })), [{ event_type: "order.received_from_channel", channel: "shopify" }]);
}});

Deno.test({ name: "refuses a forged or missing HMAC with 401 and stores nothing", ...sanitize, fn: async () => {
  const body = orderJson(Number(uniqueNumericId("1", 15)));
  const webhookId = crypto.randomUUID();
  assertEquals((await deliver(body, await signedHeaders(body, webhookId, "not-the-secret"))).status, 401);
  const { "x-shopify-hmac-sha256": _, ...unsigned } = await signedHeaders(body, webhookId);
  assertEquals((await deliver(body, unsigned)).status, 401);
  const rows = await withDatabase((sql) => sql`select 1 from webhook_inbox where dedupe_key = ${`shopify:${webhookId}`}`);
  assertEquals(rows.length, 0);
}});

Deno.test({ name: "refuses an oversized body with 413 and other methods with 405", ...sanitize, fn: async () => {
  const oversized = new Uint8Array(1024 * 1024 + 1).fill(32);
  assertEquals((await deliver(oversized, await signedHeaders(oversized, crypto.randomUUID()))).status, 413);
  const response = await deliver(new Uint8Array(0), {}, "GET");
  assertEquals(response.status, 405);
  assertMatch(response.headers.get("allow") ?? "", /POST/);
}});
