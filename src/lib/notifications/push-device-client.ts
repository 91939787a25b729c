// This device's push notifications, from the browser: the service worker's push
// subscription and the settings the server keeps for it (PUT/DELETE /api/push/devices).
import type { PushKind } from "@/core/notifications/pushed-alert.ts";

export interface PushPreferences {
  kinds: PushKind[];
  /** "HH:MM" in this device's time zone; null: no quiet hours. */
  quietHours: { start: string; end: string } | null;
}

const PREFERENCES_KEY = "creatorflow:push-preferences";

export type PushSupport = "supported" | "unsupported" | "denied";

export function pushSupport(): PushSupport {
  if (typeof window === "undefined" || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return "unsupported";
  return Notification.permission === "denied" ? "denied" : "supported";
}

async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushSupport() === "unsupported") return null;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** The preferences this device last saved, when it is subscribed. */
export async function loadPushPreferences(): Promise<PushPreferences | null> {
  if (!(await currentSubscription())) return null;
  try {
    return JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? "null") as PushPreferences | null;
  } catch {
    return null;
  }
}

function applicationServerKey(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  const bytes = atob(base64);
  const key = new Uint8Array(new ArrayBuffer(bytes.length));
  for (let index = 0; index < bytes.length; index += 1) key[index] = bytes.charCodeAt(index);
  return key;
}

async function failure(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new Error(body?.error?.message ?? `The server answered ${response.status}`);
}

/** Asks for permission if needed, subscribes this device and saves its preferences. */
export async function turnOnPush(preferences: PushPreferences, creatorQuery: string | null): Promise<void> {
  const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
  const config = await fetch(`/api/push/config${query}`, { cache: "no-store" });
  if (!config.ok) throw await failure(config);
  const { publicKey } = (await config.json()) as { publicKey: string | null };
  if (!publicKey) throw new Error("Notifications are not set up on this server yet.");
  if ((await Notification.requestPermission()) !== "granted") throw new Error("Notifications are blocked for this site in the browser's settings.");
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: applicationServerKey(publicKey) }));
  const response = await fetch(`/api/push/devices${query}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ subscription: subscription.toJSON(), ...preferences, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" }),
  });
  if (!response.ok) throw await failure(response);
  localStorage.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
}

/** Removes this device's subscription, on the server and in the browser. */
export async function turnOffPush(creatorQuery: string | null): Promise<void> {
  const subscription = await currentSubscription();
  localStorage.removeItem(PREFERENCES_KEY);
  if (!subscription) return;
  const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
  await fetch(`/api/push/devices${query}`, { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify({ endpoint: subscription.endpoint }) });
  await subscription.unsubscribe();
}
