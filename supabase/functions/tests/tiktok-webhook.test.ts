// Deno suite for the tiktok-webhook function: the handler itself, in Deno, against the
// real Postgres that `npm test` starts for it (DATABASE_URL), with the signed samples in tests/fixtures/tiktok.
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { uniqueNumericId } from "../../../tests/test-data.ts";
import { sanitize, withDatabase } from "./suite-database.ts";
import { signApiRequest } from "../../../src/core/channels/tiktok-shop/api-signature.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";

const fixtures = new URL("../../../tests/fixtures/tiktok/", import.meta.url);
const manifest = JSON.parse(await Deno.readTextFile(new URL("manifest.json", fixtures))) as {
  app_key: string;
  app_secret: string;
  fixtures: { file: string; authorization: string }[];
};
Deno.env.set("TIKTOK_APP_KEY", manifest.app_key);
Deno.env.set("TIKTOK_APP_SECRET", manifest.app_secret);
const { default: webhookFunction } = await import("../tiktok-webhook/index.ts");

const creatorId = crypto.randomUUID();
const shopId = uniqueNumericId("5");

function deliver(body: BodyInit, authorization?: string, method = "POST") {
  return webhookFunction.fetch(
    new Request("http://localhost/tiktok-webhook", { method, body: method === "POST" ? body : undefined, headers: authorization ? { authorization } : {} }),
  );
}

Deno.test("signs webhooks and API calls as the documented test vectors say", async () => {
  const body = new TextEncoder().encode(
    '{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}',
  );
  assertEquals(
    await signWebhook({ appKey: "fake_app_key", appSecret: "fake_app_secret", rawBody: body }),
    "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27",
  );
  assertEquals(
    await signApiRequest({ appSecret: "e59af819cc", path: "/authorization/202309/shops", query: { app_key: "29a39d", timestamp: "1623812664" } }),
    "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
  );
});

Deno.test({ name: "accepts a signed fixture once and records its event", ...sanitize, fn: async () => {
  const { authorization } = manifest.fixtures.find((entry) => entry.file === "inventory-low-stock.json")!;
  const raw = await Deno.readFile(new URL("inventory-low-stock.json", fixtures));
  await withDatabase(async (sql) => {
    await sql`insert into tiktok_shops (shop_id, creator_id) values ('7494726673780148744', ${creatorId})
              on conflict (shop_id) do update set creator_id = excluded.creator_id`;
    await sql`delete from webhook_inbox where dedupe_key = '7327112393057191735'`;
  });
  assertEquals((await deliver(raw, authorization)).status, 200);
  assertEquals((await deliver(raw, authorization)).status, 200);
  const rows = await withDatabase((sql) => sql`select status, cardinality(event_ids) as events from webhook_inbox where dedupe_key = '7327112393057191735'`);
  assertEquals(rows.map((row) => ({ ...row })), [{ status: "processed", events: 1 }]);
}});

Deno.test({ name: "refuses a forged signature with 401 and stores nothing", ...sanitize, fn: async () => {
  const body = JSON.stringify({ type: 1, tts_notification_id: `forged-${shopId}`, shop_id: shopId, timestamp: 1764000000, data: {} });
  const forged = await signWebhook({ appKey: manifest.app_key, appSecret: "not-the-secret", rawBody: new TextEncoder().encode(body) });
  assertEquals((await deliver(body, forged)).status, 401);
  assertEquals((await deliver(body)).status, 401);
  const rows = await withDatabase((sql) => sql`select 1 from webhook_inbox where dedupe_key = ${`forged-${shopId}`}`);
  assertEquals(rows.length, 0);
}});

Deno.test({ name: "refuses an oversized body with 413 and other methods with 405", ...sanitize, fn: async () => {
  const oversized = new Uint8Array(1024 * 1024 + 1).fill(32);
  const authorization = await signWebhook({ appKey: manifest.app_key, appSecret: manifest.app_secret, rawBody: oversized });
  assertEquals((await deliver(oversized, authorization)).status, 413);
  const response = await deliver("", undefined, "GET");
  assertEquals(response.status, 405);
  assertMatch(response.headers.get("allow") ?? "", /POST/);
}});
