// The installed app on a phone: the service worker keeps the dashboard for offline use,
// an adjustment made offline is sent on reconnect, and a push shows the alert's notification.
import { expect, test, type Page } from "@playwright/test";
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

test("the service worker shows the notification for a pushed alert, tagged by alert and leading to the product", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  await context.grantPermissions(["notifications"], { origin: baseURL });
  const page = await context.newPage();
  try {
    await signIn(page, "creator1@example.com");
    await controlledByServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const ours = registrations.find((registration) => registration.scopeURL === `${baseURL}/` && !registration.isDeleted);
        if (ours) resolve(ours.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    const pushed = pushedAlertFor(openStockAlert("E2E-PUSH-SKU", { creatorId: CREATOR1_ID }))!;
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: new URL(baseURL!).origin, registrationId: await registrationId, data: JSON.stringify(pushed) });

    await expect
      .poll(() =>
        page.evaluate(async () => {
          const registration = await navigator.serviceWorker.ready;
          return (await registration.getNotifications()).map((notification) => ({ title: notification.title, body: notification.body, tag: notification.tag, data: notification.data as unknown }));
        }),
      )
      .toEqual([{ title: pushed.title, body: pushed.body, tag: `alert-${pushed.alertId}`, data: { alertId: pushed.alertId, kind: "stock_out", url: "/dashboard#sku-E2E-PUSH-SKU" } }]);
  } finally {
    await context.close();
  }
});

test("a real session reports its Core Web Vitals for the operator's metrics when the page is left", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    const before = await sql<{ count: number }[]>`select count(*)::int as count from web_vitals_samples where page = 'dashboard' and metric = 'LCP'`;
    await signIn(page, "creator1@example.com");
    // A document load of the dashboard (signing in reaches it by a client-side navigation, which has no LCP of its own).
    await page.goto("/dashboard");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
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
