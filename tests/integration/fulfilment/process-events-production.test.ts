// The process-events Edge Function in real Deno, configured as production is: no
// FULFILMENT_PROVIDERS, so no carrier; TikTok's API is the simulator, which records every
// request it receives. An order the seller ships must stop in needs_configuration without a
// ship call, a label or a tracking number reaching TikTok. On a database of its own: in
// the shared one, the saga would first work through every other test file's orders.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { orderAggregateId } from "../../../src/core/orders/events.ts";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { demoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { linkShopAsConnected } from "../linked-shop.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startFunctionsStandIn } from "../stand-in/stand-in-harness.ts";
import { adjustStock } from "../inventory/harness.ts";

const appKey = "production_test_app_key";
const appSecret = "production_test_app_secret";
const shop = demoShop(1);
const sku = shop.skus[0]!;

const tokenEncryptionKey = generateTokenEncryptionKey();
const { url: databaseUrl, sql } = await ownTestDatabase("fulfilment-production", 11, { max: 4 });
const simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world: createShopWorld([shop]), rateLimitPerSecond: 10_000 });
afterAll(() => simulator.close());
// What production sets: credentials and the TikTok API; FULFILMENT_PROVIDERS is not among them.
const standIn = await startFunctionsStandIn({ databaseUrl, tiktok: { appKey, appSecret, apiBaseUrl: simulator.url, tokenEncryptionKey } });
const store = createEventStore({ sql });

describe("process-events with production settings and no carrier", () => {
  it("stops an order the seller ships in needs_configuration, and TikTok receives no ship call and no tracking number", async () => {
    const creatorId = newCreatorId();
    // The shop's seller authorised the app: its token, sealed as the app stores it (the simulator's demo shop takes any token it did not issue).
    const sellerOpenId = "production-test-seller";
    await linkShopAsConnected(sql, { creatorId, shop, sellerOpenId, accessToken: "production-test-token", tokenEncryptionKey });
    await adjustStock(sql, creatorId, sku.skuId, 10);
    const now = Math.floor(Date.now() / 1000);
    const order: SimulatedOrder = {
      orderId: "576684019699000001", shop, buyerUserId: "7021000000000001", status: "AWAITING_SHIPMENT", isOnHold: false,
      createTime: now, updateTime: now, paidTime: now, lineItems: [{ lineItemId: "5770000000000001", sku }], subtotalMinor: sku.priceMinor, shippingMinor: 499,
      shippingType: "SELLER",
    };
    simulator.world.orders.set(order.orderId, order);
    await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId: orderAggregateId(order.orderId),
      aggregateType: "order",
      expectedVersion: "no_stream",
      events: [{
        type: "order.received_from_tiktok",
        data: { order_id: order.orderId, shop_id: shop.shopId, tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: now },
        metadata: { source: "tiktok_webhook" },
      }],
    });

    let status: string | undefined;
    // A call may end before the saga reaches the order: call until it has stopped somewhere.
    for (let call = 0; call < 20 && status !== "needs_configuration"; call += 1) {
      const response = await fetch(`${standIn.url}/functions/v1/process-events?lane=fulfilment&budget_ms=10000`, {
        method: "POST",
        headers: { authorization: `Bearer ${standIn.serviceRoleKey}` },
      });
      expect(response.status).toBe(200);
      [{ status } = { status: undefined }] = await sql<{ status: string }[]>`select status from fulfilment_sagas where creator_id = ${creatorId} and order_id = ${order.orderId}`;
    }

    expect(status).toBe("needs_configuration");
    const events = await sql<{ event_type: string; event_data: Record<string, unknown> }[]>`
      select event_type, event_data from event_store where aggregate_id = ${orderAggregateId(order.orderId)} order by version`;
    expect(events.map((event) => event.event_type)).toEqual([
      "order.received_from_tiktok",
      "order.validation_started",
      "order.validated",
      "order.inventory_allocated",
      "order.payment_processed",
      "order.fulfilment_paused",
    ]);
    expect(events[4]!.event_data).toMatchObject({ collected_by: "tiktok", paid_time: now, payment_reference: `tiktok-order-${order.orderId}` });
    expect(events[5]!.event_data).toMatchObject({ step: "label", missing: "carrier" });
    // The function did call TikTok (it read the order), and nothing it sent was a shipment.
    expect(simulator.requests.some((request) => request.path === "/order/202309/orders" && request.status === 200)).toBe(true);
    expect(simulator.requests.filter((request) => request.path.startsWith("/fulfillment/") || request.body.includes("tracking_number"))).toEqual([]);
    expect(order.status).toBe("AWAITING_SHIPMENT");
    expect(order.trackingNumber).toBeUndefined();
  });
});
