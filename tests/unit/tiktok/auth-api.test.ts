import { describe, expect, it } from "vitest";
import { TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { createTikTokAuthApi } from "../../../src/core/channels/tiktok-shop/auth-api.ts";
import { rejectionOf } from "../../rejection.ts";

const config = { authBaseUrl: "https://auth.tiktok.example/", appKey: "app-key-1", appSecret: "app-secret-1" };

function recordingFetch(respond: (url: URL) => Response | Promise<Response>) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push({ url, init: init ?? {} });
    return respond(url);
  }) as typeof fetch;
  return { calls, fetchStub };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const tokenAnswer = {
  code: 0,
  message: "success",
  request_id: "r1",
  data: {
    access_token: "ROW_access_aaaaaaaa",
    access_token_expire_in: 1_764_604_800,
    refresh_token: "ROW_refresh_bbbbbbbb",
    refresh_token_expire_in: 1_795_536_000,
    open_id: "7010736057180325637",
    seller_name: "Nova Glow",
    seller_base_region: "US",
    user_type: 0,
    granted_scopes: ["seller.order.info", "seller.product.basic"],
  },
};

const caught = (promise: Promise<unknown>) => rejectionOf(promise, TikTokShopApiError);

describe("TikTok Shop authorization API", () => {
  it("builds the seller's consent link from the app key and the state", () => {
    const url = new URL(createTikTokAuthApi(config).authorizationUrl("st ate/1"));
    expect(url.origin + url.pathname).toBe("https://auth.tiktok.example/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({ app_key: "app-key-1", state: "st ate/1" });
  });

  it("builds the services link when the app's service id is configured", () => {
    const url = new URL(createTikTokAuthApi({ ...config, serviceId: "7300000000000000001", authorizePageBaseUrl: "https://services.tiktok.example" }).authorizationUrl("s1"));
    expect(url.origin + url.pathname).toBe("https://services.tiktok.example/open/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({ service_id: "7300000000000000001", state: "s1" });
  });

  it("exchanges an auth code with a GET carrying app key, secret, code and grant type, and reads the expiries as unix seconds", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, tokenAnswer));
    const tokens = await createTikTokAuthApi({ ...config, fetch: fetchStub }).exchangeCode("code-123");
    const [call] = calls;
    expect(call?.init.method).toBe("GET");
    expect(call?.url.pathname).toBe("/api/v2/token/get");
    expect(Object.fromEntries(call?.url.searchParams ?? [])).toEqual({ app_key: "app-key-1", app_secret: "app-secret-1", auth_code: "code-123", grant_type: "authorized_code" });
    expect(tokens).toEqual({
      accessToken: "ROW_access_aaaaaaaa",
      accessTokenExpiresAt: new Date("2025-12-01T16:00:00.000Z"),
      refreshToken: "ROW_refresh_bbbbbbbb",
      refreshTokenExpiresAt: new Date(1_795_536_000 * 1000),
      openId: "7010736057180325637",
      sellerName: "Nova Glow",
      sellerBaseRegion: "US",
      grantedScopes: ["seller.order.info", "seller.product.basic"],
      userType: 0,
    });
  });

  it("refreshes with grant_type refresh_token", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, tokenAnswer));
    await createTikTokAuthApi({ ...config, fetch: fetchStub }).refresh("ROW_refresh_old");
    expect(calls[0]?.url.pathname).toBe("/api/v2/token/refresh");
    expect(Object.fromEntries(calls[0]?.url.searchParams ?? [])).toEqual({ app_key: "app-key-1", app_secret: "app-secret-1", refresh_token: "ROW_refresh_old", grant_type: "refresh_token" });
  });

  it.each([
    [36004004, "exchangeCode"],
    [36004005, "refresh"],
    [36004001, "refresh"],
  ] as const)("treats TikTok's code %i (HTTP 200) as unauthorized, without quoting the credential the server echoed", async (code, method) => {
    const credential = "ROW_secret_credential_42";
    const { fetchStub } = recordingFetch(() => json(200, { code, message: `invalid ${credential} for app-secret-1`, request_id: "r2" }));
    const error = await caught(createTikTokAuthApi({ ...config, fetch: fetchStub })[method](credential));
    expect(error).toMatchObject({ kind: "unauthorized", retryable: false, details: { code, httpStatus: 200, requestId: "r2" } });
    expect(error.message).not.toContain(credential);
    expect(error.message).not.toContain("app-secret-1");
    expect(error.message).toContain("[redacted]");
  });

  it("refuses expiries that are durations rather than timestamps", async () => {
    const { fetchStub } = recordingFetch(() => json(200, { ...tokenAnswer, data: { ...tokenAnswer.data, access_token_expire_in: 604_800 } }));
    const error = await caught(createTikTokAuthApi({ ...config, fetch: fetchStub }).exchangeCode("code-123"));
    expect(error.kind).toBe("invalid_response");
    expect(error.message).toContain("access_token_expire_in");
    expect(error.message).not.toContain("ROW_access_aaaaaaaa");
  });

  it("reports an unreachable endpoint as a network error that quotes neither the URL's secret nor the code", async () => {
    const failing = (async (input: string | URL | Request) => {
      throw new TypeError(`fetch failed for ${String(input)}`);
    }) as typeof fetch;
    const error = await caught(createTikTokAuthApi({ ...config, fetch: failing }).exchangeCode("code-secret-777"));
    expect(error).toMatchObject({ kind: "network", retryable: true });
    expect(error.message).not.toContain("code-secret-777");
    expect(error.message).not.toContain("app-secret-1");
  });

  it("refuses an empty code or refresh token without calling TikTok", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, tokenAnswer));
    const auth = createTikTokAuthApi({ ...config, fetch: fetchStub });
    await expect(auth.exchangeCode("")).rejects.toMatchObject({ kind: "unauthorized" });
    await expect(auth.refresh(" ")).rejects.toMatchObject({ kind: "unauthorized" });
    expect(calls).toHaveLength(0);
  });
});
