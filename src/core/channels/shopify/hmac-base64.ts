// Shopify's signatures: HMAC-SHA256 keyed with the app's client secret. Webhooks carry it
// base64-encoded over the raw body (X-Shopify-Hmac-Sha256); the OAuth redirect carries it
// hex-encoded over the sorted query without `hmac`. Written here by hand, with Web Crypto,
// because the check must run in the Edge Function (Deno) and in Node alike, and
// @shopify/shopify-api's validators need its runtime adapter and a whole app config for
// these few lines (its Node engine floor, 22, is also above this project's 20).
import { importHmacSha256Key, utf8, verifyHmacSha256Hex } from "../tiktok-shop/hmac-sha256.ts";

export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}

/** The X-Shopify-Hmac-Sha256 header Shopify sends with this body. */
export async function signShopifyWebhook(clientSecret: string, rawBody: Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await importHmacSha256Key(clientSecret);
  return bytesToBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, rawBody)));
}

export type ShopifyWebhookVerifier = (rawBody: Uint8Array<ArrayBuffer>, hmacHeader: string | null) => Promise<boolean>;

/** A verifier bound to the app's client secret (the key is imported once). Compared in constant time by crypto.subtle.verify. */
export function createShopifyWebhookVerifier(clientSecret: string): ShopifyWebhookVerifier {
  // Imported at the first delivery, not at start: a process that never verifies (process-events) may run without the secret.
  let key: Promise<CryptoKey> | undefined;
  return async (rawBody, hmacHeader) => {
    if (hmacHeader === null || clientSecret === "") return false;
    const signature = base64ToBytes(hmacHeader.trim());
    if (signature === undefined || signature.length !== 32) return false;
    return crypto.subtle.verify("HMAC", await (key ??= importHmacSha256Key(clientSecret)), signature, rawBody);
  };
}

/**
 * The message Shopify signs on the OAuth redirect: every query parameter but `hmac`, sorted
 * by name, joined as name=value with `&` (values as decoded from the URL).
 */
export function oauthQueryMessage(query: URLSearchParams): string {
  return [...query.entries()]
    .filter(([name]) => name !== "hmac" && name !== "signature")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

export async function verifyShopifyOAuthQuery(clientSecret: string, query: URLSearchParams): Promise<boolean> {
  const hmac = query.get("hmac");
  if (!hmac) return false;
  return verifyHmacSha256Hex(await importHmacSha256Key(clientSecret), utf8(oauthQueryMessage(query)), hmac);
}
