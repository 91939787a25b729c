// The app's service worker, built by Serwist (scripts/build-service-worker.ts) into
// public/sw.js after `next build`. It keeps the app shell and the pages last opened so the
// dashboard opens offline (the page itself keeps its last snapshot), sends the stock
// changes queued offline when the connection returns (Background Sync, even with no page
// open), and shows the creator's push notifications.
// Creator data fetched from /api/* is never kept here: the page keeps its own snapshot,
// scoped to the creator, and sign-out clears both.
import { CacheFirst, ExpirationPlugin, NetworkFirst, NetworkOnly, Serwist, StaleWhileRevalidate, type PrecacheEntry, type SerwistGlobalConfig } from "serwist";
import { adjustmentPoster } from "../lib/dashboard/dashboard-api.ts";
import { ADJUSTMENT_SYNC_TAG, ADJUSTMENTS_SENT_MESSAGE, sendQueuedAdjustments } from "../lib/offline/adjustment-queue.ts";
import { notificationFromPush, type PushedAlert } from "./push-notification.ts";

declare global {
  interface WorkerGlobalScope extends SerwistGlobalConfig {
    __SW_MANIFEST: (PrecacheEntry | string)[] | undefined;
  }
}
declare const self: ServiceWorkerGlobalScope;

/** Page copies, named so sign-out can delete them (PAGES_CACHE in src/lib/offline/device-storage.ts). */
const PAGES_CACHE = "creatorflow-pages";

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  skipWaiting: true,
  clientsClaim: true,
  navigationPreload: true,
  runtimeCaching: [
    // Hashed build output never changes under its name.
    { matcher: /\/_next\/static\/.+$/i, handler: new CacheFirst({ cacheName: "creatorflow-static", plugins: [new ExpirationPlugin({ maxEntries: 200, maxAgeSeconds: 30 * 24 * 60 * 60 })] }) },
    { matcher: /\/icons\/.+\.(?:png|svg)$/i, handler: new StaleWhileRevalidate({ cacheName: "creatorflow-icons" }) },
    // Creator data: always from the network (the page keeps its own copy for offline use).
    { matcher: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith("/api/"), handler: new NetworkOnly() },
    // Pages and their RSC payloads: the network first; offline, the copy from the last visit.
    // (A page asks for its own copy, as HTML, the first time the worker takes it over.)
    {
      matcher: ({ request, sameOrigin }) => sameOrigin && (request.mode === "navigate" || request.headers.get("RSC") === "1" || request.headers.get("accept") === "text/html"),
      handler: new NetworkFirst({ cacheName: PAGES_CACHE, networkTimeoutSeconds: 5, plugins: [new ExpirationPlugin({ maxEntries: 32, maxAgeSeconds: 7 * 24 * 60 * 60 })] }),
    },
  ],
  fallbacks: { entries: [{ url: "/offline.html", matcher: ({ request }) => request.destination === "document" }] },
  // Where the browser has the Static Routing API (Chromium), it sends /api/* to the network
  // itself, without starting this worker or dispatching a fetch event; the NetworkOnly rule
  // above is for the other browsers. Through this worker, a request made as the page is left
  // (the Core Web Vitals report, a keepalive fetch) is re-sent by the worker's own fetch, which
  // need not outlive the page: under load the report was lost, its upload aborted.
  requestRules: { condition: { urlPattern: "/api/*" }, source: "network" },
});

self.addEventListener("push", (event) => {
  const notification = notificationFromPush(event.data?.text() ?? null);
  if (!notification) return;
  event.waitUntil(self.registration.showNotification(notification.title, notification.options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data as Partial<PushedAlert> | null;
  const target = new URL(typeof data?.url === "string" ? data.url : "/dashboard", self.location.origin);
  // Only this app's own pages: a payload cannot send the creator elsewhere.
  const url = target.origin === self.location.origin ? target.href : new URL("/dashboard", self.location.origin).href;
  event.waitUntil(openOrFocus(url));
});

// Background Sync's event type comes from Serwist's declarations (TypeScript's worker library has none).
self.addEventListener("sync", (event) => {
  if (event.tag === ADJUSTMENT_SYNC_TAG) event.waitUntil(sendQueuedStockAdjustments());
});

/**
 * Sends every queued stock adjustment, each for its own creator (the server refuses a session
 * that is not that creator's, and the adjustment waits for theirs), keeps the answers for the
 * dashboard to show, and tells the open pages. Throws while the server is out of reach, so
 * the browser fires the sync again later.
 */
async function sendQueuedStockAdjustments(): Promise<void> {
  const { sent, unreachable } = await sendQueuedAdjustments({
    post: ({ creatorId, skuId, newTotal, expectedVersion, commandId }) => adjustmentPoster(creatorId)(skuId, { newTotal, expectedVersion, commandId }),
  });
  if (sent.length > 0) {
    for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: ADJUSTMENTS_SENT_MESSAGE });
  }
  if (unreachable) throw new Error("The server could not be reached; the queued stock adjustments wait for the next sync.");
}

async function openOrFocus(url: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).pathname.startsWith("/dashboard")) {
      await client.focus();
      await client.navigate(url);
      return;
    }
  }
  await self.clients.openWindow(url);
}

serwist.addEventListeners();
