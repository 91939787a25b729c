// What the dashboard keeps on the device so it opens offline: the creator's last snapshot,
// per creator in localStorage (small, synchronous, read before the first paint after a
// reload). Stock adjustments made offline wait in IndexedDB (adjustment-queue.ts), where the
// service worker can send them too. Sign-out deletes all of it, with the service worker's
// page copies, so the next person on the device sees nothing of it.
import type { DashboardSnapshot } from "../dashboard/dashboard-types.ts";
import { ADJUSTMENT_SYNC_TAG, clearAdjustmentQueue, queueAdjustment, type QueuedAdjustment } from "./adjustment-queue.ts";

const PREFIX = "creatorflow:";
const snapshotKey = (creatorId: string) => `${PREFIX}snapshot:${creatorId}`;
/** Where adjustments waited before they moved to IndexedDB. */
const legacyQueueKey = (creatorId: string) => `${PREFIX}queued-adjustments:${creatorId}`;
/** The service worker's cache of pages (src/service-worker/sw.ts). */
export const PAGES_CACHE = "creatorflow-pages";

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    // Storage disabled (private mode, policy): the dashboard works, just not offline.
    return null;
  }
}

function readJson<T>(key: string): T | null {
  const text = storage()?.getItem(key);
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function writeJson(key: string, value: unknown): void {
  try {
    storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // Quota exceeded: the previous copy stays, which is still a valid (older) snapshot.
  }
}

export function loadSnapshot(creatorId: string): DashboardSnapshot | null {
  const snapshot = readJson<DashboardSnapshot>(snapshotKey(creatorId));
  return snapshot && snapshot.creatorId === creatorId && typeof snapshot.sequence === "number" ? snapshot : null;
}

export function saveSnapshot(snapshot: DashboardSnapshot): void {
  writeJson(snapshotKey(snapshot.creatorId), snapshot);
}

/**
 * Moves adjustments an earlier version of the app queued in localStorage into the queue the
 * service worker also reads, so an update never loses one.
 */
export async function moveLegacyQueuedAdjustments(creatorId: string): Promise<void> {
  const legacy = readJson<Omit<QueuedAdjustment, "creatorId">[]>(legacyQueueKey(creatorId));
  if (!Array.isArray(legacy)) return;
  for (const entry of legacy) {
    if (typeof entry?.skuId === "string" && typeof entry.commandId === "string") await queueAdjustment({ ...entry, creatorId });
  }
  storage()?.removeItem(legacyQueueKey(creatorId));
}

/**
 * Asks the browser to wake the service worker (a `sync` event) once the connection is back,
 * even if no page of the app is open then. False where Background Sync is missing: the page
 * sends the queue itself whenever it is open and online, there and everywhere.
 */
export async function requestBackgroundSend(): Promise<boolean> {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return false;
  const registration = (await navigator.serviceWorker.getRegistration()) as (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }) | undefined;
  if (!registration?.active || !registration.sync) return false;
  await registration.sync.register(ADJUSTMENT_SYNC_TAG);
  return true;
}

/** Everything this app kept on the device: on sign-out. */
export async function clearDeviceData(): Promise<void> {
  const store = storage();
  if (store) {
    for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
  }
  if (typeof caches !== "undefined") await caches.delete(PAGES_CACHE).catch(() => false);
  await clearAdjustmentQueue().catch(() => undefined);
}

/**
 * Asks the service worker to keep a copy of this page when it has none: a page reached by a
 * client-side navigation (after signing in) or loaded before the worker existed never went
 * through it as a document, and without that copy a reload offline has nothing to show.
 */
export async function keepThisPageForOffline(): Promise<void> {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator) || typeof caches === "undefined") return;
  const registration = await navigator.serviceWorker.ready;
  if (await (await caches.open(PAGES_CACHE)).match(location.href)) return;
  // Serwist's CACHE_URLS message: the worker fetches the page through its own page route.
  registration.active?.postMessage({ type: "CACHE_URLS", payload: { urlsToCache: [[location.href, { headers: { accept: "text/html" } }]] } });
}
