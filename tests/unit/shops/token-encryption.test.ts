import { describe, expect, it } from "vitest";
import {
  generateTokenEncryptionKey,
  importTokenEncryptionKey,
  openToken,
  sealToken,
  TokenDecryptionError,
  TokenEncryptionKeyError,
} from "../../../src/core/shops/token-encryption.ts";

const token = "TTP_access.token-value_with/odd+chars";
const seller = "open-id-seller-1";

async function key() {
  return importTokenEncryptionKey(generateTokenEncryptionKey());
}

function flipByte(sealed: string, at: number): string {
  const [version, body] = sealed.split(".");
  const bytes = Uint8Array.from(atob(body!), (char) => char.charCodeAt(0));
  bytes[at] ^= 0x01;
  return `${version}.${btoa(String.fromCharCode(...bytes))}`;
}

describe("token encryption (AES-256-GCM)", () => {
  it("opens what it sealed, for the same seller and key", async () => {
    const k = await key();
    const sealed = await sealToken(k, token, seller);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain(token);
    expect(await openToken(k, sealed, seller)).toBe(token);
  });

  it("uses a fresh IV for every seal, so the same token never seals the same way twice", async () => {
    const k = await key();
    const first = await sealToken(k, token, seller);
    const second = await sealToken(k, token, seller);
    expect(first).not.toBe(second);
    expect(first.slice(3, 19)).not.toBe(second.slice(3, 19));
  });

  it("refuses a sealed token with any byte changed (IV, ciphertext or tag)", async () => {
    const k = await key();
    const sealed = await sealToken(k, token, seller);
    const length = atob(sealed.split(".")[1]!).length;
    for (const at of [0, 11, 12, length - 17, length - 1]) {
      await expect(openToken(k, flipByte(sealed, at), seller)).rejects.toBeInstanceOf(TokenDecryptionError);
    }
  });

  it("refuses a token sealed for another seller (the open_id is the additional data)", async () => {
    const k = await key();
    const sealed = await sealToken(k, token, seller);
    await expect(openToken(k, sealed, "open-id-seller-2")).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it("refuses a token sealed with another key", async () => {
    const sealed = await sealToken(await key(), token, seller);
    await expect(openToken(await key(), sealed, seller)).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it("refuses truncated or malformed seals", async () => {
    const k = await key();
    const sealed = await sealToken(k, token, seller);
    await expect(openToken(k, sealed.slice(0, 20), seller)).rejects.toBeInstanceOf(TokenDecryptionError);
    await expect(openToken(k, `v2.${sealed.slice(3)}`, seller)).rejects.toBeInstanceOf(TokenDecryptionError);
    await expect(openToken(k, token, seller)).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it("accepts only a 32-byte base64 key and never repeats the value in its error", async () => {
    await expect(importTokenEncryptionKey(undefined)).rejects.toThrow(/TIKTOK_TOKEN_ENCRYPTION_KEY is not set/);
    const short = btoa("sixteen-byte-key");
    const error = await importTokenEncryptionKey(short).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenEncryptionKeyError);
    expect((error as Error).message).toMatch(/must be 32 bytes/);
    expect((error as Error).message).not.toContain(short);
    await expect(importTokenEncryptionKey("not base64 at all!")).rejects.toBeInstanceOf(TokenEncryptionKeyError);
  });
});
