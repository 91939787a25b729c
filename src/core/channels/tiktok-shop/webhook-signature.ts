// TikTok Shop webhook signatures: the `Authorization` header is
// hex_lower(HMAC-SHA256(key = app_secret, message = app_key + raw body)). Nothing else is
// signed (no timestamp, no path), so replays are stopped by deduplication, not here.
import { concatBytes, hmacSha256Hex, importHmacSha256Key, utf8, verifyHmacSha256Hex } from "./hmac-sha256.ts";

export interface WebhookCredentials {
  appKey: string;
  appSecret: string;
}

export interface WebhookSignatureInput extends WebhookCredentials {
  /** The body exactly as received: re-serialised JSON would not match. */
  rawBody: Uint8Array;
}

function signedMessage(appKey: string, rawBody: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(utf8(appKey), rawBody);
}

/** The `Authorization` header TikTok Shop sends with this body. */
export async function signWebhook({ appKey, appSecret, rawBody }: WebhookSignatureInput): Promise<string> {
  return hmacSha256Hex(await importHmacSha256Key(appSecret), signedMessage(appKey, rawBody));
}

export type WebhookVerifier = (rawBody: Uint8Array, authorization: string | null) => Promise<boolean>;

/**
 * A verifier bound to one app's credentials; the HMAC key is imported once, which matters
 * at thousands of webhooks a second.
 */
export function createWebhookVerifier({ appKey, appSecret }: WebhookCredentials): WebhookVerifier {
  const key = importHmacSha256Key(appSecret);
  return async (rawBody, authorization) => {
    if (authorization === null) return false;
    return verifyHmacSha256Hex(await key, signedMessage(appKey, rawBody), authorization.trim());
  };
}

/** True only when `authorization` is the signature of exactly these bytes; compared in constant time. */
export function verifyWebhookSignature(input: WebhookSignatureInput & { authorization: string | null }): Promise<boolean> {
  return createWebhookVerifier(input)(input.rawBody, input.authorization);
}
