// TikTok's authorisation notices, from the signed webhook to what the fulfilment lane's
// shop-authorizations consumer makes of them, against real Postgres and the simulator.
import { describe, expect, it } from "vitest";
import { createEventStore, type StoredEvent } from "../../../src/core/event-store/index.ts";
import { createShopAuthorizationConsumer } from "../../../src/core/shops/shop-authorization-consumer.ts";
import { createTikTokAuthApi } from "../../../src/core/channels/tiktok-shop/auth-api.ts";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { appKey, appSecret, connectShop, expectConnected, newCreator, shopClientsFor, shopEventsOf, shopsHarness, shopsOf, storedCredentials } from "./harness.ts";

const harness = shopsHarness({ seed: 43, firstSeller: 301 });
const { sql } = harness;
const store = createEventStore({ sql });
const ingest = createTikTokWebhookIngestion({ sql, appKey, appSecret });
const REFRESH = "/api/v2/token/refresh";

let notification = 0;
async function postNotice(type: 6 | 7, shopId: string) {
  notification += 1;
  const rawBody = new TextEncoder().encode(JSON.stringify({ type, tts_notification_id: `auth-${type}-${shopId}-${notification}`, shop_id: shopId, timestamp: Math.floor(harness.clock.now().getTime() / 1000), data: {} }));
  const outcome = await ingest(rawBody, await signWebhook({ appKey, appSecret, rawBody }));
  expect(outcome).toMatchObject({ status: 200, result: "processed" });
}

/** Runs the consumer over the shop's events from a version on, as the fulfilment lane would. */
async function runConsumer(clients: ReturnType<typeof shopClientsFor>, shopId: string, fromVersion: number, replay = false, toVersion?: number): Promise<StoredEvent[]> {
  const events = await store.readStream(`shop-${shopId}`, { fromVersion, toVersion });
  await createShopAuthorizationConsumer(clients).handleBatch(events, { sql, replay, now: harness.clock.now });
  return events;
}

async function connected() {
  const creator = newCreator();
  const outcome = expectConnected((await connectShop(harness, creator)).outcome);
  const shopId = outcome.shops[0]!.shopId;
  return { creator, sellerOpenId: outcome.sellerOpenId, shopId, target: { creatorId: creator.creatorId, shopId } };
}

describe("TikTok's authorisation notices", () => {
  it("type 6 (seller deauthorisation) stops every call for the shop", async () => {
    const shop = await connected();
    const clients = shopClientsFor(harness);
    await postNotice(6, shop.shopId);
    expect((await shopEventsOf(sql, shop.shopId)).map((event) => event.event_type)).toEqual(["shop.connected", "shop.deauthorized"]);

    await runConsumer(clients, shop.shopId, 2);
    expect((await shopsOf(sql, shop.creator.creatorId)).map((row) => row.connection_status)).toEqual(["deauthorized"]);
    harness.requests.reset();
    const error = await clients
      .clientFor(shop.target)
      .searchProducts({})
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "shop_not_authorized", reason: "deauthorized" });
    expect(harness.requests.count("/product/202309/products/search")).toBe(0);
    // Nothing deleted: the seller's sealed tokens are still there for a reconnection.
    expect((await storedCredentials(harness, shop.sellerOpenId)).status).toBe("active");
  });

  it("never lets a deauthorisation processed late undo a newer connection", async () => {
    const shop = await connected();
    await postNotice(6, shop.shopId);
    // The creator reconnects before the consumer has seen the notice (version 2).
    expectConnected((await connectShop(harness, shop.creator, shop.sellerOpenId)).outcome);
    expect((await shopEventsOf(sql, shop.shopId)).map((event) => event.event_type)).toEqual(["shop.connected", "shop.deauthorized", "shop.connected"]);
    await runConsumer(shopClientsFor(harness), shop.shopId, 2, false, 2);
    expect((await shopsOf(sql, shop.creator.creatorId)).map((row) => row.connection_status)).toEqual(["connected"]);
    await expect(shopClientsFor(harness).clientFor(shop.target).searchProducts({})).resolves.toBeDefined();
  });

  it("type 7 (authorisation expiring) refreshes the seller's tokens at once and records the renewal", async () => {
    const shop = await connected();
    const before = await storedCredentials(harness, shop.sellerOpenId);
    await postNotice(7, shop.shopId);
    harness.requests.reset();
    const clients = shopClientsFor(harness);
    await runConsumer(clients, shop.shopId, 2);
    expect(harness.requests.count(REFRESH)).toBe(1);
    const after = await storedCredentials(harness, shop.sellerOpenId);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    const events = await shopEventsOf(sql, shop.shopId);
    expect(events.map((event) => event.event_type)).toEqual(["shop.connected", "shop.authorization_expiring", "shop.authorization_renewed"]);
    expect(events[2]!.event_data).toEqual({
      shop_id: shop.shopId,
      seller_open_id: shop.sellerOpenId,
      access_token_expires_at: after.accessTokenExpiresAt.toISOString(),
      refresh_token_expires_at: expect.any(String),
    });
    // Delivered to the consumer again (at least once): no second renewal recorded.
    await runConsumer(clients, shop.shopId, 2, false);
    expect((await shopEventsOf(sql, shop.shopId)).filter((event) => event.event_type === "shop.authorization_renewed")).toHaveLength(1);
  });

  it("type 7 that cannot be renewed marks the shop 'needs reconnecting' and tells the creator", async () => {
    const shop = await connected();
    const stored = await storedCredentials(harness, shop.sellerOpenId);
    await createTikTokAuthApi({ authBaseUrl: harness.simulator().url, appKey, appSecret }).refresh(stored.refreshToken);
    await postNotice(7, shop.shopId);
    await runConsumer(shopClientsFor(harness), shop.shopId, 2);
    expect((await shopEventsOf(sql, shop.shopId)).map((event) => event.event_type)).toEqual(["shop.connected", "shop.authorization_expiring", "shop.reconnection_required"]);
    expect((await shopsOf(sql, shop.creator.creatorId)).map((row) => row.connection_status)).toEqual(["needs_reconnecting"]);
  });

  it("does nothing for events replayed into it", async () => {
    const shop = await connected();
    await postNotice(6, shop.shopId);
    await postNotice(7, shop.shopId);
    harness.requests.reset();
    await runConsumer(shopClientsFor(harness), shop.shopId, 1, true);
    expect((await shopsOf(sql, shop.creator.creatorId)).map((row) => row.connection_status)).toEqual(["connected"]);
    expect(harness.requests.count(REFRESH)).toBe(0);
  });
});
