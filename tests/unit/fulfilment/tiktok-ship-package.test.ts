import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTikTokShopClient, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { demoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";

const appKey = "ship_test_app_key";
const appSecret = "ship_test_app_secret";
const shop = demoShop(1);
let simulator: TikTokShopSimulator;

beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world: createShopWorld([shop]) });
});

afterAll(async () => {
  await simulator.close();
});

function placeOrder(orderId: string, status: SimulatedOrder["status"]): SimulatedOrder {
  const sku = shop.skus[0]!;
  const order: SimulatedOrder = {
    orderId, shop, buyerUserId: "7021000000000001", status, isOnHold: status === "ON_HOLD", createTime: 1764000000, updateTime: 1764000000,
    lineItems: [{ lineItemId: `${orderId}1`, sku }], subtotalMinor: sku.priceMinor, shippingMinor: 0,
  };
  simulator.world.orders.set(orderId, order);
  simulator.world.stockBySku.get(sku.skuId)!.committed += 1;
  return order;
}

const client = () => createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "sim-token", shopCipher: shop.shopCipher });

describe("ship package (signed, against the simulator)", () => {
  it("hands over the package of an order awaiting shipment, with the seller's tracking number, once", async () => {
    const order = placeOrder("576684019600000001", "AWAITING_SHIPMENT");
    const stock = simulator.world.stockBySku.get(shop.skus[0]!.skuId)!;
    const totalBefore = stock.total;
    const [detail] = (await client().getOrderDetails([order.orderId])).data.orders;
    const packageId = detail!.packages![0]!.id;

    await client().shipPackage(packageId, { trackingNumber: "SIM000001", shippingProviderId: "6617675021119438849" });
    await client().shipPackage(packageId, { trackingNumber: "SIM000001", shippingProviderId: "6617675021119438849" });

    const [shipped] = (await client().getOrderDetails([order.orderId])).data.orders;
    expect(shipped).toMatchObject({ status: "AWAITING_COLLECTION", tracking_number: "SIM000001" });
    expect(stock.total).toBe(totalBefore - 1);
  });

  it("has no package to ship while the order is on hold", async () => {
    const order = placeOrder("576684019600000002", "ON_HOLD");
    const [detail] = (await client().getOrderDetails([order.orderId])).data.orders;
    expect(detail!.packages).toEqual([]);
  });

  it("refuses to ship a cancelled order's package", async () => {
    const order = placeOrder("576684019600000003", "AWAITING_SHIPMENT");
    const [detail] = (await client().getOrderDetails([order.orderId])).data.orders;
    order.status = "CANCELLED";
    const failure = await client().shipPackage(detail!.packages![0]!.id, { trackingNumber: "SIM000003", shippingProviderId: "1" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TikTokShopApiError);
    expect(failure).toMatchObject({ retryable: false });
    expect(order.trackingNumber).toBeUndefined();
  });
});
