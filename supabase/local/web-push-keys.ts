// The local stack's VAPID key pair for Web Push (WEB_PUSH_VAPID_PUBLIC_KEY and
// WEB_PUSH_VAPID_PRIVATE_KEY): generated once and kept in the local state folder beside the
// token encryption key, so the devices subscribed in the local database keep receiving
// pushes after a restart. Production sets the variables itself.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import webpush from "web-push";
import { localStateDir } from "./postgres.ts";

export const VAPID_KEYS_FILE_NAME = "web-push-vapid-keys.json";

export interface VapidKeyPair {
  publicKey: string;
  privateKey: string;
}

export function loadOrCreateVapidKeys(dir: string = localStateDir()): VapidKeyPair {
  const file = path.join(dir, VAPID_KEYS_FILE_NAME);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as VapidKeyPair;
  const keys = webpush.generateVAPIDKeys();
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}

/** The environment the app (public key) and process-events (both keys) read. */
export function vapidEnv(keys: VapidKeyPair): Record<string, string> {
  return { WEB_PUSH_VAPID_PUBLIC_KEY: keys.publicKey, WEB_PUSH_VAPID_PRIVATE_KEY: keys.privateKey, WEB_PUSH_SUBJECT: "mailto:creators@creatorflow.local" };
}
