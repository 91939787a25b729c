// The simulator as a TikTok that keeps honest books (its stock follows the counts pushed to
// it and it never sells what it does not have) and whose clock can run ahead or behind ours.
import { afterEach, describe, expect, it } from "vitest";
import { createTikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { demoShops } from "../../../src/simulator/demo-catalogue.ts";
import { runSimulation } from "../../../src/simulator/run-simulation.ts";
import { availableOf, createShopWorld, stockBalances } from "../../../src/simulator/shop-world.ts";
import { parseSimulatorOptions, type SimulatorOptions } from "../../../src/simulator/simulator-options.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";

const appKey = "test_app_key";
const appSecret = "test_app_secret";
const parse = (argv: string[]) => parseSimulatorOptions(argv, {}, 1800000000, 7) as SimulatorOptions;

let simulator: TikTokShopSimulator | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

describe("the simulator's clock skew", () => {
  it("reads --clock-skew in whole seconds of either sign, and defaults to none", () => {
    expect(parse([]).clockSkewSeconds).toBe(0);
    expect(parse(["--clock-skew", "-3600"]).clockSkewSeconds).toBe(-3600);
    expect(parse(["--clock-skew", "86400"]).clockSkewSeconds).toBe(86400);
    expect(() => parse(["--clock-skew", "1.5"])).toThrow(/--clock-skew/);
    expect(() => parse(["--clock-skew", "soon"])).toThrow(/--clock-skew/);
  });

  it.each([-3600, 86400])("shifts every webhook time by the skew (%i s)", async (skew) => {
    const deliveries = async (argv: string[]) => {
      const lines: { body: string }[] = [];
      await runSimulation(parse(["--dry-run", "--seed", "5", "--rate", "50", "--duration", "1", "--duplicate-rate", "0", "--reorder-rate", "0", ...argv]), {
        log: () => {},
        printDelivery: (line) => lines.push(JSON.parse(line) as { body: string }),
      });
      return lines.map((line) => JSON.parse(line.body) as { timestamp: number; data: { update_time?: number } });
    };
    const aligned = await deliveries([]);
    const skewed = await deliveries(["--clock-skew", String(skew)]);
    expect(skewed.length).toBeGreaterThan(0);
    expect(skewed).toHaveLength(aligned.length);
    skewed.forEach((body, index) => {
      expect(body.timestamp - aligned[index]!.timestamp).toBe(skew);
      if (body.data.update_time !== undefined) expect(body.data.update_time - aligned[index]!.data.update_time!).toBe(skew);
    });
  });

  it.each([-3600, 86400])("answers API calls signed with the true time, writing its own skewed time (%i s)", async (skew) => {
    const trueNow = 1_800_000_000_000;
    simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, creators: 1, now: () => trueNow, clockSkewSeconds: skew });
    const shop = simulator.world.shops[0]!;
    const client = createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "sim-token", shopCipher: shop.shopCipher, now: () => trueNow });
    const answer = await client.searchInventory({ skuIds: [shop.skus[0]!.skuId] });
    expect(simulator.tiktokNow()).toBe(trueNow + skew * 1000);
    // A request id starts with TikTok's time in hex seconds.
    expect(answer.requestId?.startsWith(Math.floor(trueNow / 1000 + skew).toString(16).toUpperCase())).toBe(true);
  });
});

describe("the simulator's honest books", () => {
  it("sets a SKU's stock to the count pushed through the inventory update endpoint, keeping what its orders hold", async () => {
    const world = createShopWorld(demoShops(1));
    simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world });
    const sku = world.shops[0]!.skus[0]!;
    const stock = world.stockBySku.get(sku.skuId)!;
    stock.committed = 4;
    stock.campaignReserved = 2;
    const client = createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "sim-token", shopCipher: world.shops[0]!.shopCipher });
    await client.updateInventory(sku.productId, { skus: [{ id: sku.skuId, inventory: [{ quantity: 7 }] }] });
    expect(availableOf(stock)).toBe(7);
    expect(stock.total).toBe(13);
    expect(stockBalances(stock)).toBe(true);
  });

  it("never sells what it does not have: a SKU with nothing available gets no new orders, and the books balance at every step", () => {
    const world = createShopWorld(demoShops(2));
    const traffic = createWebhookTraffic({ seed: 17, creators: 2, startTime: 1764000000, duplicateRate: 0, reorderRate: 0, world });
    const emptied = world.shops[0]!.skus[0]!;
    const emptiedStock = world.stockBySku.get(emptied.skuId)!;
    emptiedStock.total = emptiedStock.committed + emptiedStock.creatorReserved + emptiedStock.campaignReserved;
    const ordersBefore = new Set(world.orders.keys());
    for (let index = 0; index < 2000; index += 1) {
      traffic.next();
      for (const stock of world.stockBySku.values()) expect(stockBalances(stock), `${stock.sku.skuId} after delivery ${index}`).toBe(true);
    }
    // Nothing on TikTok's side restocked it in this run (seed 17), so it stayed unsellable.
    expect(availableOf(emptiedStock)).toBe(0);
    const newOrders = [...world.orders.values()].filter((order) => !ordersBefore.has(order.orderId));
    expect(newOrders.filter((order) => order.shop === world.shops[0]).length).toBeGreaterThan(10);
    expect(newOrders.some((order) => order.lineItems.some((item) => item.sku.skuId === emptied.skuId))).toBe(false);
  });
});
