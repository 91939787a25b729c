// What the simulated TikTok Shop remembers about seller authorizations: auth codes (single
// use, short-lived), access tokens and refresh tokens (which rotate on every refresh), each
// tied to a seller in the world. Time comes from the injected clock, so tests can expire
// anything without sleeping.
import { randomBytes } from "node:crypto";
import type { ShopWorld, SimulatedSeller } from "./shop-world.ts";

export interface AuthorizationLifetimes {
  /** TikTok's auth codes last a few minutes. */
  authCodeSeconds: number;
  /** About 7 days at TikTok. */
  accessTokenSeconds: number;
  /** Counted from the seller's consent: refreshing rotates the token but does not extend the authorization. */
  refreshTokenSeconds: number;
}

export const defaultAuthorizationLifetimes: AuthorizationLifetimes = {
  authCodeSeconds: 5 * 60,
  accessTokenSeconds: 7 * 24 * 3600,
  refreshTokenSeconds: 365 * 24 * 3600,
};

/** Scopes granted with every simulated authorization. */
export const simulatedGrantedScopes = ["seller.authorization.info", "seller.order.info", "seller.product.basic", "seller.stock", "seller.fulfillment.basic"] as const;

/** `data` of a token answer, as TikTok sends it: the `*_expire_in` are unix timestamps in seconds. */
export interface TokenGrant {
  access_token: string;
  access_token_expire_in: number;
  refresh_token: string;
  refresh_token_expire_in: number;
  open_id: string;
  seller_name: string;
  seller_base_region: string;
  user_type: number;
  granted_scopes: string[];
}

export type TokenFailure = "unknown_code" | "unknown_refresh_token" | "expired_refresh_token";

export type AccessTokenCheck = { status: "valid"; seller: SimulatedSeller } | { status: "expired" } | { status: "unknown" };

export interface SellerAuthorizations {
  /** A new auth code for the seller's consent; the app exchanges it once, before it expires. */
  issueCode(openId: string): string;
  exchangeCode(code: string): TokenGrant | TokenFailure;
  refresh(refreshToken: string): TokenGrant | TokenFailure;
  checkAccessToken(accessToken: string): AccessTokenCheck;
}

interface IssuedCode {
  openId: string;
  expiresAt: number;
  used: boolean;
}

interface IssuedRefreshToken {
  openId: string;
  expiresAt: number;
  /** Set once it has been exchanged: a rotated refresh token is dead. */
  rotated: boolean;
}

/** Opaque, TikTok-looking credentials (`ROW_` and URL-safe base64). */
function newCredential(): string {
  return `ROW_${randomBytes(30).toString("base64url")}`;
}

export function createSellerAuthorizations(world: ShopWorld, now: () => number, lifetimes: AuthorizationLifetimes = defaultAuthorizationLifetimes): SellerAuthorizations {
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, { openId: string; expiresAt: number }>();
  const refreshTokens = new Map<string, IssuedRefreshToken>();
  const nowSeconds = () => Math.floor(now() / 1000);

  function grant(seller: SimulatedSeller, refreshExpiresAt: number): TokenGrant {
    const accessToken = newCredential();
    const refreshToken = newCredential();
    const accessExpiresAt = nowSeconds() + lifetimes.accessTokenSeconds;
    accessTokens.set(accessToken, { openId: seller.openId, expiresAt: accessExpiresAt });
    refreshTokens.set(refreshToken, { openId: seller.openId, expiresAt: refreshExpiresAt, rotated: false });
    return {
      access_token: accessToken,
      access_token_expire_in: accessExpiresAt,
      refresh_token: refreshToken,
      refresh_token_expire_in: refreshExpiresAt,
      open_id: seller.openId,
      seller_name: seller.sellerName,
      seller_base_region: seller.baseRegion,
      user_type: 0,
      granted_scopes: [...simulatedGrantedScopes],
    };
  }

  return {
    issueCode(openId) {
      if (!world.sellers.has(openId)) throw new Error(`no seller ${openId}`);
      const code = newCredential();
      codes.set(code, { openId, expiresAt: nowSeconds() + lifetimes.authCodeSeconds, used: false });
      return code;
    },
    exchangeCode(code) {
      const issued = codes.get(code);
      const seller = issued === undefined ? undefined : world.sellers.get(issued.openId);
      if (issued === undefined || seller === undefined || issued.used || nowSeconds() >= issued.expiresAt) return "unknown_code";
      issued.used = true;
      return grant(seller, nowSeconds() + lifetimes.refreshTokenSeconds);
    },
    refresh(refreshToken) {
      const issued = refreshTokens.get(refreshToken);
      const seller = issued === undefined ? undefined : world.sellers.get(issued.openId);
      if (issued === undefined || seller === undefined || issued.rotated) return "unknown_refresh_token";
      if (nowSeconds() >= issued.expiresAt) return "expired_refresh_token";
      issued.rotated = true;
      // The access tokens issued before stay valid until they expire, so calls already in
      // flight while the app refreshes do not fail.
      return grant(seller, issued.expiresAt);
    },
    checkAccessToken(accessToken) {
      const issued = accessTokens.get(accessToken);
      const seller = issued === undefined ? undefined : world.sellers.get(issued.openId);
      if (issued === undefined || seller === undefined) return { status: "unknown" };
      if (nowSeconds() >= issued.expiresAt) return { status: "expired" };
      return { status: "valid", seller };
    },
  };
}
