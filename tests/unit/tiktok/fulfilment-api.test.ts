import { describe, expect, it } from "vitest";
import { TikTokShopApiError, type TikTokOrderDetail } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { createTikTokShopFulfilmentClient, orderShippingOf } from "../../../src/core/channels/tiktok-shop/fulfilment-api.ts";
import { simulatedDeliveryOptions } from "../../../src/simulator/fulfilment-routes.ts";
import type { SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { oneShopSimulator } from "./one-shop-simulator.ts";

const appKey = "fulfilment_test_app_key";
const appSecret = "fulfilment_test_app_secret";
const tiktok = oneShopSimulator({ appKey, appSecret });
const { shop } = tiktok;

let sequence = 0;
function placeOrder(shippingType: SimulatedOrder["shippingType"], status: SimulatedOrder["status"] = "AWAITING_SHIPMENT"): SimulatedOrder {
  sequence += 1;
  const orderId = `5766840196100000${String(sequence).padStart(2, "0")}`;
  return tiktok.placeOrder(orderId, status, { isOnHold: false, paidTime: 1764000000, ...(shippingType === undefined ? {} : { shippingType }) });
}

const client = () => createTikTokShopFulfilmentClient({ baseUrl: tiktok.simulator.url, appKey, appSecret, accessToken: "sim-token", shopCipher: shop.shopCipher });

async function detailOf(order: SimulatedOrder): Promise<TikTokOrderDetail> {
  const [detail] = (await client().getOrderDetails([order.orderId])).data.orders;
  return detail!;
}

const refusalOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

describe("TikTok Shop fulfilment API (signed, against the simulator)", () => {
  it("reads from the order detail who ships an order, its delivery option and its packages", async () => {
    const tiktokShips = orderShippingOf(await detailOf(placeOrder("TIKTOK")));
    expect(tiktokShips).toMatchObject({ shippedBy: "tiktok", deliveryOptionId: simulatedDeliveryOptions.tiktok, packageIds: [expect.any(String)] });
    expect(orderShippingOf(await detailOf(placeOrder("SELLER")))).toMatchObject({ shippedBy: "seller", deliveryOptionId: simulatedDeliveryOptions.seller });
  });

  it("takes an order that does not say who ships it as the seller's", () => {
    const detail = { id: "1", status: "AWAITING_SHIPMENT", create_time: 1, update_time: 1, payment: { currency: "USD", sub_total: "1", shipping_fee: "0", total_amount: "1" }, line_items: [] };
    expect(orderShippingOf(detail)).toEqual({ shippedBy: "seller", deliveryOptionId: null, packageIds: [], shippingProvider: null, shippingProviderId: null });
  });

  it("ships a TikTok-shipped package with TikTok's handover, then hands out TikTok's label and tracking number", async () => {
    const order = placeOrder("TIKTOK");
    const packageId = orderShippingOf(await detailOf(order)).packageIds[0]!;
    const early = await refusalOf(client().getPackageShippingDocument(packageId, "SHIPPING_LABEL"));
    expect(early).toBeInstanceOf(TikTokShopApiError);
    expect(early).toMatchObject({ details: { code: 21023035 } });

    await client().shipPackageWithTikTokShipping(packageId, { handoverMethod: "DROP_OFF" });
    const { data: document } = await client().getPackageShippingDocument(packageId, "SHIPPING_LABEL");

    expect(document.doc_url).toMatch(/^https:\/\//);
    expect(document.tracking_number).toBe(order.trackingNumber);
    expect(await detailOf(order)).toMatchObject({ status: "AWAITING_COLLECTION", tracking_number: document.tracking_number, shipping_provider: "USPS" });
    const shipCall = tiktok.simulator.requests.find((request) => request.path === `/fulfillment/202309/packages/${packageId}/ship`);
    expect(JSON.parse(shipCall!.body)).toEqual({ handover_method: "DROP_OFF" });
    // Twice is refused, as TikTok refuses a package already shipped.
    expect(await refusalOf(client().shipPackageWithTikTokShipping(packageId))).toMatchObject({ details: { code: 21011040 } });
  });

  it("refuses a seller's tracking number for a package TikTok ships, and shipping documents for one the seller ships", async () => {
    const tiktokShipped = placeOrder("TIKTOK");
    const tiktokPackage = orderShippingOf(await detailOf(tiktokShipped)).packageIds[0]!;
    expect(await refusalOf(client().shipPackage(tiktokPackage, { trackingNumber: "SIM000001", shippingProviderId: "6617675021119438849" }))).toMatchObject({ details: { code: 21008025 } });
    expect(tiktokShipped.trackingNumber).toBeUndefined();

    const sellerShipped = placeOrder("SELLER");
    const sellerPackage = orderShippingOf(await detailOf(sellerShipped)).packageIds[0]!;
    expect(await refusalOf(client().getPackageShippingDocument(sellerPackage, "SHIPPING_LABEL"))).toMatchObject({ details: { code: 21008017 } });
    expect(await refusalOf(client().shipPackageWithTikTokShipping(sellerPackage))).toMatchObject({ details: { code: 11001002 } });
    expect(sellerShipped.trackingNumber).toBeUndefined();
  });

  it("lists the shipping providers of the seller's delivery option and ships only with one of them", async () => {
    const { data } = await client().getShippingProviders(simulatedDeliveryOptions.seller);
    expect(data.shipping_providers).toContainEqual({ id: "6617675021119438849", name: "SimPost" });
    expect(await refusalOf(client().getShippingProviders(simulatedDeliveryOptions.tiktok))).toMatchObject({ details: { code: 21008117 } });

    const order = placeOrder("SELLER");
    const packageId = orderShippingOf(await detailOf(order)).packageIds[0]!;
    expect(await refusalOf(client().shipPackage(packageId, { trackingNumber: "SIM000002", shippingProviderId: "1" }))).toMatchObject({ details: { code: 21011022 } });
    await client().shipPackage(packageId, { trackingNumber: "SIM000002", shippingProviderId: "6617675021119438849" });
    expect(await detailOf(order)).toMatchObject({ tracking_number: "SIM000002", shipping_provider: "SimPost", shipping_provider_id: "6617675021119438849" });
  });
});
