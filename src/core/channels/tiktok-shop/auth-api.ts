// TikTok Shop's side of connecting a shop: the seller-facing authorization link, and the
// token endpoints (`/api/v2/token/get`, `/api/v2/token/refresh`) that turn an auth code into
// tokens and keep them fresh. Plain fetch; answers checked with zod; tokens, codes and the
// app secret never appear in an error message (they travel in the query string, so no URL
// is ever quoted either).
import { z } from "zod";
import { redactCredentials, TikTokShopApiError } from "./api-errors.ts";
import { fetchTikTok, unwrapTikTokAnswer } from "./api-response.ts";

export interface TikTokTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  /** May change on every refresh: always store the one from the latest answer. */
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  /** The seller's id, stable across authorizations. */
  openId: string;
  sellerName: string;
  sellerBaseRegion?: string;
  grantedScopes: string[];
  /** TikTok's `user_type` (0 for a seller), when sent. */
  userType?: number;
}

export interface TikTokAuthConfig {
  /** e.g. `https://auth.tiktok-shops.com`, or the simulator's `http://127.0.0.1:54330`. */
  authBaseUrl: string;
  appKey: string;
  appSecret: string;
  fetch?: typeof fetch;
  /** Deadline of one call, answer included (default TIKTOK_CALL_TIMEOUT_MS). */
  timeoutMs?: number;
  /**
   * The app's service id in Partner Center. When set, authorizationUrl() gives the services
   * link (`/open/authorize?service_id=..&state=..`) instead of the app-key one.
   */
  serviceId?: string;
  /** Where the authorization page lives when it is not on authBaseUrl (e.g. the services site). */
  authorizePageBaseUrl?: string;
}

export interface TikTokAuthApi {
  /** The seller-facing consent URL; TikTok redirects back to the app's registered redirect URL with `code` and this `state`. */
  authorizationUrl(state: string): string;
  /** GET /api/v2/token/get: exchanges a (single-use, short-lived) auth code for tokens. */
  exchangeCode(authCode: string): Promise<TikTokTokens>;
  /** GET /api/v2/token/refresh: new tokens for a refresh token; the refresh token may rotate. */
  refresh(refreshToken: string): Promise<TikTokTokens>;
}

// `*_expire_in` are unix timestamps in seconds, not durations: anything before 2001 means a
// server that sent a duration, and guessing would hand out tokens that look expired (or eternal).
const expiryTimestamp = z.number().int().min(1_000_000_000, "must be a unix timestamp in seconds, not a duration");

const tokenDataSchema = z
  .looseObject({
    access_token: z.string().min(1),
    access_token_expire_in: expiryTimestamp,
    refresh_token: z.string().min(1),
    refresh_token_expire_in: expiryTimestamp,
    open_id: z.string().min(1),
    seller_name: z.string(),
    seller_base_region: z.string().optional(),
    user_type: z.number().int().optional(),
    granted_scopes: z.array(z.string()).optional(),
  })
  .transform((data): TikTokTokens => {
    const tokens: TikTokTokens = {
      accessToken: data.access_token,
      accessTokenExpiresAt: new Date(data.access_token_expire_in * 1000),
      refreshToken: data.refresh_token,
      refreshTokenExpiresAt: new Date(data.refresh_token_expire_in * 1000),
      openId: data.open_id,
      sellerName: data.seller_name,
      grantedScopes: data.granted_scopes ?? [],
    };
    if (data.seller_base_region !== undefined && data.seller_base_region !== "") tokens.sellerBaseRegion = data.seller_base_region;
    if (data.user_type !== undefined) tokens.userType = data.user_type;
    return tokens;
  });

export function createTikTokAuthApi(config: TikTokAuthConfig): TikTokAuthApi {
  const fetchImpl = config.fetch ?? fetch;
  const authBaseUrl = config.authBaseUrl.replace(/\/+$/, "");

  async function tokenCall(path: "/api/v2/token/get" | "/api/v2/token/refresh", grant: Record<string, string>, credential: string): Promise<TikTokTokens> {
    const label = `GET ${path}`;
    const redact = (text: string) => redactCredentials(text, [credential, config.appSecret]);
    if (credential.trim() === "") throw new TikTokShopApiError("unauthorized", `${label}: no ${path.endsWith("get") ? "auth code" : "refresh token"} given`);
    const query = new URLSearchParams({ app_key: config.appKey, app_secret: config.appSecret, ...grant });
    const response = await fetchTikTok(fetchImpl, `${authBaseUrl}${path}?${query.toString()}`, { method: "GET", headers: { accept: "application/json" } }, label, redact, config.timeoutMs);
    // zod's messages name the failing fields, never their values, so new tokens cannot leak through them either.
    return (await unwrapTikTokAnswer(response, tokenDataSchema, label, redact)).data;
  }

  return {
    authorizationUrl(state) {
      const pageBase = (config.authorizePageBaseUrl ?? authBaseUrl).replace(/\/+$/, "");
      if (config.serviceId !== undefined) return `${pageBase}/open/authorize?${new URLSearchParams({ service_id: config.serviceId, state }).toString()}`;
      return `${pageBase}/oauth/authorize?${new URLSearchParams({ app_key: config.appKey, state }).toString()}`;
    },
    exchangeCode(authCode) {
      return tokenCall("/api/v2/token/get", { auth_code: authCode, grant_type: "authorized_code" }, authCode);
    },
    refresh(refreshToken) {
      return tokenCall("/api/v2/token/refresh", { refresh_token: refreshToken, grant_type: "refresh_token" }, refreshToken);
    },
  };
}
