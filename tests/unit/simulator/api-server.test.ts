import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTikTokShopClient, decimalAmountToMinor, orderItemsFromLineItems, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { signApiRequest } from "../../../src/core/channels/tiktok-shop/api-signature.ts";
import { normalizeOrderStatus } from "../../../src/core/channels/tiktok-shop/order-status.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";

const appKey = "test_app_key";
const appSecret = "test_app_secret";
let simulator: TikTokShopSimulator;
const latestStatusByOrder = new Map<string, { status: string; updateTime: number }>();

beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, creators: 2 });
  const traffic = createWebhookTraffic({ seed: 99, creators: 2, startTime: 1764000000, duplicateRate: 0, reorderRate: 0, world: simulator.world });
  for (let index = 0; index < 400; index++) {
    const body = JSON.parse(traffic.next().body) as { type: number; data: { order_id?: string; order_status?: string; update_time?: number } };
    if (body.type === 1 && body.data.order_id !== undefined) latestStatusByOrder.set(body.data.order_id, { status: body.data.order_status ?? "", updateTime: body.data.update_time ?? 0 });
  }
});

afterAll(async () => {
  await simulator.close();
});

function clientFor(overrides: Partial<Parameters<typeof createTikTokShopClient>[0]> = {}) {
  const shop = simulator.world.shops[0];
  if (shop === undefined) throw new Error("no shop");
  return createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "sim-token", shopCipher: shop.shopCipher, ...overrides });
}

describe("simulated TikTok Shop API", () => {
  it("answers a signed order detail request with items and amounts matching the webhooks sent", async () => {
    const shop = simulator.world.shops[0];
    const orderIds = [...latestStatusByOrder.keys()].filter((id) => simulator.world.orders.get(id)?.shop === shop).slice(0, 5);
    expect(orderIds.length).toBeGreaterThan(0);
    const result = await clientFor().getOrderDetails(orderIds);
    expect(result.data.orders.map((order) => order.id).sort()).toEqual([...orderIds].sort());
    for (const order of result.data.orders) {
      const webhook = latestStatusByOrder.get(order.id);
      expect(normalizeOrderStatus(order.status)).toBe(normalizeOrderStatus(webhook?.status ?? ""));
      expect(order.update_time).toBe(webhook?.updateTime);
      const items = orderItemsFromLineItems(order.line_items);
      const itemsTotal = items.reduce((sum, item) => sum + item.quantity * item.unit_price_minor, 0);
      expect(itemsTotal).toBe(decimalAmountToMinor(order.payment.sub_total, order.payment.currency));
      expect(decimalAmountToMinor(order.payment.total_amount, order.payment.currency)).toBe(itemsTotal + decimalAmountToMinor(order.payment.shipping_fee, order.payment.currency));
    }
    expect(result.requestId).toBeTruthy();
    expect(result.rateLimit?.limit).toBe(50);
  });

  it("searches and updates inventory for the shop's SKUs", async () => {
    const sku = simulator.world.shops[0]?.skus[1];
    if (sku === undefined) throw new Error("no SKU");
    const client = clientFor();
    const before = await client.searchInventory({ skuIds: [sku.skuId] });
    const found = before.data.inventory[0]?.skus[0];
    expect(found?.id).toBe(sku.skuId);

    await client.updateInventory(sku.productId, { skus: [{ id: sku.skuId, inventory: [{ quantity: 250 }] }] });
    const after = await client.searchInventory({ productIds: [sku.productId] });
    expect(after.data.inventory[0]?.skus.find((candidate) => candidate.id === sku.skuId)?.total_available_quantity).toBe(250);
  });

  it("rejects a request signed with the wrong secret as TikTok does: 401, code 106001", async () => {
    const error = await clientFor({ appSecret: "forged_secret" }).getOrderDetails(["576684019603311365"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokShopApiError);
    expect(error).toMatchObject({ kind: "unauthorized", details: { httpStatus: 401, code: 106001 } });
    expect((error as TikTokShopApiError).retryable).toBe(false);
  });

  it("rejects a correctly signed request whose body was altered afterwards", async () => {
    const shop = simulator.world.shops[0];
    if (shop === undefined) throw new Error("no shop");
    const path = "/product/202309/inventory/search";
    const query = { app_key: appKey, shop_cipher: shop.shopCipher, timestamp: String(Math.floor(Date.now() / 1000)) };
    const sign = await signApiRequest({ appSecret, path, query, body: JSON.stringify({ sku_ids: ["1"] }), contentType: "application/json" });
    const response = await fetch(`${simulator.url}${path}?${new URLSearchParams({ ...query, sign })}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-tts-access-token": "sim-token" },
      body: JSON.stringify({ sku_ids: ["2"] }),
    });
    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toMatchObject({ code: 106001, message: expect.stringContaining("sign") });
  });

  it("rejects a stale timestamp, a missing access token and an unknown shop", async () => {
    const skewed = await clientFor({ now: () => Date.now() - 10 * 60 * 1000 }).searchInventory({ skuIds: ["1"] }).catch((caught: unknown) => caught);
    expect(skewed).toMatchObject({ kind: "unauthorized", details: { httpStatus: 401 } });
    const tokenless = await clientFor({ accessToken: "" }).searchInventory({ skuIds: ["1"] }).catch((caught: unknown) => caught);
    expect(tokenless).toMatchObject({ kind: "unauthorized", details: { code: 105001 } });
    const unknownShop = await clientFor({ shopCipher: "ROW_nobody" }).searchInventory({ skuIds: ["1"] }).catch((caught: unknown) => caught);
    expect(unknownShop).toMatchObject({ kind: "invalid_request", details: { httpStatus: 400 } });
    expect(simulator.stats.rejectedByReason).toMatchObject({ timestamp: 1, access_token: 1, shop_cipher: 1 });
  });

  it("never shows one shop's orders to another shop's cipher", async () => {
    const otherShop = simulator.world.shops[1];
    const firstShopOrder = [...simulator.world.orders.values()].find((order) => order.shop === simulator.world.shops[0]);
    if (otherShop === undefined || firstShopOrder === undefined) throw new Error("needs two shops with orders");
    const result = await clientFor({ shopCipher: otherShop.shopCipher }).getOrderDetails([firstShopOrder.orderId]);
    expect(result.data.orders).toEqual([]);
  });
});
