import { describe, expect, it } from "vitest";
import { ShopNotAuthorizedError } from "../../../src/core/shops/shop-not-authorized-error.ts";
import { TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-errors.ts";
import { createTikTokAuthApi } from "../../../src/core/channels/tiktok-shop/auth-api.ts";
import { appKey, appSecret, connectShop, DAY_MS, expectConnected, lifetimes, newCreator, shopClientsFor, shopEventsOf, shopsHarness, shopsOf,
  storedCredentials, type TestCreator } from "./harness.ts";
import { rejectionOf } from "../../rejection.ts";

const harness = shopsHarness({ seed: 42, firstSeller: 151 });
const { sql } = harness;
const REFRESH = "/api/v2/token/refresh";
const ORDERS = "/order/202309/orders/search";

async function connectedShop(creator: TestCreator = newCreator()) {
  const connected = expectConnected((await connectShop(harness, creator)).outcome);
  const shop = connected.shops[0]!;
  return { creator, sellerOpenId: connected.sellerOpenId, shopId: shop.shopId, target: { creatorId: creator.creatorId, shopId: shop.shopId } };
}

const listOrders = (clients: ReturnType<typeof shopClientsFor>, target: { creatorId: string; shopId: string }) => clients.clientFor(target).searchOrders({}, { pageSize: 5 });

const caught = (promise: Promise<unknown>) => rejectionOf(promise);

const expiredTokenAnswer = async () => Response.json({ code: 105002, message: "Expired credentials. The access token has expired." }, { status: 401 });

describe("seller credentials", () => {
  it("calls TikTok with the stored token and does not refresh one with more than a day left", async () => {
    const shop = await connectedShop();
    const before = await storedCredentials(harness, shop.sellerOpenId);
    harness.requests.reset();
    const clients = shopClientsFor(harness);
    harness.clock.advance(5 * DAY_MS);
    const page = await listOrders(clients, shop.target);
    expect(page.data.totalCount).toBeGreaterThan(0);
    expect(harness.requests.count(REFRESH)).toBe(0);
    expect((await storedCredentials(harness, shop.sellerOpenId)).accessToken).toBe(before.accessToken);
  });

  it("refreshes a token within a day of its expiry before calling, and keeps the rotated refresh token", async () => {
    const shop = await connectedShop();
    const before = await storedCredentials(harness, shop.sellerOpenId);
    harness.requests.reset();
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000 - DAY_MS + 60_000);
    await listOrders(shopClientsFor(harness), shop.target);

    expect(harness.requests.count(REFRESH)).toBe(1);
    const after = await storedCredentials(harness, shop.sellerOpenId);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessTokenExpiresAt.getTime()).toBe(harness.clock.now().getTime() - (harness.clock.now().getTime() % 1000) + lifetimes.accessTokenSeconds * 1000);
    expect(after.refreshedAt).toEqual(harness.clock.now());
    // TikTok rotated it: the old refresh token is dead, the stored one works.
    const auth = createTikTokAuthApi({ authBaseUrl: harness.simulator().url, appKey, appSecret });
    expect(await caught(auth.refresh(before.refreshToken))).toMatchObject({ kind: "unauthorized" });
    await expect(auth.refresh(after.refreshToken)).resolves.toMatchObject({ openId: shop.sellerOpenId });
  });

  it("serialises concurrent refreshes of one seller: ten calls that find the token due refresh it once", async () => {
    const shop = await connectedShop();
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000 - 60_000);
    harness.requests.reset();
    const clients = shopClientsFor(harness);
    const pages = await Promise.all(Array.from({ length: 10 }, () => listOrders(clients, shop.target)));
    expect(pages).toHaveLength(10);
    expect(harness.requests.count(REFRESH)).toBe(1);
    expect(harness.requests.count(ORDERS)).toBe(10);
  });

  it("refreshes once on an expired-token answer and retries the call once", async () => {
    const shop = await connectedShop();
    const before = await storedCredentials(harness, shop.sellerOpenId);
    harness.requests.reset();
    harness.interceptNext(ORDERS, expiredTokenAnswer);
    const page = await listOrders(shopClientsFor(harness), shop.target);
    expect(page.data.totalCount).toBeGreaterThan(0);
    expect(harness.requests.count(REFRESH)).toBe(1);
    expect(harness.requests.count(ORDERS)).toBe(2);
    expect((await storedCredentials(harness, shop.sellerOpenId)).accessToken).not.toBe(before.accessToken);
  });

  it("gives up after one retry when TikTok keeps answering that the token expired", async () => {
    const shop = await connectedShop();
    harness.requests.reset();
    harness.interceptNext(ORDERS, expiredTokenAnswer);
    harness.interceptNext(ORDERS, expiredTokenAnswer);
    harness.interceptNext(ORDERS, expiredTokenAnswer);
    const error = await caught(listOrders(shopClientsFor(harness), shop.target));
    expect(error).toBeInstanceOf(TikTokShopApiError);
    expect(error).toMatchObject({ kind: "token_expired" });
    expect(harness.requests.count(REFRESH)).toBe(1);
    expect(harness.requests.count(ORDERS)).toBe(2);
  });

  it("does not refresh again when another call rotated the rejected token meanwhile", async () => {
    const shop = await connectedShop();
    const clients = shopClientsFor(harness);
    const access = await clients.credentials.shopAccess(shop.target);
    // Another call refreshes first (its token was due); this one still holds the old token.
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000 - 60_000);
    await listOrders(clients, shop.target);
    harness.requests.reset();
    const retryWith = await clients.credentials.refreshAfterRejection(access);
    expect(harness.requests.count(REFRESH)).toBe(0);
    expect(retryWith).toBe((await storedCredentials(harness, shop.sellerOpenId)).accessToken);
    expect(retryWith).not.toBe(access.accessToken);
  });

  it("marks the seller's shops 'needs reconnecting' when TikTok refuses the refresh, keeps everything, and stops their calls", async () => {
    const shop = await connectedShop();
    const other = await connectedShop();
    const before = await storedCredentials(harness, shop.sellerOpenId);
    // The stored refresh token dies at TikTok (rotated elsewhere): the next refresh is refused.
    await createTikTokAuthApi({ authBaseUrl: harness.simulator().url, appKey, appSecret }).refresh(before.refreshToken);
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000 - 60_000);
    harness.requests.reset();
    const clients = shopClientsFor(harness);

    const error = await caught(listOrders(clients, shop.target));
    expect(error).toBeInstanceOf(ShopNotAuthorizedError);
    expect(error).toMatchObject({ kind: "shop_not_authorized", reason: "needs_reconnecting", retryable: false });
    expect(harness.requests.count(REFRESH)).toBe(1);
    expect(harness.requests.count(ORDERS)).toBe(0);

    // Nothing lost: the sealed tokens are still there; the status and an event say what happened.
    const after = await storedCredentials(harness, shop.sellerOpenId);
    expect(after).toMatchObject({ status: "needs_reconnecting", accessToken: before.accessToken, refreshToken: before.refreshToken });
    expect((await shopsOf(sql, shop.creator.creatorId)).map((row) => row.connection_status)).toEqual(["needs_reconnecting"]);
    const events = await shopEventsOf(sql, shop.shopId);
    expect(events.map((event) => event.event_type)).toEqual(["shop.connected", "shop.reconnection_required"]);
    expect(events[1]).toMatchObject({ creator_id: shop.creator.creatorId, event_data: { shop_id: shop.shopId, seller_open_id: shop.sellerOpenId, reason: expect.stringContaining("36004005") } });

    // Later calls stop before TikTok, and tell nobody twice.
    expect(await caught(listOrders(clients, shop.target))).toMatchObject({ reason: "needs_reconnecting" });
    expect(harness.requests.count(REFRESH)).toBe(1);
    expect((await shopEventsOf(sql, shop.shopId)).length).toBe(2);

    // Another seller's shop carries on (its own token refreshes as usual).
    await expect(listOrders(clients, other.target)).resolves.toMatchObject({ data: { totalCount: expect.any(Number) } });

    // Connecting again brings the shop back.
    const reconnected = expectConnected((await connectShop(harness, shop.creator, shop.sellerOpenId)).outcome);
    expect(reconnected.shops[0]).toMatchObject({ shopId: shop.shopId, recorded: true });
    expect((await shopEventsOf(sql, shop.shopId)).at(-1)).toMatchObject({ event_type: "shop.connected", event_data: { reconnected: true } });
    expect((await storedCredentials(harness, shop.sellerOpenId)).status).toBe("active");
    await expect(listOrders(clients, shop.target)).resolves.toBeDefined();
  });

  it("marks 'needs reconnecting' without asking TikTok when the refresh token itself has expired", async () => {
    const shop = await connectedShop();
    harness.clock.advance(lifetimes.refreshTokenSeconds * 1000 + 1000);
    harness.requests.reset();
    expect(await caught(listOrders(shopClientsFor(harness), shop.target))).toMatchObject({ reason: "needs_reconnecting" });
    expect(harness.requests.count(REFRESH)).toBe(0);
    expect((await shopEventsOf(sql, shop.shopId)).at(-1)).toMatchObject({ event_type: "shop.reconnection_required", event_data: { reason: "TikTok's refresh token has expired" } });
  });

  it("changes nothing when the refresh fails for a moment (TikTok unreachable): a token not yet expired still serves", async () => {
    const shop = await connectedShop();
    const before = await storedCredentials(harness, shop.sellerOpenId);
    harness.clock.advance(lifetimes.accessTokenSeconds * 1000 - 60_000);
    harness.interceptNext(REFRESH, () => Promise.reject(new TypeError("fetch failed")));
    harness.requests.reset();
    await expect(listOrders(shopClientsFor(harness), shop.target)).resolves.toBeDefined();
    expect(harness.requests.count(ORDERS)).toBe(1);
    expect(await storedCredentials(harness, shop.sellerOpenId)).toMatchObject({ status: "active", accessToken: before.accessToken, refreshToken: before.refreshToken });

    // Once it has expired, the call fails retryable, and still nothing changes.
    harness.clock.advance(120_000);
    harness.interceptNext(REFRESH, () => Promise.reject(new TypeError("fetch failed")));
    harness.requests.reset();
    expect(await caught(listOrders(shopClientsFor(harness), shop.target))).toMatchObject({ kind: "network", retryable: true });
    expect(harness.requests.count(ORDERS)).toBe(0);
    expect(await storedCredentials(harness, shop.sellerOpenId)).toMatchObject({ status: "active", accessToken: before.accessToken, refreshToken: before.refreshToken });
    // TikTok back: the next call refreshes and goes through.
    await expect(listOrders(shopClientsFor(harness), shop.target)).resolves.toBeDefined();
    expect((await storedCredentials(harness, shop.sellerOpenId)).accessToken).not.toBe(before.accessToken);
  });

  it("never lets a second creator call TikTok with the first creator's shop", async () => {
    const shop = await connectedShop();
    const intruder = newCreator();
    harness.requests.reset();
    const error = await caught(listOrders(shopClientsFor(harness), { creatorId: intruder.creatorId, shopId: shop.shopId }));
    expect(error).toBeInstanceOf(ShopNotAuthorizedError);
    expect(error).toMatchObject({ reason: "not_linked", message: `TikTok Shop ${shop.shopId} is not linked to this creator` });
    expect(harness.requests.count(ORDERS) + harness.requests.count(REFRESH)).toBe(0);
    // Nor a shop nobody linked.
    expect(await caught(listOrders(shopClientsFor(harness), { creatorId: intruder.creatorId, shopId: "1234567890" }))).toMatchObject({ reason: "not_linked" });
  });

  it("refuses tokens sealed with another key instead of sending garbage to TikTok", async () => {
    const shop = await connectedShop();
    const { createShopClients } = await import("../../../src/core/channels/tiktok-shop/shop-clients.ts");
    const { generateTokenEncryptionKey } = await import("../../../src/core/shops/token-encryption.ts");
    const wrongKey = createShopClients(sql, { baseUrl: harness.simulator().url, authBaseUrl: harness.simulator().url, appKey, appSecret, tokenEncryptionKey: generateTokenEncryptionKey(), fetch: harness.fetch, now: harness.clock.now });
    harness.requests.reset();
    expect(await caught(listOrders(wrongKey, shop.target))).toMatchObject({ name: "TokenDecryptionError" });
    expect(harness.requests.count(ORDERS)).toBe(0);
    const missingKey = createShopClients(sql, { baseUrl: harness.simulator().url, authBaseUrl: harness.simulator().url, appKey, appSecret, tokenEncryptionKey: "", now: harness.clock.now });
    expect(await caught(listOrders(missingKey, shop.target))).toMatchObject({ message: "TIKTOK_TOKEN_ENCRYPTION_KEY is not set" });
  });
});
