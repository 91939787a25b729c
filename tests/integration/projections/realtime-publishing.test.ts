import { beforeAll, describe, expect, it } from "vitest";
import { allProjections, projectionConsumer } from "../../../src/core/projections/index.ts";
import { createRealtimePublisher, topicFor } from "../../../src/core/realtime/realtime-publisher.ts";
import { replayEvents } from "../../../src/core/replay/replay.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { manifest } from "../../fixtures/signed-webhooks.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { pushedToShopify, received, receivedFromShopify, stockUpdated, uniqueId, validated } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";
import { uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "realtime");

interface Delta {
  seq: number;
  sentAt: string;
  changed: string[];
  refetch: boolean;
  metrics?: { grossMinor: number; ordersReceived: number; day: string; byChannel?: { channel: string; ordersReceived: number; grossMinor: number }[] };
  orders?: { orderId: string; status: string; sinceWebhookMs?: number }[];
  inventory?: { skuId: string; available: number; channelAvailable?: Record<string, number> }[];
}

async function messages(creatorId: string) {
  return sql<{ event: string; private: boolean; payload: Delta }[]>`
    select event, private, payload from realtime.messages where topic = ${topicFor(creatorId)} order by (payload->>'seq')::int`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("realtime publishing", () => {
  const publisher = createRealtimePublisher({ sql, schema: models.schema });
  /** Publishes until nothing waits, sleeping only as long as the publisher says the next delta is due in. */
  async function publishAllDue(): Promise<void> {
    for (let round = 0; round < 100; round += 1) {
      const pending = await publisher.publishDue();
      if (pending.waiting === 0) return;
      await sleep(Math.max(1, pending.nextDueInMs ?? 10));
    }
    throw new Error("deltas still waiting after 100 rounds");
  }
  beforeAll(() => models.startAtEndOfStream());

  it("sends a small delta with the changed rows and the new KPIs, numbered per creator", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("rt");
    const now = new Date();
    await models.append(creatorId, `order-${orderId}`, [received(orderId, now), validated(orderId, now, 2500)]);
    await models.project();
    await publisher.publishDue();

    const [first] = await messages(creatorId);
    expect(first).toMatchObject({ event: "delta", private: true });
    expect(first.payload).toMatchObject({
      seq: 1,
      changed: ["metrics", "orders"],
      refetch: false,
      metrics: { grossMinor: 2500, ordersReceived: 1, day: now.toISOString().slice(0, 10) },
      orders: [{ orderId, status: "validated" }],
    });
    expect(JSON.stringify(first.payload).length).toBeLessThan(4_096);

    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, now, 0, 30)]);
    await models.project();
    await publishAllDue();
    const all = await messages(creatorId);
    expect(all.map((message) => message.payload.seq)).toEqual([1, 2]);
    expect(all[1].payload).toMatchObject({ changed: ["inventory"], inventory: [{ skuId: sku, available: 30, version: 1 }] });
  });

  it("splits today's sales by channel and carries what each channel shows of a SKU", async () => {
    const creatorId = newCreatorId();
    const now = new Date();
    const tiktokOrder = uniqueId("rt");
    const shopifyOrder = `shopify-${uniqueId("rt")}`;
    await models.append(creatorId, `order-${tiktokOrder}`, [received(tiktokOrder, now), validated(tiktokOrder, now, 2500)]);
    await models.append(creatorId, `order-${shopifyOrder}`, [receivedFromShopify(shopifyOrder, now, 1200)]);
    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, now, 0, 30), pushedToShopify(sku, now, 28, 1)]);
    await models.project();
    await publishAllDue();

    const sent = (await messages(creatorId)).map((message) => message.payload);
    const metrics = sent.findLast((payload) => payload.metrics)?.metrics;
    expect(metrics).toMatchObject({ ordersReceived: 2, grossMinor: 3700 });
    expect(metrics?.byChannel).toEqual([
      { channel: "shopify", ordersReceived: 1, ordersCancelled: 0, grossMinor: 1200, netMinor: 1200 },
      { channel: "tiktok_shop", ordersReceived: 1, ordersCancelled: 0, grossMinor: 2500, netMinor: 2500 },
    ]);
    const stock = sent.findLast((payload) => payload.inventory)?.inventory;
    expect(stock).toEqual([expect.objectContaining({ skuId: sku, available: 30, channelAvailable: { shopify: 28 } })]);
    const [channelDay] = await sql<{ channel: string; orders_received: number }[]>`
      select channel, orders_received from ${models.table("dashboard_metrics_channel_daily")} where creator_id = ${creatorId} and channel = 'shopify'`;
    expect(channelDay).toEqual({ channel: "shopify", orders_received: 1 });
  });

  it("coalesces a burst of 200 events into at most one message per 100 ms", async () => {
    const creatorId = newCreatorId();
    const burst = (async () => {
      for (let index = 0; index < 100; index += 1) {
        const orderId = uniqueId("burst");
        await models.append(creatorId, `order-${orderId}`, [received(orderId, new Date()), validated(orderId, new Date(), 1000)]);
      }
    })();
    let done = false;
    void burst.then(() => {
      done = true;
    });
    const started = performance.now();
    while (!done) {
      await models.project();
      await publisher.publishDue();
    }
    await models.project();
    let pending = await publisher.publishDue();
    while (pending.waiting) {
      await sleep(pending.nextDueInMs ?? 10);
      pending = await publisher.publishDue();
    }
    const elapsedSeconds = (performance.now() - started) / 1000;

    const sent = await messages(creatorId);
    expect(sent.map((message) => message.payload.seq)).toEqual(sent.map((_, index) => index + 1));
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds * 10) + 1);
    const times = sent.map((message) => Date.parse(message.payload.sentAt));
    for (let index = 1; index < times.length; index += 1) expect(times[index] - times[index - 1]).toBeGreaterThanOrEqual(99);
    const last = sent.at(-1)?.payload;
    expect(last?.metrics?.ordersReceived).toBe(100);
  });

  it("sends nothing for replayed events", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("rp");
    await models.append(creatorId, `order-${orderId}`, [received(orderId, new Date())]);
    await models.project();
    await publishAllDue();
    const before = await messages(creatorId);
    expect(before).toHaveLength(1);

    for (const projection of allProjections) {
      await replayEvents({ sql, filter: { creatorId }, into: projectionConsumer(projection, { schema: models.schema, name: models.consumerName(projection) }) });
    }
    await publishAllDue();
    expect(await messages(creatorId)).toHaveLength(1);
    const [outbox] = await sql`select dirty from ${models.table("realtime_outbox")} where creator_id = ${creatorId}`;
    expect(outbox.dirty).toBe(false);
  });
});

describe("realtime publishing of how long a TikTok webhook took", () => {
  // No interval between messages, so each publishDue() sends what is dirty without waiting.
  const publisher = createRealtimePublisher({ sql, schema: models.schema, minIntervalMs: 0 });
  const ingest = createTikTokWebhookIngestion({ sql, appKey: manifest.app_key, appSecret: manifest.app_secret });
  const creatorId = newCreatorId();
  const shopId = uniqueNumericId("8", 19);
  beforeAll(async () => {
    await models.startAtEndOfStream();
    await sql`insert into tiktok_shops (shop_id, creator_id, shop_name) values (${shopId}, ${creatorId}, 'Arrival shop')`;
  });

  /** Delivers a signed order status webhook; TikTok's `timestamp` in it is a year old, as a delayed or replayed one may be. */
  async function deliver(orderId: string, status: string, updateTime: number): Promise<string> {
    const notificationId = `n${orderId}${status}`;
    const body = JSON.stringify({
      type: 1, tts_notification_id: notificationId, shop_id: shopId, timestamp: updateTime,
      data: { order_id: orderId, order_status: status, is_on_hold_order: false, update_time: updateTime },
    });
    const rawBody = new TextEncoder().encode(body);
    const outcome = await ingest(rawBody, await signWebhook({ appKey: manifest.app_key, appSecret: manifest.app_secret, rawBody }));
    expect(outcome).toMatchObject({ status: 200, result: "processed" });
    return notificationId;
  }

  /** When our endpoint accepted a delivery, in epoch ms with the database's microseconds. */
  async function acceptedAtMs(dedupeKey: string): Promise<number> {
    const [row] = await sql<{ ms: number }[]>`select (extract(epoch from received_at) * 1000)::float8 as ms from webhook_inbox where dedupe_key = ${dedupeKey}`;
    return row.ms;
  }

  async function lastMessage(): Promise<Delta> {
    const all = await messages(creatorId);
    return all.at(-1)!.payload;
  }

  it("measures from the inbox's acceptance to the message, not from TikTok's timestamp, and only on the first message after the webhook", async () => {
    const orderId = uniqueNumericId("1");
    const yearAgo = Math.floor(Date.now() / 1000) - 365 * 86_400;
    const started = performance.now();
    const delivery = await deliver(orderId, "AWAITING_SHIPMENT", yearAgo);
    await models.project();
    await publisher.publishDue();
    const elapsedMs = performance.now() - started;

    const first = await lastMessage();
    const [order] = first.orders ?? [];
    expect(order).toMatchObject({ orderId, status: "received" });
    // sentAt has whole milliseconds; the figure is rounded from microseconds: they agree within 1.5 ms.
    expect(Math.abs(order.sinceWebhookMs! - (Date.parse(first.sentAt) - (await acceptedAtMs(delivery))))).toBeLessThanOrEqual(1.5);
    expect(order.sinceWebhookMs).toBeLessThanOrEqual(elapsedMs + 1);

    // A change that no webhook brought (the saga validating the order) carries no figure.
    await models.append(creatorId, `order-${orderId}`, [validated(orderId, new Date(), 2500)]);
    await models.project();
    await publisher.publishDue();
    const second = await lastMessage();
    expect(second.seq).toBe(first.seq + 1);
    expect(second.orders).toEqual([expect.objectContaining({ orderId, status: "validated" })]);
    expect(second.orders![0]).not.toHaveProperty("sinceWebhookMs");
  });

  it("measures coalesced webhooks of one order from the earliest, the one that waited longest", async () => {
    const orderId = String(Date.now() + 1).padEnd(18, "2");
    const now = Math.floor(Date.now() / 1000);
    await deliver(orderId, "AWAITING_SHIPMENT", now - 60);
    await models.project();
    await publisher.publishDue();

    const shippedDelivery = await deliver(orderId, "IN_TRANSIT", now - 30);
    await models.project();
    const deliveredDelivery = await deliver(orderId, "DELIVERED", now);
    await models.project();
    await publisher.publishDue();

    const message = await lastMessage();
    const [order] = message.orders ?? [];
    expect(order).toMatchObject({ orderId, status: "delivered" });
    const sentAt = Date.parse(message.sentAt);
    expect(await acceptedAtMs(shippedDelivery)).toBeLessThan(await acceptedAtMs(deliveredDelivery));
    expect(Math.abs(order.sinceWebhookMs! - (sentAt - (await acceptedAtMs(shippedDelivery))))).toBeLessThanOrEqual(1.5);
  });
});
