// The installed app on a phone: the service worker keeps the dashboard for offline use,
// an adjustment made offline is sent on reconnect (by the page, or by the service worker's
// background sync with no page open), and a push shows the alert's notification.
import { randomUUID } from "node:crypto";
import { expect, test, type BrowserContext, type CDPSession, type Page } from "@playwright/test";
import { ADJUSTMENT_SYNC_TAG } from "../../src/lib/offline/adjustment-queue.ts";
import { pushedAlertFor } from "../../src/core/notifications/pushed-alert.ts";
import { openStockAlert } from "../alert-data.ts";
import { CREATOR1_ID, signIn } from "./dashboard-helpers.ts";
import { e2eDatabase } from "./admin-helpers.ts";
import { phoneContext } from "./mobile-helpers.ts";

/** Waits until the service worker controls the page and has kept a copy of it (first visit: no reload). */
async function controlledByServiceWorker(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect.poll(() => page.evaluate(async () => (await (await caches.open("creatorflow-pages")).match(location.href)) !== undefined)).toBe(true);
}

test("the app is installable: manifest with icons, standalone, and theme colours for light and dark", async ({ page, request }) => {
  await page.goto("/sign-in");
  const manifestHref = await page.locator('link[rel="manifest"]').getAttribute("href");
  expect(manifestHref).toBe("/manifest.webmanifest");
  const manifest = (await (await request.get(manifestHref!)).json()) as { display: string; start_url: string; icons: { sizes: string; purpose: string }[] };
  expect(manifest.display).toBe("standalone");
  expect(manifest.start_url).toBe("/dashboard");
  expect(manifest.icons.filter((icon) => icon.sizes === "512x512").map((icon) => icon.purpose).sort()).toEqual(["any", "maskable"]);
  for (const icon of manifest.icons as unknown as { src: string }[]) expect((await request.get(icon.src)).status()).toBe(200);
  const themes = await page.locator('meta[name="theme-color"]').evaluateAll((metas) => metas.map((meta) => meta.getAttribute("media")));
  expect(themes.sort()).toEqual(["(prefers-color-scheme: dark)", "(prefers-color-scheme: light)"]);
  const worker = await request.get("/sw.js");
  expect(worker.status()).toBe(200);
  expect(await worker.text()).toContain("showNotification");
});

test("offline, a reload shows the last dashboard with the offline badge, and an adjustment made offline is sent on reconnect and confirmed", async ({ browser }) => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  try {
    await signIn(page, "creator1@example.com");
    await controlledByServiceWorker(page);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
    const row = page.locator("tr[data-sku]").first();
    const skuId = (await row.getAttribute("data-sku"))!;
    const shownOnline = await page.getByTestId(`available-${skuId}`).textContent();

    await context.setOffline(true);
    const reload = await page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    await expect(page.getByTestId("offline-since")).toBeVisible();
    await expect(page.getByTestId(`available-${skuId}`)).toHaveText(shownOnline!);

    const current = Number((await page.getByLabel(`New stock count for ${skuId}`).getAttribute("placeholder")) ?? "0");
    const newTotal = current + 7;
    await page.getByLabel(`New stock count for ${skuId}`).fill(String(newTotal));
    await page.getByRole("button", { name: `Set stock of ${skuId}` }).click();
    await expect(page.getByTestId(`available-${skuId}`)).toContainText("pending: sends when online");

    await context.setOffline(false);
    await expect(page.getByTestId("adjust-notice")).toContainText(`Stock of ${skuId} saved: ${newTotal} in stock.`);
    await expect(page.getByTestId(`available-${skuId}`)).not.toContainText("pending");
    // The channel rejoins on its own backoff (up to 10 s between tries).
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live", { timeout: 30_000 });
  } finally {
    await context.close();
  }
});

/** The app's service worker registration, as the DevTools protocol names it. */
async function serviceWorkerRegistrationId(cdp: CDPSession, baseURL: string): Promise<string> {
  const registrationId = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((registration) => registration.scopeURL === `${baseURL}/` && !registration.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  return registrationId;
}

/** How many entries a store of the offline database holds, read inside the service worker (no page of the app needed). */
async function offlineStoreCount(context: BrowserContext, store: "queued" | "sent"): Promise<number> {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  return worker.evaluate(async (name) => {
    // Opening a database that is not there would create it empty, at a version the app then takes for its own.
    if (!(await indexedDB.databases()).some((database) => database.name === "creatorflow-offline")) return 0;
    return new Promise<number>((resolve, reject) => {
      const opening = indexedDB.open("creatorflow-offline");
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const database = opening.result;
        const counting = database.transaction(name).objectStore(name).count();
        counting.onsuccess = () => (database.close(), resolve(counting.result));
        counting.onerror = () => (database.close(), reject(counting.error));
      };
    });
  }, store);
}

/**
 * Signs in on a phone, cuts the network and sets a SKU's stock: the change is queued on the
 * device with a background sync asked for. Then closes every page of the app, keeping a
 * blank one for the DevTools session; `meanwhile` runs before the network comes back.
 */
async function queueOfflineAndClose(context: BrowserContext, skuIndex: number, change: number, meanwhile: (seen: { skuId: string; total: number; version: number }) => Promise<void> = async () => {}) {
  const page = await context.newPage();
  await signIn(page, "creator1@example.com");
  await controlledByServiceWorker(page);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
  const skuId = (await page.locator("tr[data-sku]").nth(skuIndex).getAttribute("data-sku"))!;
  const dashboard = (await (await page.request.get("/api/dashboard")).json()) as { inventory: { skuId: string; total: number; version: number }[] };
  const seen = dashboard.inventory.find((row) => row.skuId === skuId)!;

  await context.setOffline(true);
  const newTotal = seen.total + change;
  await page.getByLabel(`New stock count for ${skuId}`).fill(String(newTotal));
  await page.getByRole("button", { name: `Set stock of ${skuId}` }).click();
  await expect(page.getByTestId(`available-${skuId}`)).toContainText("pending: sends when online");
  await expect.poll(() => page.evaluate(async () => ((await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync: { getTags(): Promise<string[]> } }).sync.getTags())).toContain(ADJUSTMENT_SYNC_TAG);

  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const origin = new URL(page.url()).origin;
  // Still on the device, not sent: what happens next is the service worker's doing.
  expect(await offlineStoreCount(context, "queued")).toBe(1);
  await page.close();
  expect(context.pages()).toEqual([blank]);
  await meanwhile({ skuId, total: seen.total, version: seen.version });
  expect(await offlineStoreCount(context, "queued")).toBe(1);
  await context.setOffline(false);
  return { skuId, seen, newTotal, cdp, origin };
}

test("with no page of the app open, the service worker's background sync sends an adjustment queued offline, and the dashboard shows it saved when opened next", async ({ browser, baseURL }) => {
  const context = await phoneContext(browser);
  const sql = e2eDatabase();
  try {
    const { skuId, newTotal, cdp, origin } = await queueOfflineAndClose(context, 0, 11);
    await cdp.send("ServiceWorker.dispatchSyncEvent", { origin, registrationId: await serviceWorkerRegistrationId(cdp, baseURL!), tag: ADJUSTMENT_SYNC_TAG, lastChance: false });

    await expect
      .poll(async () => (await sql<{ total: number }[]>`select total from public.inventory_levels where creator_id = ${CREATOR1_ID}::uuid and sku_id = ${skuId}`)[0]?.total, { timeout: 30_000 })
      .toBe(newTotal);
    await expect.poll(() => offlineStoreCount(context, "queued")).toBe(0);

    const page = await context.newPage();
    await page.goto("/dashboard");
    await expect(page.getByTestId("adjust-notice")).toContainText(`Stock of ${skuId} saved: ${newTotal} in stock.`);
    await expect(page.getByTestId(`available-${skuId}`)).not.toContainText("pending");
    // Shown once: the device keeps nothing more to report.
    await expect.poll(() => offlineStoreCount(context, "sent")).toBe(0);
  } finally {
    await context.close();
    await sql.end({ timeout: 5 });
  }
});

test("a queued adjustment the background sync finds overtaken (412) changes nothing, and the dashboard shows the conflict with the current count", async ({ browser, baseURL }) => {
  const context = await phoneContext(browser);
  const elsewhere = await browser.newContext();
  const sql = e2eDatabase();
  try {
    // While the phone is offline, the creator sets the stock from another device, at the version the queued change saw.
    let otherTotal = 0;
    const { skuId, newTotal, cdp, origin } = await queueOfflineAndClose(context, 1, 5, async (seen) => {
      const other = await elsewhere.newPage();
      await signIn(other, "creator1@example.com");
      otherTotal = seen.total + 3;
      const answer = await other.request.post(`/api/inventory/${encodeURIComponent(seen.skuId)}/adjust`, { data: { newTotal: otherTotal, expectedVersion: seen.version, commandId: randomUUID() } });
      expect(answer.status()).toBe(200);
    });

    await cdp.send("ServiceWorker.dispatchSyncEvent", { origin, registrationId: await serviceWorkerRegistrationId(cdp, baseURL!), tag: ADJUSTMENT_SYNC_TAG, lastChance: false });
    await expect.poll(() => offlineStoreCount(context, "sent"), { timeout: 30_000 }).toBe(1);
    expect(await offlineStoreCount(context, "queued")).toBe(0);
    const [level] = await sql<{ total: number }[]>`select total from public.inventory_levels where creator_id = ${CREATOR1_ID}::uuid and sku_id = ${skuId}`;
    expect(level!.total).toBe(otherTotal);

    const page = await context.newPage();
    await page.goto("/dashboard");
    const notice = page.getByTestId("adjust-notice");
    await expect(notice).toHaveAttribute("role", "alert");
    await expect(notice).toContainText(`Stock of ${skuId} changed while you were editing (now ${otherTotal} in stock`);
    await expect(notice).toContainText(`Your change to ${newTotal} was not saved.`);
  } finally {
    await elsewhere.close();
    await context.close();
    await sql.end({ timeout: 5 });
  }
});

/**
 * Watches the app's running service worker for its next showNotification() and returns a wait
 * for it to resolve, i.e. for the notification to be on display (the worker's own call still
 * shows it). Reading getNotifications() any earlier loses it in Chromium: a read that starts
 * after the worker stored the notification but before the platform has it on display deletes it
 * from the browser's notification database as closed (platform_notification_context_impl.cc,
 * DoReadAllNotificationDataForServiceWorkerRegistration). It stays on screen and every later read
 * lists nothing, which is how polling getNotifications() during the push failed under load.
 * The worker keeps running meanwhile: DevTools (Playwright) is attached to it.
 */
async function whenTheWorkerHasShownANotification(context: BrowserContext): Promise<() => Promise<void>> {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  await worker.evaluate(() => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration; notificationShown?: Promise<void> };
    const showNotification = scope.registration.showNotification.bind(scope.registration);
    scope.notificationShown = new Promise<void>((resolve, reject) => {
      scope.registration.showNotification = (title, options) => {
        const showing = showNotification(title, options);
        showing.then(resolve, reject);
        return showing;
      };
    });
  });
  return () => worker.evaluate(() => (self as unknown as { notificationShown: Promise<void> }).notificationShown);
}

test("the service worker shows the notification for a pushed alert, tagged by alert and leading to the product", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  await context.grantPermissions(["notifications"], { origin: baseURL });
  const page = await context.newPage();
  try {
    await signIn(page, "creator1@example.com");
    await controlledByServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const registrationId = serviceWorkerRegistrationId(cdp, baseURL!);
    const pushed = pushedAlertFor(openStockAlert("E2E-PUSH-SKU", { creatorId: CREATOR1_ID }))!;
    const shown = await whenTheWorkerHasShownANotification(context);
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: new URL(baseURL!).origin, registrationId: await registrationId, data: JSON.stringify(pushed) });
    await shown();

    // Read once, with the notification on display (see whenTheWorkerHasShownANotification).
    const notifications = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((notification) => ({ title: notification.title, body: notification.body, tag: notification.tag, data: notification.data as unknown }));
    });
    expect(notifications).toEqual([{ title: pushed.title, body: pushed.body, tag: `alert-${pushed.alertId}`, data: { alertId: pushed.alertId, kind: "stock_out", url: "/dashboard#sku-E2E-PUSH-SKU" } }]);
  } finally {
    await context.close();
  }
});

/** How many LCP entries the browser holds for this document (buffered entries are in the observer as it starts). */
function largestContentfulPaints(): number {
  const observer = new PerformanceObserver(() => undefined);
  observer.observe({ type: "largest-contentful-paint", buffered: true });
  const count = observer.takeRecords().length;
  observer.disconnect();
  return count;
}

test("a real session reports its Core Web Vitals for the operator's metrics when the page is left", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    const before = await sql<{ count: number }[]>`select count(*)::int as count from web_vitals_samples where page = 'dashboard' and metric = 'LCP'`;
    await signIn(page, "creator1@example.com");
    // The worker is active before the reload below: one that activates (and claims its clients)
    // while that navigation is under way claims the page being left, so the new one would stay
    // uncontrolled until its next load.
    await controlledByServiceWorker(page);
    // A document load of the dashboard (signing in reaches it by a client-side navigation, which has no LCP of its own).
    await page.goto("/dashboard");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
    // As on a phone that has the app: the report leaves a page the service worker controls, and
    // does not go through it (a worker still starting as the page went lost it: see sw.ts).
    await controlledByServiceWorker(page);
    const apiAnswer = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/health");
    await page.evaluate(() => fetch("/api/health"));
    expect((await apiAnswer).fromServiceWorker()).toBe(false);
    // The browser has an LCP candidate for this document (what web-vitals reports when the page is hidden).
    await expect.poll(() => page.evaluate(largestContentfulPaints)).toBeGreaterThan(0);
    // Leaving the page hides it: that is when LCP and CLS are final and the reporter sends them.
    // Not to /sign-out: signing out revokes the session the report is sent under, a race it can lose.
    await page.goto("about:blank");
    await expect.poll(async () => (await sql<{ count: number }[]>`select count(*)::int as count from web_vitals_samples where page = 'dashboard' and metric = 'LCP'`)[0]!.count).toBeGreaterThan(before[0]!.count);
    const [latest] = await sql<{ value: number; form_factor: string }[]>`select value, form_factor from web_vitals_samples where page = 'dashboard' and metric = 'LCP' order by id desc limit 1`;
    expect(latest!.value).toBeGreaterThan(0);
    expect(latest!.form_factor).toBe("desktop");
  } finally {
    await sql.end({ timeout: 5 });
  }
});
