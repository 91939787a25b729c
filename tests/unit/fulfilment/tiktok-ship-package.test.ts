import { describe, expect, it } from "vitest";
import { createTikTokShopClient, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import type { SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { oneShopSimulator } from "../tiktok/one-shop-simulator.ts";

const appKey = "ship_test_app_key";
const appSecret = "ship_test_app_secret";
const tiktok = oneShopSimulator({ appKey, appSecret });
const { shop } = tiktok;

/** An order TikTok has committed one unit of stock to. */
function placeOrder(orderId: string, status: SimulatedOrder["status"]): SimulatedOrder {
  const order = tiktok.placeOrder(orderId, status);
  tiktok.simulator.world.stockBySku.get(shop.skus[0]!.skuId)!.committed += 1;
  return order;
}

const client = () => createTikTokShopClient({ baseUrl: tiktok.simulator.url, appKey, appSecret, accessToken: "sim-token", shopCipher: shop.shopCipher });

describe("ship package (signed, against the simulator)", () => {
  it("hands over the package of an order awaiting shipment, with the seller's tracking number, once", async () => {
    const order = placeOrder("576684019600000001", "AWAITING_SHIPMENT");
    const stock = tiktok.simulator.world.stockBySku.get(shop.skus[0]!.skuId)!;
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
