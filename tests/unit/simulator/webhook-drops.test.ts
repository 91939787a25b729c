import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTikTokShopClient, type TikTokOrderDetail } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { withDroppedWebhooks } from "../../../src/simulator/webhook-drops.ts";
import { createWebhookTraffic, type WebhookDelivery, type WebhookTrafficOptions } from "../../../src/simulator/webhook-traffic.ts";

const options: WebhookTrafficOptions = { seed: 77, creators: 2, startTime: 1764000000, duplicateRate: 0.1, reorderRate: 0.1 };
const take = (traffic: { next(): WebhookDelivery }, count: number) => Array.from({ length: count }, () => traffic.next());
const orderIdOf = (delivery: WebhookDelivery) => (JSON.parse(delivery.body) as { data?: { order_id?: string } }).data?.order_id;

describe("dropped webhooks", () => {
  it("never delivers a dropped notification, nor its duplicates, and leaves the rest exactly as the same seed delivers them", () => {
    const plain = take(createWebhookTraffic(options), 3000);
    const dropping = withDroppedWebhooks(createWebhookTraffic(options), { seed: options.seed, dropRate: 0.3 });
    const delivered = take(dropping, 1000);
    const deliveredIds = new Set(delivered.map((delivery) => delivery.notificationId));
    expect(plain.filter((delivery) => deliveredIds.has(delivery.notificationId)).slice(0, 1000).map((delivery) => delivery.body)).toEqual(delivered.map((delivery) => delivery.body));

    const lastIndex = plain.findIndex((delivery) => delivery === plain.filter((candidate) => deliveredIds.has(candidate.notificationId))[999]);
    const seen = new Set(plain.slice(0, lastIndex + 1).map((delivery) => delivery.notificationId));
    const dropped = [...seen].filter((id) => !deliveredIds.has(id));
    expect(dropping.drops.notifications).toBe(dropped.length);
    expect(dropped.length / seen.size).toBeGreaterThan(0.2);
    expect(dropped.length / seen.size).toBeLessThan(0.4);
  });

  it("drops the same notifications for the same seed, and none at rate 0", () => {
    const first = take(withDroppedWebhooks(createWebhookTraffic(options), { seed: 5, dropRate: 0.2 }), 500).map((delivery) => delivery.body);
    const second = take(withDroppedWebhooks(createWebhookTraffic(options), { seed: 5, dropRate: 0.2 }), 500).map((delivery) => delivery.body);
    expect(second).toEqual(first);
    const none = withDroppedWebhooks(createWebhookTraffic(options), { seed: 5, dropRate: 0 });
    expect(take(none, 500).map((delivery) => delivery.body)).toEqual(take(createWebhookTraffic(options), 500).map((delivery) => delivery.body));
    expect(none.drops.notifications).toBe(0);
  });

  it("refuses a drop rate of 1 or more, which would deliver nothing ever", () => {
    expect(() => withDroppedWebhooks(createWebhookTraffic(options), { seed: 1, dropRate: 1 })).toThrow(RangeError);
  });
});

describe("orders behind dropped webhooks", () => {
  let simulator: TikTokShopSimulator;
  const latestDelivered = new Map<string, { status: string; updateTime: number }>();
  let droppedOrderIds: Set<string>;

  beforeAll(async () => {
    simulator = await startTikTokShopSimulator({ port: 0, creators: 2, rateLimitPerSecond: 10_000 });
    const traffic = withDroppedWebhooks(createWebhookTraffic({ ...options, duplicateRate: 0, reorderRate: 0, world: simulator.world }), { seed: 9, dropRate: 0.5 });
    for (const delivery of take(traffic, 400)) {
      const body = JSON.parse(delivery.body) as { type: number; data: { order_id?: string; order_status?: string; update_time?: number } };
      if (body.type === 1 && body.data.order_id !== undefined) latestDelivered.set(body.data.order_id, { status: body.data.order_status ?? "", updateTime: body.data.update_time ?? 0 });
    }
    droppedOrderIds = traffic.drops.orderIds;
  });

  afterAll(async () => {
    await simulator.close();
  });

  async function searchAll(shopCipher: string): Promise<TikTokOrderDetail[]> {
    const client = createTikTokShopClient({ baseUrl: simulator.url, appKey: "test_app_key", appSecret: "test_app_secret", accessToken: "local-simulator-token", shopCipher });
    const orders: TikTokOrderDetail[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await client.searchOrders({}, { pageSize: 100, ...(pageToken === undefined ? {} : { pageToken }) });
      orders.push(...data.orders);
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken !== undefined);
    return orders;
  }

  it("lists orders no status webhook was ever delivered for, and orders whose latest status never arrived, with their current status", async () => {
    const found = new Map<string, TikTokOrderDetail>();
    for (const shop of simulator.world.shops) for (const order of await searchAll(shop.shopCipher)) found.set(order.id, order);
    const worldOrders = [...simulator.world.orders.values()];
    expect(found.size).toBe(worldOrders.length);

    const neverDelivered = worldOrders.filter((order) => !latestDelivered.has(order.orderId));
    expect(neverDelivered.length).toBeGreaterThan(0);
    expect(neverDelivered.every((order) => droppedOrderIds.has(order.orderId))).toBe(true);
    const behind = worldOrders.filter((order) => {
      const delivered = latestDelivered.get(order.orderId);
      return delivered !== undefined && delivered.updateTime < order.updateTime && droppedOrderIds.has(order.orderId);
    });
    expect(behind.length).toBeGreaterThan(0);
    for (const order of [...neverDelivered, ...behind]) {
      expect(found.get(order.orderId)?.status).toBe(order.status);
      expect(found.get(order.orderId)?.update_time).toBe(order.updateTime);
    }
  });
});
