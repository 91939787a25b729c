// The local stand-in's signing keys may sit in a shared temporary folder: it trusts only keys
// that are this user's alone.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KEYS_FILE_NAME, keysPathProblem, loadOrCreateSigningKeys } from "../../../supabase/local/stand-in/signing-keys.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function keysFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), "signing-keys-test-"));
  folders.push(folder);
  return folder;
}

describe("local signing keys", () => {
  it("creates keys readable by this user only and loads them again", async () => {
    const folder = keysFolder();
    const created = await loadOrCreateSigningKeys(folder);
    const loaded = await loadOrCreateSigningKeys(folder);
    expect(loaded.kid).toBe(created.kid);
    expect(loaded.serviceRoleKey).toBe(created.serviceRoleKey);
  });

  it("refuses a keys file other users can read", async () => {
    const folder = keysFolder();
    await loadOrCreateSigningKeys(folder);
    chmodSync(path.join(folder, KEYS_FILE_NAME), 0o644);
    await expect(loadOrCreateSigningKeys(folder)).rejects.toThrow(/supabase-stand-in-keys\.json is open to other users \(mode 644\)\. Delete it/);
  });

  it("refuses a keys folder other users can write to", async () => {
    const folder = keysFolder();
    await loadOrCreateSigningKeys(folder);
    chmodSync(folder, 0o777);
    await expect(loadOrCreateSigningKeys(folder)).rejects.toThrow(/the folder .* is open to other users \(mode 777\)/);
  });

  it("refuses a file or folder that belongs to another account", () => {
    expect(keysPathProblem("file", "/tmp/x/signing-keys.json", { uid: 1001, mode: 0o100600 }, 0)).toBe(
      "the file /tmp/x/signing-keys.json belongs to uid 1001, not to this user (uid 0)",
    );
    expect(keysPathProblem("folder", "/tmp/x", { uid: 0, mode: 0o40700 }, 0)).toBeUndefined();
  });
});
