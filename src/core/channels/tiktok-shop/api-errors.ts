// Failures of TikTok Shop calls (the shop API and the token endpoints), typed so callers can
// tell "retry later" from "refresh the token" from "ask the seller to reconnect".

export type TikTokShopErrorKind =
  | "unauthorized" // bad sign, app key, access token, auth code or refresh token: retrying will not help
  | "token_expired" // the access token has expired: refresh it, then retry once
  | "forbidden"
  | "not_found"
  | "invalid_request"
  | "rate_limited"
  | "server" // TikTok's side; retry with backoff
  | "network"
  | "invalid_response"
  // No call goes out for this shop: not the caller's, or its seller must connect it again
  // (src/core/shops/shop-not-authorized-error.ts); retrying will not help until the creator does.
  | "shop_not_authorized";

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** Seconds until the window resets, or the Retry-After delay on a 429. */
  resetAfterSeconds?: number;
}

export interface TikTokShopErrorDetails {
  httpStatus?: number;
  /** TikTok's own error code from the response body, e.g. 106001 for a bad signature. */
  code?: number;
  requestId?: string;
  rateLimit?: RateLimitInfo;
}

export class TikTokShopApiError extends Error {
  override readonly name = "TikTokShopApiError";
  readonly kind: TikTokShopErrorKind;
  readonly details: TikTokShopErrorDetails;

  constructor(kind: TikTokShopErrorKind, message: string, details: TikTokShopErrorDetails = {}) {
    super(message);
    this.kind = kind;
    this.details = details;
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "server" || this.kind === "network";
  }
}

/**
 * TikTok's codes that say more than the HTTP status does. 105002 is the expired access
 * token; the 36004xxx codes come from the token endpoints (an auth code that is unknown,
 * used or expired; no authorization behind a refresh token, e.g. one already rotated; a
 * refresh token past its expiry); they arrive with HTTP 200.
 */
const kindByTikTokCode: ReadonlyMap<number, TikTokShopErrorKind> = new Map([
  [105001, "unauthorized"],
  [105002, "token_expired"],
  [106001, "unauthorized"],
  [36004001, "unauthorized"],
  [36004004, "unauthorized"],
  [36004005, "unauthorized"],
]);

export function errorKindFor(httpStatus: number, code: number | undefined): TikTokShopErrorKind {
  const byCode = code === undefined ? undefined : kindByTikTokCode.get(code);
  if (byCode !== undefined) return byCode;
  if (httpStatus === 401) return "unauthorized";
  if (httpStatus === 403) return "forbidden";
  if (httpStatus === 404) return "not_found";
  if (httpStatus === 429) return "rate_limited";
  if (httpStatus >= 500) return "server";
  return "invalid_request";
}

/**
 * Replaces every occurrence of the given credentials in a text that may end up in a log,
 * since a server (or a fetch implementation quoting the URL) may echo what it was sent.
 * Values under 4 characters are left alone: no real credential is that short, and
 * scrubbing them would mangle the message.
 */
export function redactCredentials(text: string, credentials: readonly (string | undefined)[]): string {
  let redacted = text;
  for (const credential of credentials) {
    if (credential === undefined || credential.length < 4) continue;
    redacted = redacted.split(credential).join("[redacted]");
    const encoded = encodeURIComponent(credential);
    if (encoded !== credential) redacted = redacted.split(encoded).join("[redacted]");
  }
  return redacted;
}
