// The tiktok-webhook Edge Function in real Deno, behind the local functions gateway,
// against real Postgres: the signed shared fixtures and the ways deliveries go wrong.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";
import { fixture, manifest } from "../../fixtures/signed-webhooks.ts";
import { uniqueNumericId } from "../../test-data.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const FIXTURE_SHOP = "7494726673780148744";
const FIXTURE_ORDERS = ["576684019603311365", "576684019603311366"];

const sql = connectTestDatabase();
const creatorId = newCreatorId();
let webhookUrl = "";

beforeAll(async () => {
  const standIn = await startTestStandIn({
    functions: {
      dir: path.join(repoRoot, "supabase/functions"),
      env: { TIKTOK_APP_KEY: manifest.app_key, TIKTOK_APP_SECRET: manifest.app_secret },
    },
  });
  webhookUrl = `${standIn.url}/functions/v1/tiktok-webhook`;
  // Fixture ids are fixed: clear what an earlier run against the same DATABASE_URL left.
  const aggregates = [...FIXTURE_ORDERS.map((id) => `order-${id}`), "inventory-1729582718312445659"];
  await sql`delete from webhook_inbox where shop_id = ${FIXTURE_SHOP}`;
  await sql`delete from event_store where aggregate_id in ${sql(aggregates)}`;
  await sql`delete from streams where aggregate_id in ${sql(aggregates)}`;
  await sql`insert into tiktok_shops (shop_id, creator_id, shop_name) values (${FIXTURE_SHOP}, ${creatorId}, 'Fixture shop')
            on conflict (shop_id) do update set creator_id = excluded.creator_id`;
  await sql`insert into tiktok_shops (shop_id, creator_id, shop_name) values ('9000000000000000001', ${creatorId}, 'Test shop')
            on conflict (shop_id) do update set creator_id = excluded.creator_id`;
}, 120_000);

function post(body: Uint8Array | string, authorization: string | null, headers: Record<string, string> = {}) {
  return fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === null ? {} : { authorization }), ...headers },
    body: typeof body === "string" ? body : Buffer.from(body),
  });
}

async function postFixture(file: string) {
  const { rawBody, authorization } = fixture(file);
  return post(rawBody, authorization);
}

async function signed(body: string) {
  return post(body, await signWebhook({ appKey: manifest.app_key, appSecret: manifest.app_secret, rawBody: new TextEncoder().encode(body) }));
}

async function eventTypes(aggregateId: string): Promise<string[]> {
  const rows = await sql<{ event_type: string }[]>`select event_type from event_store where aggregate_id = ${aggregateId} order by version`;
  return rows.map((row) => row.event_type);
}

async function inboxRow(dedupeKey: string) {
  const [row] = await sql<{ status: string; creator_id: string | null; reason: string | null; event_ids: string[] }[]>`
    select status, creator_id, reason, event_ids from webhook_inbox where dedupe_key = ${dedupeKey}`;
  return row;
}

const uniqueId = () => uniqueNumericId("1");

describe("tiktok-webhook Edge Function", () => {
  it("verifies every shared fixture and maps each to its events", async () => {
    const [first, second] = FIXTURE_ORDERS;
    for (const file of ["order-awaiting-shipment.json", "order-on-hold.json", "order-in-transit.json", "package-update.json", "order-delivered.json", "return-refund.json", "cancellation-status.json", "order-cancel.json", "inventory-low-stock.json", "unknown-type.json"]) {
      const response = await postFixture(file);
      expect(response.status, file).toBe(200);
      expect(await response.text(), file).toBe("");
    }
    expect(await eventTypes(`order-${first}`)).toEqual(["order.received_from_tiktok", "order.shipped", "order.delivered", "order.refunded"]);
    const onHold = await eventTypes(`order-${second}`);
    expect(onHold[0]).toBe("order.received_from_tiktok");
    expect(onHold.filter((type) => type === "order.cancelled")).toHaveLength(1);
    expect(await eventTypes("inventory-1729582718312445659")).toEqual(["inventory.external_count_reported"]);

    const [received] = await sql<{ event_data: Record<string, unknown>; creator_id: string; metadata: Record<string, unknown> }[]>`
      select event_data, creator_id, metadata from event_store where aggregate_id = ${`order-${second}`} and version = 1`;
    expect(received.event_data).toMatchObject({ order_id: second, tiktok_status: "ON_HOLD", is_on_hold: true, shop_id: FIXTURE_SHOP });
    expect(received.creator_id).toBe(creatorId);
    expect(received.metadata).toMatchObject({ source: "tiktok_webhook", request_id: "7327112393057191728" });

    expect(await inboxRow("7327112393057191736")).toMatchObject({ status: "ignored", creator_id: creatorId, event_ids: [] });
    expect(await inboxRow("7327112393057191734")).toMatchObject({ status: "ignored", event_ids: [] });
    expect((await inboxRow("7327112393057191727")).status).toBe("processed");
  });

  it("refuses a tampered body with 401 and stores nothing", async () => {
    const { rawBody, authorization } = fixture("order-awaiting-shipment.json");
    const tampered = new TextDecoder().decode(rawBody).replace("7327112393057191727", "7327112393057191999");
    expect((await post(tampered, authorization)).status).toBe(401);
    expect((await post(rawBody, null)).status).toBe(401);
    expect((await post(rawBody, authorization.replace(/^./, (c) => (c === "0" ? "1" : "0")))).status).toBe(401);
    expect(await inboxRow("7327112393057191999")).toBeUndefined();
  });

  it("answers a duplicate 200 and writes nothing more", async () => {
    const before = await eventTypes(`order-${FIXTURE_ORDERS[0]}`);
    expect((await postFixture("order-in-transit.json")).status).toBe(200);
    expect(await eventTypes(`order-${FIXTURE_ORDERS[0]}`)).toEqual(before);
    const [inbox] = await sql<{ count: string }[]>`select count(*) from webhook_inbox where dedupe_key = '7327112393057191729'`;
    expect(Number(inbox.count)).toBe(1);
  });

  it("turns 100 concurrent copies of one delivery into one inbox row and one set of events", async () => {
    const orderId = uniqueId();
    const notificationId = `n${uniqueId()}`;
    const body = JSON.stringify({ type: 1, tts_notification_id: notificationId, shop_id: "9000000000000000001", timestamp: 1764000000, data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: 1764000000 } });
    const responses = await Promise.all(Array.from({ length: 100 }, () => signed(body)));
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    const [inbox] = await sql<{ count: string }[]>`select count(*) from webhook_inbox where dedupe_key = ${notificationId}`;
    expect(Number(inbox.count)).toBe(1);
    expect(await eventTypes(`order-${orderId}`)).toEqual(["order.received_from_tiktok"]);
  });

  it("dedupes a delivery without a notification id on the sha256 of its body", async () => {
    const orderId = uniqueId();
    const body = JSON.stringify({ type: 1, shop_id: "9000000000000000001", timestamp: 1764000000, data: { order_id: orderId, order_status: "UNPAID", is_on_hold_order: false, update_time: 1764000000 } });
    await signed(body);
    await signed(body);
    const rows = await sql<{ dedupe_key: string }[]>`select dedupe_key from webhook_inbox where raw_body = ${Buffer.from(body)}`;
    expect(rows).toHaveLength(1);
    expect(rows[0].dedupe_key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await eventTypes(`order-${orderId}`)).toEqual(["order.received_from_tiktok"]);
  });

  it("keeps an out-of-order status in the inbox without moving the order backwards", async () => {
    const orderId = uniqueId();
    const delivery = (status: string, updateTime: number) =>
      JSON.stringify({ type: 1, tts_notification_id: `n${orderId}${status}`, shop_id: "9000000000000000001", timestamp: updateTime + 5, data: { order_id: orderId, order_status: status, is_on_hold_order: false, update_time: updateTime } });
    await signed(delivery("AWAITING_SHIPMENT", 1764000000));
    await signed(delivery("DELIVERED", 1764090000));
    const late = await signed(delivery("IN_TRANSIT", 1764003600));
    expect(late.status).toBe(200);
    expect(await inboxRow(`n${orderId}IN_TRANSIT`)).toMatchObject({ status: "stale", event_ids: [] });
    const types = await eventTypes(`order-${orderId}`);
    expect(types.at(-1)).toBe("order.delivered");
    expect(types.filter((type) => type === "order.shipped")).toHaveLength(1);
  });

  it("keeps a verified but invalid body as unprocessable, answers 200 and records a sync failure", async () => {
    const notificationId = `n${uniqueId()}`;
    const body = JSON.stringify({ type: 1, tts_notification_id: notificationId, shop_id: "9000000000000000001", timestamp: "yesterday", data: {} });
    expect((await signed(body)).status).toBe(200);
    const inbox = await inboxRow(notificationId);
    expect(inbox.status).toBe("unprocessable");
    expect(inbox.reason).toMatch(/timestamp/);
    expect(inbox.event_ids).toHaveLength(1);
    const [failure] = await sql<{ event_type: string; event_data: Record<string, unknown> }[]>`select event_type, event_data from event_store where id = ${inbox.event_ids[0]}`;
    expect(failure).toMatchObject({ event_type: "system.sync_failure_detected", event_data: { source: "tiktok_webhook", reference: notificationId } });
  });

  it("stores a delivery for a shop linked to no creator, and answers 200", async () => {
    const notificationId = `n${uniqueId()}`;
    const body = JSON.stringify({ type: 1, tts_notification_id: notificationId, shop_id: "1111111111111111111", timestamp: 1764000000, data: { order_id: uniqueId(), order_status: "UNPAID", update_time: 1764000000 } });
    expect((await signed(body)).status).toBe(200);
    expect(await inboxRow(notificationId)).toMatchObject({ status: "unlinked_shop", creator_id: null, event_ids: [] });
  });

  it("refuses a body over 1 MiB with 413 before storing anything", async () => {
    const notificationId = `n${uniqueId()}`;
    const body = JSON.stringify({ type: 1, tts_notification_id: notificationId, shop_id: "9000000000000000001", timestamp: 1764000000, data: { padding: "x".repeat(1024 * 1024) } });
    expect((await signed(body)).status).toBe(413);
    expect(await inboxRow(notificationId)).toBeUndefined();
  });

  it("answers 405 to anything but POST", async () => {
    expect((await fetch(webhookUrl)).status).toBe(405);
  });
});
