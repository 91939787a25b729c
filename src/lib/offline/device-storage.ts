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
