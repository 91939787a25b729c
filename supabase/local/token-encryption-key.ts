// The local stack's TIKTOK_TOKEN_ENCRYPTION_KEY: generated once and kept in the local state
// folder beside the stand-in's signing keys, so the sellers' tokens sealed in the local
// database still open after a restart. Production sets the variable itself.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateTokenEncryptionKey } from "../../src/core/shops/token-encryption.ts";
import { localStateDir } from "./postgres.ts";

export const TOKEN_KEY_FILE_NAME = "tiktok-token-encryption-key";

export function loadOrCreateTokenEncryptionKey(dir: string = localStateDir()): string {
  const file = path.join(dir, TOKEN_KEY_FILE_NAME);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const key = generateTokenEncryptionKey();
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
