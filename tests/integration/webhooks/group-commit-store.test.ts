// store_webhook_deliveries against real Postgres: one batch, one transaction, and each
// delivery with its own outcome; and the ingestion core's cached order statuses, which the
// store's version check keeps honest.
import { describe, expect, it } from "vitest";
import { toAppendRows } from "../../../src/core/event-store/index.ts";
import type { TiktokOrderStatus } from "../../../src/core/orders/events.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { storeWebhookDeliveries, type DeliveryToStore } from "../../../src/core/webhooks/webhook-delivery-store.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const credentials = { appKey: "group_commit_key", appSecret: "group_commit_secret" };

const fromTikTok = { source: "tiktok_webhook" } as const;

function received(orderId: string, creatorId: string) {
  return toAppendRows({ creatorId, metadata: fromTikTok }, [{ type: "order.received_from_tiktok", data: receivedData(orderId, "AWAITING_SHIPMENT", 1764000000) }]);
}

function receivedData(orderId: string, status: TiktokOrderStatus, updateTime: number) {
  return { order_id: orderId, shop_id: "9100000000000000001", tiktok_status: status, is_on_hold: false, tiktok_update_time: updateTime };
}

function delivery(creatorId: string, overrides: Partial<DeliveryToStore> = {}): DeliveryToStore {
  const key = `gc-${uniqueId()}`;
  return { dedupeKey: key, notificationType: 1, shopId: "9100000000000000001", creatorId, rawBody: new TextEncoder().encode(`{"k":"${key}"}`), status: "processed", reason: null, appends: [], ...overrides };
}

async function inbox(key: string) {
  const [row] = await sql<{ status: string; reason: string | null; event_ids: string[]; raw_body: Uint8Array }[]>`
    select status, reason, event_ids, raw_body from webhook_inbox where dedupe_key = ${key}`;
  return row;
}

async function versions(aggregateId: string) {
  const rows = await sql<{ version: string; event_type: string }[]>`select version, event_type from event_store where aggregate_id = ${aggregateId} order by version`;
  return rows.map((row) => `${row.version}:${row.event_type}`);
}

describe("store_webhook_deliveries", () => {
  it("stores a batch in one transaction and answers each delivery with its own outcome", async () => {
    const creatorId = newCreatorId();
    const other = newCreatorId();
    const [newOrder, knownOrder, theirs] = [uniqueNumericId(), uniqueNumericId(), uniqueNumericId()];
    await sql`insert into streams (aggregate_id, aggregate_type, creator_id, version) values (${`order-${knownOrder}`}, 'order', ${creatorId}, 3), (${`order-${theirs}`}, 'order', ${other}, 1)`;

    const stored = delivery(creatorId, { appends: [{ aggregate_id: `order-${newOrder}`, aggregate_type: "order", expected: "no_stream", events: received(newOrder, creatorId) }] });
    const conflicting = delivery(creatorId, { appends: [{ aggregate_id: `order-${knownOrder}`, aggregate_type: "order", expected: "2", events: received(knownOrder, creatorId) }] });
    const wrongTenant = delivery(creatorId, { appends: [{ aggregate_id: `order-${theirs}`, aggregate_type: "order", expected: "any", events: received(theirs, creatorId) }] });
    const stale = delivery(creatorId, { status: "stale", appends: [{ aggregate_id: `order-${knownOrder}`, aggregate_type: "order", expected: "3", events: [] }] });
    const ignored = delivery(creatorId, { status: "ignored", reason: "type 99 is not acted on", notificationType: 99 });
    const copy = { ...stored };

    const outcomes = await storeWebhookDeliveries(sql, [stored, conflicting, wrongTenant, stale, ignored, copy]);

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["stored", "conflict", "wrong_tenant", "stored", "stored", "duplicate"]);
    expect(outcomes[1]).toEqual({ outcome: "conflict", actualVersion: "3" });
    expect(await versions(`order-${newOrder}`)).toEqual(["1:order.received_from_tiktok"]);
    expect(await inbox(stored.dedupeKey)).toMatchObject({ status: "processed", event_ids: [stored.appends[0].events[0].id] });
    expect(Buffer.from((await inbox(stored.dedupeKey)).raw_body).equals(Buffer.from(stored.rawBody))).toBe(true);
    expect(await inbox(conflicting.dedupeKey)).toBeUndefined();
    expect(await versions(`order-${knownOrder}`)).toEqual([]);
    expect(await inbox(wrongTenant.dedupeKey)).toMatchObject({ status: "unprocessable", reason: "order belongs to another creator's shop", event_ids: [] });
    expect(await versions(`order-${theirs}`)).toEqual([]);
    expect(await inbox(stale.dedupeKey)).toMatchObject({ status: "stale", event_ids: [] });
    expect(await inbox(ignored.dedupeKey)).toMatchObject({ status: "ignored", reason: "type 99 is not acted on" });
    const [streams] = await sql<{ known: string; theirs: string; placeholders: string }[]>`
      select (select version from streams where aggregate_id = ${`order-${knownOrder}`}) as known,
             (select version from streams where aggregate_id = ${`order-${theirs}`}) as theirs,
             (select count(*) from streams where version = 0) as placeholders`;
    expect(streams).toEqual({ known: "3", theirs: "1", placeholders: "0" });
  });

  it("applies two deliveries for one order in one batch in arrival order, refusing the second at the same expected version", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueNumericId();
    const first = delivery(creatorId, { appends: [{ aggregate_id: `order-${orderId}`, aggregate_type: "order", expected: "no_stream", events: received(orderId, creatorId) }] });
    const second = delivery(creatorId, { appends: [{ aggregate_id: `order-${orderId}`, aggregate_type: "order", expected: "no_stream", events: received(orderId, creatorId) }] });
    const following = delivery(creatorId, {
      appends: [{ aggregate_id: `order-${orderId}`, aggregate_type: "order", expected: "1", events: toAppendRows({ creatorId, metadata: fromTikTok }, [{ type: "order.tiktok_status_changed", data: { order_id: orderId, previous_status: "AWAITING_SHIPMENT", tiktok_status: "ON_HOLD", is_on_hold: true, tiktok_update_time: 1764000100 } }]) }],
    });
    const outcomes = await storeWebhookDeliveries(sql, [first, second, following]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["stored", "conflict", "stored"]);
    expect(await versions(`order-${orderId}`)).toEqual(["1:order.received_from_tiktok", "2:order.tiktok_status_changed"]);
    const transactions = await sql`select distinct transaction_id from event_store where aggregate_id = ${`order-${orderId}`}`;
    expect(transactions).toHaveLength(1);
  });

  it("answers a later copy of a conflicting delivery in the same batch as a conflict, not as already stored", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueNumericId();
    await sql`insert into streams (aggregate_id, aggregate_type, creator_id, version) values (${`order-${orderId}`}, 'order', ${creatorId}, 1)`;
    const stale = delivery(creatorId, { appends: [{ aggregate_id: `order-${orderId}`, aggregate_type: "order", expected: "no_stream", events: received(orderId, creatorId) }] });
    const outcomes = await storeWebhookDeliveries(sql, [stale, { ...stale }]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["conflict", "conflict"]);
    expect(await inbox(stale.dedupeKey)).toBeUndefined();
  });

  it("stores the rest of a batch one by one when one delivery breaks a check, and fails only that one", async () => {
    const creatorId = newCreatorId();
    const good = delivery(creatorId, { status: "ignored" });
    const broken = delivery(creatorId, { status: "not-a-status" as never });
    const outcomes = await storeWebhookDeliveries(sql, [good, broken]);
    expect(outcomes[0]).toMatchObject({ outcome: "stored" });
    expect(outcomes[1]).toMatchObject({ outcome: "failed" });
    expect(await inbox(good.dedupeKey)).toMatchObject({ status: "ignored" });
    expect(await inbox(broken.dedupeKey)).toBeUndefined();
  });
});

describe("webhook ingestion with cached order statuses", () => {
  const shopId = uniqueNumericId("91", 19);
  const creatorId = newCreatorId();
  const sign = async (body: string) => signWebhook({ ...credentials, rawBody: new TextEncoder().encode(body) });
  const statusDelivery = (orderId: string, status: string, updateTime: number) =>
    JSON.stringify({ type: 1, tts_notification_id: `n${orderId}${status}${updateTime}`, shop_id: shopId, timestamp: updateTime + 5, data: { order_id: orderId, order_status: status, is_on_hold_order: false, update_time: updateTime } });
  async function deliver(ingest: ReturnType<typeof createTikTokWebhookIngestion>, body: string) {
    return ingest(new TextEncoder().encode(body), await sign(body));
  }

  it("never applies a status the cache thinks is new when the order moved on elsewhere", async () => {
    await sql`insert into tiktok_shops (shop_id, creator_id) values (${shopId}, ${creatorId}) on conflict do nothing`;
    const ingest = createTikTokWebhookIngestion({ sql, ...credentials });
    const orderId = uniqueNumericId();
    expect(await deliver(ingest, statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000000))).toMatchObject({ status: 200, result: "processed" });
    // Another writer (a second function instance) delivers a later status: this instance's cache is now behind.
    const elsewhere = createTikTokWebhookIngestion({ sql, ...credentials });
    expect(await deliver(elsewhere, statusDelivery(orderId, "DELIVERED", 1764090000))).toMatchObject({ status: 200, result: "processed" });
    // By its cache the order is AWAITING_SHIPMENT, so IN_TRANSIT would be news; the version check sends it to the real stream.
    expect(await deliver(ingest, statusDelivery(orderId, "IN_TRANSIT", 1764003600))).toMatchObject({ status: 200, result: "stale" });
    expect(await versions(`order-${orderId}`)).toEqual(["1:order.received_from_tiktok", "2:order.shipped", "3:order.delivered"]);
  });

  it("takes an order it has not seen for new and reads the stream when it is not", async () => {
    const orderId = uniqueNumericId();
    const first = createTikTokWebhookIngestion({ sql, ...credentials });
    await deliver(first, statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000000));
    // A fresh instance has an empty cache: its guess "no stream" conflicts and it decides on what is stored.
    const restarted = createTikTokWebhookIngestion({ sql, ...credentials });
    expect(await deliver(restarted, statusDelivery(orderId, "IN_TRANSIT", 1764003600))).toMatchObject({ status: 200, result: "processed" });
    expect(await deliver(restarted, statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000000))).toMatchObject({ status: 200, result: "duplicate" });
    expect(await deliver(restarted, statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000001))).toMatchObject({ status: 200, result: "stale" });
    expect(await versions(`order-${orderId}`)).toEqual(["1:order.received_from_tiktok", "2:order.shipped"]);
  });

  it("stores a burst of mixed deliveries with their own outcomes", async () => {
    const ingest = createTikTokWebhookIngestion({ sql, ...credentials, groupCommit: { maxConcurrentCommits: 1 } });
    const orders = Array.from({ length: 20 }, () => uniqueNumericId());
    const bodies = [
      ...orders.map((orderId) => statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000000)),
      JSON.stringify({ type: 99, tts_notification_id: `n${uniqueId()}`, shop_id: shopId, timestamp: 1764000000, data: {} }),
      JSON.stringify({ type: 1, tts_notification_id: `n${uniqueId()}`, shop_id: shopId, timestamp: "yesterday", data: {} }),
    ];
    const outcomes = await Promise.all(bodies.map((body) => deliver(ingest, body)));
    expect(outcomes.map((outcome) => outcome.result)).toEqual([...orders.map(() => "processed"), "ignored", "unprocessable"]);
    for (const orderId of orders) expect(await versions(`order-${orderId}`)).toEqual(["1:order.received_from_tiktok"]);
  });

  it("answers 503 in time when the store is stuck on a lock, and stores the redelivery once it is free", async () => {
    await sql`insert into tiktok_shops (shop_id, creator_id) values (${shopId}, ${creatorId}) on conflict do nothing`;
    const ingest = createTikTokWebhookIngestion({ sql, ...credentials });
    const orderId = uniqueNumericId();
    expect(await deliver(ingest, statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000000))).toMatchObject({ status: 200, result: "processed" });

    // Another session holds the order's stream row, as a stuck writer would.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = sql.begin(async (tx) => {
      await tx`select 1 from public.streams where aggregate_id = ${`order-${orderId}`} for update`;
      locked();
      await held;
    });
    await lockTaken;
    const blocked = await deliver(ingest, statusDelivery(orderId, "IN_TRANSIT", 1764003600));
    release();
    await holder;

    expect(blocked).toMatchObject({ status: 503, result: "unavailable" });
    expect((blocked as { error: { code?: string } }).error.code).toBe("55P03");
    expect(await deliver(ingest, statusDelivery(orderId, "IN_TRANSIT", 1764003600))).toMatchObject({ status: 200, result: "processed" });
    expect(await versions(`order-${orderId}`)).toEqual(["1:order.received_from_tiktok", "2:order.shipped"]);
  });

  it("records when the function received a delivery and when its row was written, for our share of the latency", async () => {
    await sql`insert into tiktok_shops (shop_id, creator_id) values (${shopId}, ${creatorId}) on conflict do nothing`;
    const ingest = createTikTokWebhookIngestion({ sql, ...credentials });
    const orderId = uniqueNumericId();
    const body = statusDelivery(orderId, "AWAITING_SHIPMENT", 1764000000);
    const receivedAt = new Date(Date.now() - 1_000);

    const outcome = await ingest(new TextEncoder().encode(body), await sign(body), receivedAt);

    const [row] = await sql<{ request_received_at: Date; stored_at: Date }[]>`
      select request_received_at, stored_at from webhook_inbox where id = ${(outcome as { inboxId: string }).inboxId}`;
    expect(row.request_received_at.toISOString()).toBe(receivedAt.toISOString());
    expect(row.stored_at.getTime()).toBeGreaterThan(receivedAt.getTime());
  });
});

