// Stock adjustments made offline, kept in IndexedDB so that both the dashboard and the
// service worker can send them: the worker on a Background Sync `sync` event, even with no
// page of the app open; the page itself whenever it is open and online (the only way where
// Background Sync is missing). What came of each one sent (saved, or refused, a 412 with the
// current count) is kept beside the queue until a dashboard shows it to the creator.
//
// Serwist's BackgroundSyncQueue was the first candidate and does not fit: it replays stored
// Requests and drops their answers (a 412 would vanish unseen), deletes entries silently
// after a retention time, keeps no one-per-SKU rule, and the page cannot list what is waiting.
//
// Runs in the page and in the service worker: relative imports only, no window.
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { AdjustmentResponse } from "../dashboard/dashboard-api.ts";

const DATABASE = "creatorflow-offline";
const VERSION = 1;
/** The Background Sync tag the page registers and the service worker answers. */
export const ADJUSTMENT_SYNC_TAG = "creatorflow-stock-adjustments";
/** What the service worker posts to open pages once it has sent queued adjustments. */
export const ADJUSTMENTS_SENT_MESSAGE = "creatorflow:stock-adjustments-sent";
/** Page and worker send one at a time, so no adjustment is sent (and its answer kept) twice. */
const SENDING_LOCK = "creatorflow-stock-adjustments";

/** A stock adjustment made offline: sent as it was made (same command id, same expected version). */
export interface QueuedAdjustment {
  creatorId: string;
  skuId: string;
  newTotal: number;
  expectedVersion: number;
  commandId: string;
  queuedAt: string;
}

/** A queued adjustment the server has answered, waiting for a dashboard to show the answer. */
export interface SentAdjustment {
  creatorId: string;
  skuId: string;
  commandId: string;
  newTotal: number;
  answer: AdjustmentResponse;
  sentAt: string;
}

interface OfflineSchema extends DBSchema {
  queued: { key: string; value: QueuedAdjustment; indexes: { creator: string } };
  sent: { key: string; value: SentAdjustment; indexes: { creator: string } };
}

/**
 * Opens the database for one piece of work and closes it after: an open connection would
 * block sign-out's deletion of the database.
 */
async function withDatabase<T>(work: (database: IDBPDatabase<OfflineSchema>) => Promise<T>): Promise<T> {
  const database = await openDB<OfflineSchema>(DATABASE, VERSION, {
    upgrade(created) {
      created.createObjectStore("queued", { keyPath: "commandId" }).createIndex("creator", "creatorId");
      created.createObjectStore("sent", { keyPath: "commandId" }).createIndex("creator", "creatorId");
    },
  });
  try {
    return await work(database);
  } finally {
    database.close();
  }
}

/** One queued adjustment per SKU: a later one replaces an earlier one still waiting. */
export function queueAdjustment(adjustment: QueuedAdjustment): Promise<void> {
  return withDatabase(async (database) => {
    const transaction = database.transaction("queued", "readwrite");
    for (const waiting of await transaction.store.index("creator").getAll(adjustment.creatorId)) {
      if (waiting.skuId === adjustment.skuId) await transaction.store.delete(waiting.commandId);
    }
    await transaction.store.put(adjustment);
    await transaction.done;
  });
}

/** Oldest first; every creator's when none is named (the service worker sends them all). */
export function queuedAdjustments(creatorId?: string): Promise<QueuedAdjustment[]> {
  return withDatabase(async (database) => {
    const all = creatorId === undefined ? await database.getAll("queued") : await database.getAllFromIndex("queued", "creator", creatorId);
    return all.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  });
}

/** Takes the answers waiting to be shown on this creator's dashboard (they are shown once). */
export function takeSentAdjustments(creatorId: string): Promise<SentAdjustment[]> {
  return withDatabase(async (database) => {
    const transaction = database.transaction("sent", "readwrite");
    const sent = await transaction.store.index("creator").getAll(creatorId);
    for (const one of sent) await transaction.store.delete(one.commandId);
    await transaction.done;
    return sent.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  });
}

/** The queue leaves nothing behind: on sign-out, with the rest of the device's data. */
export async function clearAdjustmentQueue(): Promise<void> {
  if (typeof indexedDB !== "undefined") await deleteDB(DATABASE);
}

export type PostQueuedAdjustment = (adjustment: QueuedAdjustment) => Promise<AdjustmentResponse>;

export interface SendResult {
  /** Answered by the server: removed from the queue, the answer kept to be shown. */
  sent: SentAdjustment[];
  /** Tried, and still queued: the server was out of reach, or the session is not this creator's. */
  kept: QueuedAdjustment[];
  /** The server could not be reached: whatever is left waits for the connection. */
  unreachable: boolean;
}

/**
 * Sends the queued adjustments, oldest first, each as it was made: the same command id (a
 * repeat appends nothing) and the version the creator saw (a change made meanwhile answers
 * 412 with the current count; nothing is overwritten). `onSending` hears of each as it goes.
 */
export async function sendQueuedAdjustments(options: { creatorId?: string; post: PostQueuedAdjustment; onSending?: (adjustment: QueuedAdjustment) => void; now?: () => Date }): Promise<SendResult> {
  const now = options.now ?? (() => new Date());
  return oneSenderAtATime(async () => {
    const result: SendResult = { sent: [], kept: [], unreachable: false };
    for (const adjustment of await queuedAdjustments(options.creatorId)) {
      options.onSending?.(adjustment);
      const answer = await options.post(adjustment);
      if (!answer.ok && answer.status === 0) {
        result.kept.push(adjustment);
        result.unreachable = true;
        break;
      }
      // No session, or another account's (the device changed hands): the creator's own
      // dashboard sends it once they are signed in again.
      if (!answer.ok && (answer.status === 401 || answer.status === 403)) {
        result.kept.push(adjustment);
        continue;
      }
      const sent: SentAdjustment = { creatorId: adjustment.creatorId, skuId: adjustment.skuId, commandId: adjustment.commandId, newTotal: adjustment.newTotal, answer, sentAt: now().toISOString() };
      await withDatabase(async (database) => {
        const transaction = database.transaction(["queued", "sent"], "readwrite");
        await transaction.objectStore("queued").delete(adjustment.commandId);
        await transaction.objectStore("sent").put(sent);
        await transaction.done;
      });
      result.sent.push(sent);
    }
    return result;
  });
}

function oneSenderAtATime<T>(work: () => Promise<T>): Promise<T> {
  // Web Locks reach across the pages and the service worker of the origin. Where missing,
  // the command id still keeps a second send from appending anything.
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return locks ? (locks.request(SENDING_LOCK, work) as Promise<T>) : work();
}
