// TikTok Shop API request signing:
//   keys = sorted query keys, excluding "sign" and "access_token"
//   s    = path + concat(key + value)  (+ raw body unless multipart/form-data)
//   sign = hex(HMAC-SHA256(key = app_secret, message = app_secret + s + app_secret))
import { hmacSha256Hex, importHmacSha256Key, utf8, verifyHmacSha256Hex } from "./hmac-sha256.ts";

const unsignedQueryKeys = new Set(["sign", "access_token"]);

export type ApiQuery = Readonly<Record<string, string>> | URLSearchParams;

export interface ApiRequestToSign {
  appSecret: string;
  /** The API path, e.g. `/order/202309/orders`, without host or query. */
  path: string;
  query: ApiQuery;
  /** The raw request body exactly as sent; omit for requests without one. */
  body?: string;
  contentType?: string | null;
}

function queryEntries(query: ApiQuery): [string, string][] {
  // URLSearchParams may repeat a key; TikTok's parameters never do, so the first value counts.
  if (query instanceof URLSearchParams) return [...new Set(query.keys())].map((key) => [key, query.get(key) ?? ""]);
  return Object.entries(query);
}

function isMultipart(contentType: string | null | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("multipart/form-data");
}

/** The string that gets signed, secret-wrapped; exposed so tests can pin it to the documented vector. */
export function apiSignatureBaseString({ appSecret, path, query, body, contentType }: ApiRequestToSign): string {
  const parameters = queryEntries(query)
    .filter(([key]) => !unsignedQueryKeys.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => key + value)
    .join("");
  const signedBody = body !== undefined && !isMultipart(contentType) ? body : "";
  return appSecret + path + parameters + signedBody + appSecret;
}

export async function signApiRequest(request: ApiRequestToSign): Promise<string> {
  return hmacSha256Hex(await importHmacSha256Key(request.appSecret), utf8(apiSignatureBaseString(request)));
}

/** Checks the `sign` a caller sent, in constant time. */
export async function verifyApiRequestSignature(request: ApiRequestToSign & { sign: string | null }): Promise<boolean> {
  if (request.sign === null) return false;
  return verifyHmacSha256Hex(await importHmacSha256Key(request.appSecret), utf8(apiSignatureBaseString(request)), request.sign);
}
