// The creator's live dashboard in Chromium against `next start`, the Supabase stand-in
// (Auth, Realtime, the tiktok-webhook and process-events Edge Functions in Deno): signed
// webhooks go in at the Edge Function and must come out on the open page.
import { createClient } from "@supabase/supabase-js";
import { expect, test } from "@playwright/test";
import WebSocket from "ws";
import {
  controlRealtime,
  CREATOR1_ID,
  DEMO_PASSWORD,
  documentIsMarked,
  e2eEnv,
  kpiNumber,
  markDocument,
  newOrderId,
  postOrderWebhook,
  signIn,
} from "./dashboard-helpers.ts";

test("a signed-out visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/dashboard");
  await page.waitForURL("**/sign-in?next=%2Fdashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  const api = await page.request.get("/api/dashboard");
  expect(api.status()).toBe(401);
});

test("wrong credentials are refused with a clear message", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("creator1@example.com");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  // Next's route announcer is an (empty) alert too: pick the form's.
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText("That email and password do not match an account.");
});

test("a webhook order shows up live for its creator and nobody else", async ({ page, browser }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, "creator1@example.com");
  await expect(page.getByTestId("connection-status")).toContainText("Live");
  const ordersBefore = await kpiNumber(page, "orders");
  await markDocument(page);

  const orderId = newOrderId();
  await postOrderWebhook(orderId);

  const row = page.locator(`[data-order-id="${orderId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByText("New", { exact: true })).toBeVisible();
  // It came in a live delta, so the row says how long it took from our webhook endpoint to this page.
  await expect(row.getByTestId("order-arrival")).toHaveText(/^(just now|[\d.]+ s ago) · arrived in [\d.,]+ (ms|s)$/);
  await expect(page.getByTestId("kpi-orders-value")).toHaveText(String(ordersBefore + 1));
  expect(await documentIsMarked(page)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath("dashboard-desktop.png"), fullPage: true });

  await page.setViewportSize({ width: 360, height: 740 });
  await expect(row).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: testInfo.outputPath("dashboard-phone.png"), fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: testInfo.outputPath("dashboard-phone-dark.png"), fullPage: true });

  // Creator 2: a dashboard of its own, without creator 1's order, and no way in to creator 1's data.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "creator2@example.com");
  await expect(otherPage.getByTestId("connection-status")).toContainText("Live");
  await expect(otherPage.locator(`[data-order-id="${orderId}"]`)).toHaveCount(0);
  await expect(otherPage.getByText(orderId)).toHaveCount(0);
  const foreign = await otherPage.request.get(`/api/dashboard?creator=${CREATOR1_ID}`);
  expect(foreign.status()).toBe(403);
  await other.close();

  const supabase = createClient(e2eEnv("E2E_SUPABASE_URL"), e2eEnv("E2E_SUPABASE_ANON_KEY"), {
    auth: { persistSession: false, autoRefreshToken: false },
    // Node 20 has no global WebSocket.
    realtime: { transport: WebSocket as never },
  });
  const { error } = await supabase.auth.signInWithPassword({ email: "creator2@example.com", password: DEMO_PASSWORD });
  expect(error).toBeNull();
  await supabase.realtime.setAuth();
  const joinOutcome = await new Promise<string>((resolve) => {
    supabase.channel(`creator:${CREATOR1_ID}`, { config: { private: true } }).subscribe((status, joinError) => {
      if (status !== "SUBSCRIBED") resolve(`${status}: ${joinError?.message ?? ""}`);
      else resolve(status);
    });
  });
  await supabase.removeAllChannels();
  expect(joinOutcome).toMatch(/^CHANNEL_ERROR: .*Unauthorized/);
});

test("a manual stock adjustment shows at once and is confirmed", async ({ page }) => {
  await signIn(page, "creator1@example.com");
  await expect(page.getByTestId("connection-status")).toContainText("Live");
  const firstRow = page.locator("tbody tr[data-sku]").first();
  const skuId = (await firstRow.getAttribute("data-sku")) ?? "";
  const available = page.getByTestId(`available-${skuId}`);
  const before = Number(((await available.textContent()) ?? "").replace(/[^\d-]/g, ""));
  const target = before + 7;
  const reserved = Number(((await firstRow.locator("td").nth(1).textContent()) ?? "").replace(/[^\d-]/g, ""));
  const newTotal = target + reserved;

  await page.getByLabel(`New stock count for ${skuId}`).fill(String(newTotal));
  await page.getByRole("button", { name: `Set stock of ${skuId}` }).click();

  // Optimistic: the new figure is on screen before the server has answered.
  await expect(available).toContainText(target.toLocaleString("en-US"));
  await expect(page.getByTestId("adjust-notice")).toHaveText(new RegExp(`Stock of ${skuId} saved: ${newTotal.toLocaleString("en-US")} in stock`));
  await expect(available).toHaveText(target.toLocaleString("en-US"));

  // Confirmed by the event store, the projection and a reload alike.
  await page.reload();
  await expect(page.getByTestId(`available-${skuId}`)).toHaveText(target.toLocaleString("en-US"));
});

test("a Realtime outage shows reconnecting, then live, and the page catches up", async ({ page }) => {
  await signIn(page, "creator1@example.com");
  const status = page.getByTestId("connection-status");
  await expect(status).toContainText("Live");
  await markDocument(page);

  await controlRealtime("stop");
  try {
    await expect(status).toContainText("Reconnecting");
    // Sent while the page cannot hear: only the refetch after the rejoin can bring it.
    const missedOrder = newOrderId();
    await postOrderWebhook(missedOrder);
    await controlRealtime("start");
    await expect(status).toContainText("Live", { timeout: 20_000 });
    await expect(page.locator(`[data-order-id="${missedOrder}"]`)).toBeVisible();
  } finally {
    await controlRealtime("start");
  }
  expect(await documentIsMarked(page)).toBe(true);
});
