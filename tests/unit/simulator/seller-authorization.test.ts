import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTikTokShopClient, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { createTikTokAuthApi, type TikTokTokens } from "../../../src/core/channels/tiktok-shop/auth-api.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { rejectionOf } from "../../rejection.ts";

const appKey = "auth_test_app_key";
const appSecret = "auth_test_app_secret";
const redirectUri = "http://app.test/api/tiktok/callback";
const lifetimes = { authCodeSeconds: 300, accessTokenSeconds: 3600, refreshTokenSeconds: 86_400 };
const start = Date.parse("2026-03-02T10:00:00Z");
let clock = start;
const now = () => clock;
let simulator: TikTokShopSimulator;

beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, creators: 2, now, seed: 11, redirectUri, tokenLifetimes: lifetimes, appName: "CreatorFlow Sync" });
});

afterAll(async () => {
  await simulator.close();
});

const authApi = () => createTikTokAuthApi({ authBaseUrl: simulator.url, appKey, appSecret });
const clientWith = (accessToken: string, shopCipher?: string) =>
  createTikTokShopClient({ baseUrl: simulator.url, appKey, appSecret, accessToken, now, ...(shopCipher === undefined ? {} : { shopCipher }) });

const caught = (promise: Promise<unknown>) => rejectionOf(promise, TikTokShopApiError);

/** Opens the consent page from the app's link, picks a seller and presses Authorize; returns where TikTok sends the browser. */
async function consent(state: string, seller = "new", authorizationUrl = authApi().authorizationUrl(state)): Promise<{ page: string; location: URL }> {
  const pageResponse = await fetch(authorizationUrl);
  expect(pageResponse.status).toBe(200);
  const page = await pageResponse.text();
  const consentId = /name="consent_id" value="([^"]+)"/.exec(page)?.[1];
  if (consentId === undefined) throw new Error("no consent id on the page");
  const answer = await fetch(`${simulator.url}/oauth/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ consent_id: consentId, seller }).toString(),
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return { page, location: new URL(answer.headers.get("location") ?? "") };
}

async function connectNewSeller(state: string): Promise<TikTokTokens> {
  const { location } = await consent(state);
  return authApi().exchangeCode(location.searchParams.get("code") ?? "");
}

describe("connecting a shop on the simulated TikTok Shop", () => {
  it("shows a consent page naming the app and the new seller's shop, with an Authorize form", async () => {
    const response = await fetch(authApi().authorizationUrl("state-page"));
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    expect(page).toContain("Authorize CreatorFlow Sync");
    expect(page).toMatch(/Sign up as a new seller: <strong>[^<]+<\/strong>, shop [^<]+ Store \(US\)/);
    expect(page).toMatch(/<form method="post" action="\/oauth\/authorize">/);
    expect(page).toContain('<button type="submit">Authorize</button>');
  });

  it("refuses a consent link for an app it does not know", async () => {
    const response = await fetch(`${simulator.url}/oauth/authorize?app_key=someone_else&state=s`);
    expect(response.status).toBe(400);
  });

  it("redirects Authorize to the app's redirect URL with a code and the same state, and signs up a seller with stock and a month of orders", async () => {
    const sellersBefore = simulator.world.sellers.size;
    const { location } = await consent("state &=/ 42");
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get("state")).toBe("state &=/ 42");
    expect(location.searchParams.get("code")).toMatch(/^ROW_/);
    expect(location.searchParams.get("app_key")).toBe(appKey);
    expect(simulator.world.sellers.size).toBe(sellersBefore + 1);

    const seller = [...simulator.world.sellers.values()].at(-1);
    const shop = seller?.shops[0];
    if (shop === undefined) throw new Error("no shop for the new seller");
    expect(simulator.world.shopByCipher.get(shop.shopCipher)).toBe(shop);
    expect(shop.skus.length).toBeGreaterThan(0);
    expect(shop.skus.every((sku) => (simulator.world.stockBySku.get(sku.skuId)?.total ?? 0) > 0)).toBe(true);
    const orders = [...simulator.world.orders.values()].filter((order) => order.shop === shop);
    const nowSeconds = clock / 1000;
    expect(orders.length).toBeGreaterThanOrEqual(8);
    expect(orders.every((order) => order.createTime > nowSeconds - 30 * 86_400 && order.createTime <= nowSeconds)).toBe(true);
    expect(orders.some((order) => order.createTime > nowSeconds - 86_400)).toBe(true);
  });

  it("serves the services link too, when the app uses its service id", async () => {
    const link = createTikTokAuthApi({ authBaseUrl: simulator.url, appKey, appSecret, serviceId: "7300000000000000001" }).authorizationUrl("svc");
    const { location } = await consent("svc", "new", link);
    expect(location.searchParams.get("state")).toBe("svc");
  });

  it("exchanges the code once for tokens whose expiries follow the simulator's clock", async () => {
    const { location } = await consent("once");
    const code = location.searchParams.get("code") ?? "";
    const tokens = await authApi().exchangeCode(code);
    const seller = simulator.world.sellers.get(tokens.openId);
    expect(seller?.sellerName).toBe(tokens.sellerName);
    expect(tokens.accessTokenExpiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + lifetimes.accessTokenSeconds * 1000);
    expect(tokens.refreshTokenExpiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + lifetimes.refreshTokenSeconds * 1000);
    expect(tokens.grantedScopes).toContain("seller.order.info");
    expect(tokens.sellerBaseRegion).toBe("US");

    const reused = await caught(authApi().exchangeCode(code));
    expect(reused).toMatchObject({ kind: "unauthorized", details: { code: 36004004 } });
    expect(reused.message).not.toContain(code);
  });

  it("refuses a code that has outlived its few minutes", async () => {
    const { location } = await consent("late");
    clock += (lifetimes.authCodeSeconds + 1) * 1000;
    const error = await caught(authApi().exchangeCode(location.searchParams.get("code") ?? ""));
    expect(error).toMatchObject({ kind: "unauthorized", details: { code: 36004004 } });
  });

  it("lists only the consenting seller's shop for its token, and the demo shops for an unissued token", async () => {
    const tokens = await connectNewSeller("shops");
    const seller = simulator.world.sellers.get(tokens.openId);
    const { data } = await clientWith(tokens.accessToken).getAuthorizedShops();
    expect(data.shops).toEqual(
      seller?.shops.map((shop) => ({ id: shop.shopId, name: shop.shopName, region: "US", code: shop.shopCode, cipher: shop.shopCipher, sellerType: "LOCAL" })),
    );

    const demo = await clientWith("local-simulator-token").getAuthorizedShops();
    expect(demo.data.shops.map((shop) => shop.cipher)).toEqual(["ROW_sim_001", "ROW_sim_002"]);
  });

  it("keeps each seller's shop to its own tokens", async () => {
    const tokens = await connectNewSeller("fenced");
    const ownShop = simulator.world.sellers.get(tokens.openId)?.shops[0];
    if (ownShop === undefined) throw new Error("no shop");
    await expect(clientWith(tokens.accessToken, ownShop.shopCipher).searchProducts({})).resolves.toMatchObject({ data: { totalCount: 5 } });
    await expect(clientWith(tokens.accessToken, "ROW_sim_001").searchProducts({})).rejects.toMatchObject({ kind: "forbidden", details: { httpStatus: 403 } });
    await expect(clientWith("local-simulator-token", ownShop.shopCipher).searchProducts({})).rejects.toMatchObject({ kind: "unauthorized", details: { code: 105001 } });
  });

  it("answers 105002 once the access token expires; a refresh rotates the refresh token and the retry succeeds", async () => {
    const tokens = await connectNewSeller("expiry");
    const shop = simulator.world.sellers.get(tokens.openId)?.shops[0];
    if (shop === undefined) throw new Error("no shop");
    clock += lifetimes.accessTokenSeconds * 1000;
    const expired = await caught(clientWith(tokens.accessToken, shop.shopCipher).searchOrders({}, { pageSize: 10 }));
    expect(expired).toMatchObject({ kind: "token_expired", retryable: false, details: { httpStatus: 401, code: 105002 } });
    expect(expired.message).not.toContain(tokens.accessToken);

    const refreshed = await authApi().refresh(tokens.refreshToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.openId).toBe(tokens.openId);
    // Refreshing does not extend the seller's authorization.
    expect(refreshed.refreshTokenExpiresAt).toEqual(tokens.refreshTokenExpiresAt);
    expect(refreshed.accessTokenExpiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + lifetimes.accessTokenSeconds * 1000);
    const retried = await clientWith(refreshed.accessToken, shop.shopCipher).searchOrders({}, { pageSize: 10 });
    expect(retried.data.totalCount).toBeGreaterThan(0);

    const stale = await caught(authApi().refresh(tokens.refreshToken));
    expect(stale).toMatchObject({ kind: "unauthorized", details: { code: 36004005 } });
    expect(stale.message).not.toContain(tokens.refreshToken);
  });

  it("refuses a refresh token past the authorization's lifetime", async () => {
    const tokens = await connectNewSeller("old");
    clock += lifetimes.refreshTokenSeconds * 1000;
    const error = await caught(authApi().refresh(tokens.refreshToken));
    expect(error).toMatchObject({ kind: "unauthorized", details: { code: 36004001 } });
  });

  it("re-authorizes a seller who chooses an existing account, without a new shop", async () => {
    const first = await connectNewSeller("first");
    const shopsBefore = simulator.world.shops.length;
    const { page, location } = await consent("again", first.openId);
    expect(page).toContain(`value="${first.openId}"`);
    const again = await authApi().exchangeCode(location.searchParams.get("code") ?? "");
    expect(again.openId).toBe(first.openId);
    expect(simulator.world.shops.length).toBe(shopsBefore);
  });

  it("refuses a token its app secret does not match, without quoting the secret", async () => {
    const { location } = await consent("wrong-secret");
    const error = await caught(createTikTokAuthApi({ authBaseUrl: simulator.url, appKey, appSecret: "not_the_secret" }).exchangeCode(location.searchParams.get("code") ?? ""));
    expect(error.retryable).toBe(false);
    expect(error.details.code).not.toBe(0);
    expect(error.message).not.toContain("not_the_secret");
  });
});

describe("a simulator that only accepts the tokens it issued", () => {
  it("refuses an unissued token even for the demo shops", async () => {
    const strict = await startTikTokShopSimulator({ port: 0, appKey, appSecret, creators: 1, acceptUnissuedTokensForDemoShops: false });
    try {
      const error = await caught(
        createTikTokShopClient({ baseUrl: strict.url, appKey, appSecret, accessToken: "local-simulator-token", shopCipher: "ROW_sim_001" }).searchInventory({ skuIds: ["1"] }),
      );
      expect(error).toMatchObject({ kind: "unauthorized", details: { code: 105001 } });
    } finally {
      await strict.close();
    }
  });
});
