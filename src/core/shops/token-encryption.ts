// Sealing a seller's TikTok tokens for storage: AES-256-GCM (WebCrypto, so it runs in
// Node and Deno alike) with a fresh random 96-bit IV per seal and the seller's open_id as
// additional authenticated data, so a sealed token copied onto another seller's row does
// not open. The key is 32 random bytes from configuration (TIKTOK_TOKEN_ENCRYPTION_KEY,
// base64), never stored beside the data.

const SEAL_VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class TokenEncryptionKeyError extends Error {
  override readonly name = "TokenEncryptionKeyError";
}

/** A sealed token that does not open: tampered with, sealed for another seller, or with another key. */
export class TokenDecryptionError extends Error {
  override readonly name = "TokenDecryptionError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const normalised = base64.trim().replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(normalised.padEnd(Math.ceil(normalised.length / 4) * 4, "="));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Imports the configured key; refuses anything but exactly 32 bytes of base64. The message never repeats the value. */
export async function importTokenEncryptionKey(base64Key: string | undefined): Promise<CryptoKey> {
  if (base64Key === undefined || base64Key.trim() === "") throw new TokenEncryptionKeyError("TIKTOK_TOKEN_ENCRYPTION_KEY is not set");
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = base64ToBytes(base64Key);
  } catch {
    throw new TokenEncryptionKeyError("TIKTOK_TOKEN_ENCRYPTION_KEY is not base64");
  }
  if (raw.length !== KEY_BYTES) throw new TokenEncryptionKeyError(`TIKTOK_TOKEN_ENCRYPTION_KEY must be ${KEY_BYTES} bytes of base64, got ${raw.length} bytes`);
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/** 32 random bytes as base64: a new TIKTOK_TOKEN_ENCRYPTION_KEY. */
export function generateTokenEncryptionKey(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

/** `v1.<base64 of iv ‖ ciphertext ‖ tag>`: the version lets a later key rotation tell seals apart. */
export async function sealToken(key: CryptoKey, token: string, sellerOpenId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(sellerOpenId) }, key, encoder.encode(token)),
  );
  const sealed = new Uint8Array(IV_BYTES + ciphertext.length);
  sealed.set(iv);
  sealed.set(ciphertext, IV_BYTES);
  return `${SEAL_VERSION}.${bytesToBase64(sealed)}`;
}

export async function openToken(key: CryptoKey, sealed: string, sellerOpenId: string): Promise<string> {
  const [version, body, ...rest] = sealed.split(".");
  if (version !== SEAL_VERSION || body === undefined || rest.length > 0) throw new TokenDecryptionError("not a sealed token");
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(body);
  } catch {
    throw new TokenDecryptionError("not a sealed token");
  }
  // The GCM tag alone is 16 bytes.
  if (bytes.length < IV_BYTES + 16) throw new TokenDecryptionError("sealed token is truncated");
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(sellerOpenId) },
      key,
      bytes.subarray(IV_BYTES),
    );
    return decoder.decode(plaintext);
  } catch {
    throw new TokenDecryptionError("sealed token does not open with this key for this seller");
  }
}
