import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTikTokShopClient, TikTokShopApiError, type OrderSearchFilter, type TikTokOrderDetail } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { signApiRequest } from "../../../src/core/channels/tiktok-shop/api-signature.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { availableOf } from "../../../src/simulator/shop-world.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";

const appKey = "search_app_key";
const appSecret = "search_app_secret";
let simulator: TikTokShopSimulator;

beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, creators: 2, rateLimitPerSecond: 10_000 });
  const traffic = createWebhookTraffic({ seed: 31, creators: 2, startTime: 1764000000, duplicateRate: 0, reorderRate: 0, world: simulator.world });
  for (let index = 0; index < 600; index++) traffic.next();
});

afterAll(async () => {
  await simulator.close();
});

const shop = (index: number) => {
  const found = simulator.world.shops[index];
  if (found === undefined) throw new Error(`no shop ${index}`);
  return found;
};
const client = (shopIndex = 0) => createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "local-simulator-token", shopCipher: shop(shopIndex).shopCipher });
const worldOrders = (shopIndex = 0) => [...simulator.world.orders.values()].filter((order) => order.shop === shop(shopIndex));

async function allOrders(filter: OrderSearchFilter, pageSize: number, shopIndex = 0): Promise<{ orders: TikTokOrderDetail[]; pages: number; totalCounts: number[] }> {
  const orders: TikTokOrderDetail[] = [];
  const totalCounts: number[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const { data } = await client(shopIndex).searchOrders(filter, { pageSize, ...(pageToken === undefined ? {} : { pageToken }) });
    orders.push(...data.orders);
    totalCounts.push(data.totalCount);
    pageToken = data.nextPageToken ?? undefined;
    pages++;
    if (pages > 100) throw new Error("paging does not end");
  } while (pageToken !== undefined);
  return { orders, pages, totalCounts };
}

describe("order search", () => {
  it("pages through all of the shop's orders, newest first, each once", async () => {
    const expected = worldOrders().sort((a, b) => b.createTime - a.createTime || (a.orderId < b.orderId ? 1 : -1));
    expect(expected.length).toBeGreaterThan(30);
    const { orders, pages, totalCounts } = await allOrders({}, 7);
    expect(orders.map((order) => order.id)).toEqual(expected.map((order) => order.orderId));
    expect(pages).toBe(Math.ceil(expected.length / 7));
    expect(new Set(totalCounts)).toEqual(new Set([expected.length]));
  });

  it("gives each order's current status, as order detail does", async () => {
    const { orders } = await allOrders({}, 100);
    for (const order of orders) expect(order.status).toBe(simulator.world.orders.get(order.id)?.status);
  });

  it("never lists another shop's orders", async () => {
    const { orders } = await allOrders({}, 100, 1);
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((order) => simulator.world.orders.get(order.id)?.shop === shop(1))).toBe(true);
  });

  it("includes the lower bound of a time window and excludes the upper one", async () => {
    const sorted = worldOrders().sort((a, b) => a.createTime - b.createTime);
    const from = sorted[5]?.createTime ?? 0;
    const to = sorted[20]?.createTime ?? 0;
    const { orders } = await allOrders({ createTimeGe: from, createTimeLt: to }, 4);
    const expected = sorted.filter((order) => order.createTime >= from && order.createTime < to).map((order) => order.orderId);
    expect(orders.map((order) => order.id).sort()).toEqual(expected.sort());
    expect(orders.some((order) => order.create_time === from)).toBe(true);
    expect(orders.some((order) => order.create_time === to)).toBe(false);
  });

  it("filters by update time and by status", async () => {
    const byUpdate = worldOrders().sort((a, b) => a.updateTime - b.updateTime);
    const since = byUpdate[Math.floor(byUpdate.length / 2)]?.updateTime ?? 0;
    const updated = await allOrders({ updateTimeGe: since }, 50);
    expect(updated.orders.map((order) => order.id).sort()).toEqual(byUpdate.filter((order) => order.updateTime >= since).map((order) => order.orderId).sort());
    const before = await allOrders({ updateTimeLt: since }, 50);
    expect(before.orders.length + updated.orders.length).toBe(byUpdate.length);

    const completed = await allOrders({ orderStatus: "COMPLETED" }, 50);
    expect(completed.orders.length).toBe(worldOrders().filter((order) => order.status === "COMPLETED").length);
    expect(completed.orders.every((order) => order.status === "COMPLETED")).toBe(true);
  });

  it("refuses a page token that belongs to another search", async () => {
    const { data } = await client().searchOrders({}, { pageSize: 2 });
    expect(data.nextPageToken).not.toBeNull();
    const error = await client()
      .searchOrders({ orderStatus: "COMPLETED" }, { pageSize: 2, pageToken: data.nextPageToken ?? "" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokShopApiError);
    expect(error).toMatchObject({ kind: "invalid_request", details: { httpStatus: 400 } });
  });

  it("refuses a page size above 100", async () => {
    const path = "/order/202309/orders/search";
    const query = { app_key: appKey, shop_cipher: shop(0).shopCipher, timestamp: String(Math.floor(Date.now() / 1000)), page_size: "101" };
    const sign = await signApiRequest({ appSecret, path, query, body: "{}", contentType: "application/json" });
    const response = await fetch(`${simulator.url}${path}?${new URLSearchParams({ ...query, sign })}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-tts-access-token": "local-simulator-token" },
      body: "{}",
    });
    expect(response.status).toBe(400);
  });
});

describe("product search", () => {
  it("pages through the shop's products with their SKUs, prices and available stock", async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const { data } = await client().searchProducts({ pageSize: 2, ...(pageToken === undefined ? {} : { pageToken }) });
      expect(data.totalCount).toBe(5);
      for (const product of data.products) {
        seen.push(product.id);
        for (const sku of product.skus) {
          const catalogued = shop(0).skus.find((candidate) => candidate.skuId === sku.id);
          const stock = simulator.world.stockBySku.get(sku.id);
          if (catalogued === undefined || stock === undefined) throw new Error(`unknown SKU ${sku.id}`);
          expect(catalogued.productId).toBe(product.id);
          expect(product.title).toBe(catalogued.productName);
          expect(sku.sellerSku).toBe(catalogued.sellerSku);
          expect(sku.price).toEqual({ amount: (catalogued.priceMinor / 100).toFixed(2), currency: "USD" });
          expect(sku.inventory).toEqual([{ quantity: availableOf(stock), warehouseId: shop(0).warehouseId }]);
        }
      }
      pageToken = data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...new Set(shop(0).skus.map((sku) => sku.productId))].sort());
  });
});
