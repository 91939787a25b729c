// HMAC-SHA256 and SHA-256 over Web Crypto, shared by webhook and API request signing.
// Web APIs only, so the same code runs in Node and Deno alike.

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Decodes hex (either case); undefined when it is not an even-length hex string. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

export function importHmacSha256Key(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function hmacSha256Hex(key: CryptoKey, message: Uint8Array<ArrayBuffer>): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, message)));
}

/**
 * Checks a hex signature against the HMAC of `message`. crypto.subtle.verify compares
 * in constant time, so the time taken says nothing about how many bytes matched.
 */
export function verifyHmacSha256Hex(key: CryptoKey, message: Uint8Array<ArrayBuffer>, signatureHex: string): Promise<boolean> {
  const signature = hexToBytes(signatureHex);
  if (signature === undefined || signature.length !== 32) return Promise.resolve(false);
  return crypto.subtle.verify("HMAC", key, signature, message);
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}
