// A new creator's first minutes, in Chromium against the real pipeline: sign up, connect a
// shop on the simulated TikTok's consent page, watch the import on /onboarding until it is
// done, find the shop's history (orders and stock) on the dashboard, then see a webhook for
// that shop arrive live.
import { expect, test } from "@playwright/test";
import type { Sql } from "postgres";
import { e2eDatabase } from "./admin-helpers.ts";
import { authorizeOnTikTok, creatorIdOf, signUp } from "./connect-helpers.ts";
import { newOrderId, postSignedWebhook } from "./dashboard-helpers.ts";

let sql: Sql;
test.beforeAll(() => {
  sql = e2eDatabase();
});
test.afterAll(async () => {
  await sql.end({ timeout: 5 });
});

test("a new creator connects a shop, the import fills the dashboard, and the shop's next order arrives live", async ({ page }) => {
  test.setTimeout(120_000);
  const email = await signUp(page);
  const creatorId = await creatorIdOf(sql, email);

  await page.getByRole("link", { name: "Connect TikTok Shop" }).click();
  await authorizeOnTikTok(page, "new");
  await page.waitForURL("**/onboarding");
  const [shop] = await sql<{ shop_id: string }[]>`select shop_id from public.tiktok_shops where creator_id = ${creatorId}::uuid`;
  expect(shop).toBeDefined();

  // The import runs in the background (the process-events fulfilment lane); the page follows it.
  const importStep = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Import your shop" }) });
  await expect(importStep).toHaveAttribute("data-status", /current|done/);
  await expect(importStep).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  const [imported] = await sql<{ status: string; orders_imported: number; products_imported: number }[]>`
    select status, orders_imported, products_imported from public.shop_imports where shop_id = ${shop!.shop_id}`;
  expect(imported).toMatchObject({ status: "completed" });
  expect(imported!.orders_imported).toBeGreaterThan(0);
  expect(imported!.products_imported).toBeGreaterThan(0);

  // The dashboard holds the shop's history: its newest order and its stock.
  await page.getByRole("link", { name: /dashboard/i }).first().click();
  await page.waitForURL("**/dashboard");
  await expect(page.getByTestId("connection-status")).toContainText("Live");
  const [newest] = await sql<{ order_id: string }[]>`
    select order_id from public.order_summaries where creator_id = ${creatorId}::uuid order by received_at desc limit 1`;
  await expect(page.locator(`[data-order-id="${newest!.order_id}"]`)).toBeVisible();
  const [sku] = await sql<{ sku_id: string }[]>`select sku_id from public.inventory_levels where creator_id = ${creatorId}::uuid order by sku_id limit 1`;
  await expect(page.getByTestId(`available-${sku!.sku_id}`)).toBeVisible();

  // TikTok's next webhook for the shop shows up live, without a reload.
  const orderId = newOrderId();
  const now = Math.floor(Date.now() / 1000);
  await postSignedWebhook({
    type: 1,
    tts_notification_id: `e2e-import-${orderId}`,
    shop_id: shop!.shop_id,
    timestamp: now,
    data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: now },
  });
  const row = page.locator(`[data-order-id="${orderId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("order-arrival")).toHaveText(/arrived in [\d.,]+ (ms|s)$/);
});
