// No signed webhook is ever lost, even one whose values Postgres cannot store as parsed: the
// real tiktok-webhook function keeps its raw bytes as unprocessable with the reason, answers
// 200 (so TikTok stops retrying a delivery no retry can fix) and raises a sync failure for the
// shop's creator. Before, such a delivery answered 503 until TikTok gave up after 15.5 hours.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { sha256Hex } from "../../../src/core/channels/tiktok-shop/hmac-sha256.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";
import { manifest } from "../../fixtures/signed-webhooks.ts";
import { uniqueNumericId } from "../../test-data.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const sql = connectTestDatabase();
const creatorId = newCreatorId();
const shopId = uniqueNumericId("7");
let webhookUrl = "";

beforeAll(async () => {
  const standIn = await startTestStandIn({
    functions: { dir: path.join(repoRoot, "supabase/functions"), env: { TIKTOK_APP_KEY: manifest.app_key, TIKTOK_APP_SECRET: manifest.app_secret } },
  });
  webhookUrl = `${standIn.url}/functions/v1/tiktok-webhook`;
  await sql`insert into tiktok_shops (shop_id, creator_id, shop_name) values (${shopId}, ${creatorId}, 'Unstorable test shop')`;
}, 120_000);

async function postSigned(body: string): Promise<number> {
  const bytes = new TextEncoder().encode(body);
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: await signWebhook({ appKey: manifest.app_key, appSecret: manifest.app_secret, rawBody: bytes }) },
    body: Buffer.from(bytes),
  });
  await response.arrayBuffer();
  return response.status;
}

async function keptAs(dedupeKey: string) {
  const [row] = await sql<{ status: string; reason: string; raw_body: Buffer; notification_type: number | null; event_ids: string[] }[]>`
    select status, reason, raw_body, notification_type, event_ids from webhook_inbox where dedupe_key = ${dedupeKey}`;
  return row;
}

async function failureEvent(eventIds: string[]) {
  const [event] = await sql<{ event_type: string; creator_id: string; event_data: { source: string; reason: string } }[]>`
    select event_type, creator_id, event_data from event_store where id = ${eventIds[0] ?? null}`;
  return event;
}

const bodyKey = async (body: string) => `sha256:${await sha256Hex(new TextEncoder().encode(body))}`;

describe("a signed delivery Postgres cannot store as parsed", () => {
  it("keeps a type code beyond an integer column as unprocessable, answers 200, raises a sync failure", async () => {
    const notificationId = `n${uniqueNumericId("1")}`;
    const body = JSON.stringify({ type: 2_147_483_648, tts_notification_id: notificationId, shop_id: shopId, timestamp: 1764000000, data: {} });

    expect(await postSigned(body)).toBe(200);

    const kept = await keptAs(notificationId);
    expect(kept).toMatchObject({ status: "unprocessable", notification_type: null });
    expect(kept.reason).toBe("invalid envelope: ✖ Too big: expected number to be <=2147483647 → at type");
    expect(kept.raw_body.toString("utf8")).toBe(body);
    expect(await failureEvent(kept.event_ids)).toMatchObject({ event_type: "system.sync_failure_detected", creator_id: creatorId, event_data: { source: "tiktok_webhook" } });
  });

  it("keeps a NUL in the notification id under the sha256 of the bytes, and a redelivery stays one row", async () => {
    const body = `{"type":1,"tts_notification_id":"n${uniqueNumericId("2")}\\u0000x","shop_id":"${shopId}","timestamp":1764000000,"data":{}}`;

    expect(await postSigned(body)).toBe(200);
    expect(await postSigned(body)).toBe(200);

    const kept = await keptAs(await bodyKey(body));
    expect(kept.status).toBe("unprocessable");
    expect(kept.reason).toBe('field "tts_notification_id" contains a NUL character, which Postgres cannot store');
    expect(await sql`select 1 from webhook_inbox where dedupe_key = ${await bodyKey(body)}`).toHaveLength(1);
    expect((await failureEvent(kept.event_ids)).creator_id).toBe(creatorId);
  });

  it("keeps a lone surrogate in an order status as unprocessable, with the field named", async () => {
    const notificationId = `n${uniqueNumericId("3")}`;
    const body = `{"type":1,"tts_notification_id":"${notificationId}","shop_id":"${shopId}","timestamp":1764000000,"data":{"order_id":"${uniqueNumericId("5")}","order_status":"AWAITING\\ud800","update_time":1764000000}}`;

    expect(await postSigned(body)).toBe(200);

    expect(await keptAs(notificationId)).toMatchObject({
      status: "unprocessable",
      reason: 'field "data.order_status" contains an unpaired surrogate (not valid Unicode), which Postgres cannot store',
    });
  });

  it("keeps stock beyond what a read model can hold as unprocessable, refused by the schema with the field named", async () => {
    const notificationId = `n${uniqueNumericId("4")}`;
    const body = JSON.stringify({
      type: 27,
      tts_notification_id: notificationId,
      shop_id: shopId,
      timestamp: 1764005000,
      data: {
        product_id: "1729582718312380123",
        sku_id: uniqueNumericId("1729"),
        trigger_reason: { alert_type: "REALTIME", lead_days: 0, low_stock_threshold: 10 },
        current_inventory_status: "IN_STOCK",
        inventory_distribution: { total: 3_000_000_000, available: 3_000_000_000, creator_reserved: 0, campaign_reserved: 0, committed: 0 },
        update_time: 1764004990,
      },
    });

    expect(await postSigned(body)).toBe(200);

    const kept = await keptAs(notificationId);
    expect(kept.status).toBe("unprocessable");
    expect(kept.reason).toMatch(/^invalid INVENTORY_STATUS_CHANGE data: ✖ must be at most 10000000 units → at inventory_distribution\.total/);
  });
});
