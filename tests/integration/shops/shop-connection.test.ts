import { describe, expect, it } from "vitest";
import { startShopConnection, completeShopConnection } from "../../../src/core/shops/shop-connection.ts";
import { connectionDependencies, connectShop, consentAtTikTok, expectConnected, newCreator, shopEventsOf, shopsHarness, shopsOf, storedCredentials } from "./harness.ts";

const harness = shopsHarness({ seed: 41, firstSeller: 1 });
const { sql } = harness;

async function oauthStatesOf(userId: string) {
  return sql<{ used_at: Date | null }[]>`select used_at from public.tiktok_oauth_states where user_id = ${userId}::uuid`;
}

describe("connecting a TikTok Shop (OAuth callback)", () => {
  it("links the seller's authorized shops to the creator with their ciphers, seals the tokens and records shop.connected", async () => {
    const creator = newCreator();
    const { outcome, callback } = await connectShop(harness, creator);
    const connected = expectConnected(outcome);
    const seller = harness.simulator().world.sellers.get(connected.sellerOpenId)!;
    expect(seller).toBeDefined();
    expect(callback.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const shops = await shopsOf(sql, creator.creatorId);
    expect(shops).toEqual(
      seller.shops.map((shop) => ({ shop_id: shop.shopId, shop_name: shop.shopName, shop_cipher: shop.shopCipher, seller_open_id: seller.openId, connection_status: "connected" })),
    );
    for (const shop of shops) {
      const events = await shopEventsOf(sql, shop.shop_id);
      expect(events).toEqual([
        expect.objectContaining({ event_type: "shop.connected", creator_id: creator.creatorId, version: 1, event_data: expect.objectContaining({ shop_id: shop.shop_id, seller_open_id: seller.openId, reconnected: false }) }),
      ]);
    }

    // The tokens the simulator issued, sealed: the row never holds them in the clear.
    const stored = await storedCredentials(harness, seller.openId);
    expect(stored.status).toBe("active");
    expect(stored.accessToken).toMatch(/^ROW_/);
    const [raw] = await sql<{ row: string }[]>`select to_jsonb(c)::text as row from public.tiktok_seller_credentials c where seller_open_id = ${seller.openId}`;
    expect(raw.row).not.toContain(stored.accessToken);
    expect(raw.row).not.toContain(stored.refreshToken);
    // And the state is used up.
    expect(await oauthStatesOf(creator.userId)).toEqual([{ used_at: expect.any(Date) }]);
  });

  it("refuses a replayed callback (the state is single use) and links nothing more", async () => {
    const creator = newCreator();
    const deps = await connectionDependencies(harness);
    const authorizationUrl = await startShopConnection(deps, creator);
    const first = await consentAtTikTok(authorizationUrl);
    expectConnected(await completeShopConnection(deps, creator, { code: first.searchParams.get("code"), state: first.searchParams.get("state") }));
    const shopsAfterFirst = await shopsOf(sql, creator.creatorId);

    // Same state again, even with a fresh, valid code for another seller.
    const second = await consentAtTikTok(authorizationUrl);
    const replay = await completeShopConnection(deps, creator, { code: second.searchParams.get("code"), state: first.searchParams.get("state") });
    expect(replay).toEqual({ outcome: "failed", reason: "invalid_state" });
    expect(await shopsOf(sql, creator.creatorId)).toEqual(shopsAfterFirst);
  });

  it("refuses another user's state without using it up, so its owner can still finish", async () => {
    const owner = newCreator();
    const intruder = newCreator();
    const deps = await connectionDependencies(harness);
    const callback = await consentAtTikTok(await startShopConnection(deps, owner));
    const query = { code: callback.searchParams.get("code"), state: callback.searchParams.get("state") };

    expect(await completeShopConnection(deps, intruder, query)).toEqual({ outcome: "failed", reason: "invalid_state" });
    // The same user in another session (another browser) is refused too.
    expect(await completeShopConnection(deps, { ...owner, sessionId: crypto.randomUUID() }, query)).toEqual({ outcome: "failed", reason: "invalid_state" });
    expect(await shopsOf(sql, intruder.creatorId)).toEqual([]);
    expect(await oauthStatesOf(owner.userId)).toEqual([{ used_at: null }]);

    expectConnected(await completeShopConnection(deps, owner, query));
    expect((await shopsOf(sql, owner.creatorId)).length).toBeGreaterThan(0);
  });

  it("refuses a state older than ten minutes, and links nothing", async () => {
    const creator = newCreator();
    const deps = await connectionDependencies(harness);
    const authorizationUrl = await startShopConnection(deps, creator);
    harness.clock.advance(10 * 60 * 1000 + 1);
    const callback = await consentAtTikTok(authorizationUrl);
    const exchangesBefore = harness.requests.count("/api/v2/token/get");
    expect(await completeShopConnection(deps, creator, { code: callback.searchParams.get("code"), state: callback.searchParams.get("state") })).toEqual({
      outcome: "failed",
      reason: "state_expired",
    });
    expect(await shopsOf(sql, creator.creatorId)).toEqual([]);
    // The code was never even sent to TikTok.
    expect(harness.requests.count("/api/v2/token/get")).toBe(exchangesBefore);
  });

  it("refuses an auth code that was already used or has expired (TikTok's refusal), and links nothing", async () => {
    const first = newCreator();
    const deps = await connectionDependencies(harness);
    const callback = await consentAtTikTok(await startShopConnection(deps, first));
    const code = callback.searchParams.get("code");
    expectConnected(await completeShopConnection(deps, first, { code, state: callback.searchParams.get("state") }));

    const reuser = newCreator();
    const reuse = await completeShopConnection(deps, reuser, { code, state: await stateFor(reuser) });
    expect(reuse).toMatchObject({ outcome: "failed", reason: "code_rejected", cause: "unauthorized 36004004" });

    const late = newCreator();
    const lateCallback = await consentAtTikTok(await startShopConnection(deps, late));
    harness.clock.advance(6 * 60 * 1000);
    const expired = await completeShopConnection(deps, late, { code: lateCallback.searchParams.get("code"), state: lateCallback.searchParams.get("state") });
    expect(expired).toMatchObject({ outcome: "failed", reason: "code_rejected" });
    expect(await shopsOf(sql, reuser.creatorId)).toEqual([]);
    expect(await shopsOf(sql, late.creatorId)).toEqual([]);

    async function stateFor(creator: typeof reuser) {
      return new URL(await startShopConnection(deps, creator)).searchParams.get("state");
    }
  });

  it("turns TikTok's error answers into reasons, and links nothing", async () => {
    const deps = await connectionDependencies(harness);
    const attempt = async (answer: () => Promise<Response>, path: string) => {
      const creator = newCreator();
      const callback = await consentAtTikTok(await startShopConnection(deps, creator));
      harness.interceptNext(path, answer);
      const outcome = await completeShopConnection(deps, creator, { code: callback.searchParams.get("code"), state: callback.searchParams.get("state") });
      expect(await shopsOf(sql, creator.creatorId)).toEqual([]);
      return outcome;
    };
    const json = (status: number, body: unknown) => async () => Response.json(body, { status });
    expect(await attempt(json(200, { code: 36009007, message: "Invalid app_key or app_secret.", data: null }), "/api/v2/token/get")).toMatchObject({ outcome: "failed", reason: "tiktok_error" });
    expect(await attempt(json(503, { code: 1, message: "busy" }), "/api/v2/token/get")).toMatchObject({ outcome: "failed", reason: "tiktok_unavailable", cause: "server 1" });
    expect(await attempt(() => Promise.reject(new TypeError("fetch failed")), "/api/v2/token/get")).toMatchObject({ outcome: "failed", reason: "tiktok_unavailable", cause: "network" });
    expect(await attempt(json(200, { code: 0, message: "success", data: { shops: [] } }), "/authorization/202309/shops")).toEqual({ outcome: "failed", reason: "no_shops" });
    expect(await attempt(json(200, { code: 0, message: "success", data: { shops: [{ id: 1, name: null }] } }), "/authorization/202309/shops")).toMatchObject({ outcome: "failed", reason: "tiktok_error" });
  });

  it("records a seller who declined at TikTok as denied", async () => {
    const creator = newCreator();
    const deps = await connectionDependencies(harness);
    const state = new URL(await startShopConnection(deps, creator)).searchParams.get("state");
    expect(await completeShopConnection(deps, creator, { state, error: "access_denied" })).toMatchObject({ outcome: "failed", reason: "denied" });
    expect(await shopsOf(sql, creator.creatorId)).toEqual([]);
  });

  it("refuses a shop already linked to another creator: nothing is linked, the first creator's tokens stay", async () => {
    const first = newCreator();
    const connected = expectConnected((await connectShop(harness, first)).outcome);
    const before = await storedCredentials(harness, connected.sellerOpenId);

    // The same seller authorizes again, this time while signed in as someone else.
    const second = newCreator();
    const { outcome } = await connectShop(harness, second, connected.sellerOpenId);
    expect(outcome).toEqual({ outcome: "failed", reason: "shop_linked_elsewhere" });
    expect(await shopsOf(sql, second.creatorId)).toEqual([]);
    const after = await storedCredentials(harness, connected.sellerOpenId);
    expect(after.accessToken).toBe(before.accessToken);
    const [owner] = await sql<{ creator_id: string }[]>`select creator_id from public.tiktok_seller_credentials where seller_open_id = ${connected.sellerOpenId}`;
    expect(owner.creator_id).toBe(first.creatorId);
    for (const shop of connected.shops) expect((await shopEventsOf(sql, shop.shopId)).map((event) => event.creator_id)).toEqual([first.creatorId]);
  });

  it("lets the same creator connect again: new tokens, nothing new recorded for a shop still connected", async () => {
    const creator = newCreator();
    const connected = expectConnected((await connectShop(harness, creator)).outcome);
    const before = await storedCredentials(harness, connected.sellerOpenId);
    const again = expectConnected((await connectShop(harness, creator, connected.sellerOpenId)).outcome);
    expect(again.shops.map((shop) => shop.recorded)).toEqual(connected.shops.map(() => false));
    expect((await storedCredentials(harness, connected.sellerOpenId)).accessToken).not.toBe(before.accessToken);
    for (const shop of connected.shops) expect((await shopEventsOf(sql, shop.shopId)).length).toBe(1);
  });
});
