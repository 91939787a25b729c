// What the dashboard keeps on the device so it opens offline: the creator's last snapshot and
// the stock adjustments made while offline, waiting to be sent. Kept per creator in
// localStorage (small, synchronous, read before the first paint after a reload); sign-out
// deletes all of it, with the service worker's page copies, so the next person on the
// device sees nothing of it.
import type { DashboardSnapshot } from "../dashboard/dashboard-types.ts";

const PREFIX = "creatorflow:";
const snapshotKey = (creatorId: string) => `${PREFIX}snapshot:${creatorId}`;
const queueKey = (creatorId: string) => `${PREFIX}queued-adjustments:${creatorId}`;
/** The service worker's cache of pages (src/service-worker/sw.ts). */
export const PAGES_CACHE = "creatorflow-pages";

/** A stock adjustment made offline: sent as it was made (same command id, same expected version) once online. */
export interface QueuedAdjustment {
  skuId: string;
  newTotal: number;
  expectedVersion: number;
  commandId: string;
  queuedAt: string;
}

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

export function loadQueuedAdjustments(creatorId: string): QueuedAdjustment[] {
  const queued = readJson<QueuedAdjustment[]>(queueKey(creatorId));
  return Array.isArray(queued) ? queued.filter((entry) => typeof entry?.skuId === "string" && typeof entry.commandId === "string") : [];
}

/** One queued adjustment per SKU: a later one replaces an earlier one still waiting. */
export function queueAdjustment(creatorId: string, adjustment: QueuedAdjustment): void {
  const others = loadQueuedAdjustments(creatorId).filter((entry) => entry.skuId !== adjustment.skuId);
  writeJson(queueKey(creatorId), [...others, adjustment]);
}

export function removeQueuedAdjustment(creatorId: string, commandId: string): void {
  const rest = loadQueuedAdjustments(creatorId).filter((entry) => entry.commandId !== commandId);
  if (rest.length === 0) storage()?.removeItem(queueKey(creatorId));
  else writeJson(queueKey(creatorId), rest);
}

/** Everything this app kept on the device: on sign-out. */
export async function clearDeviceData(): Promise<void> {
  const store = storage();
  if (store) {
    for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
  }
  if (typeof caches !== "undefined") await caches.delete(PAGES_CACHE).catch(() => false);
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
