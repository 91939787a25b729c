// Shared steps of the dashboard specs: signing in through the real form, and TikTok Shop
// order and inventory webhooks signed as TikTok signs them, posted to the tiktok-webhook
// Edge Function.
import { expect, type Page } from "@playwright/test";
import { signWebhook } from "../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { uniqueNumericId } from "../test-data.ts";

export const DEMO_PASSWORD = "creatorflow-demo";
export const CREATOR1_ID = "00000000-0000-4000-8000-000000000001";
/** Creator 1's demo shop (supabase/local/demo-seed.ts). */
export const CREATOR1_SHOP = "7494726673780148744";

export function e2eEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e through playwright.config.ts`);
  return value;
}

export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/sign-in?next=/dashboard");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/dashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
}

/** A fresh TikTok order id: 18 digits, unique per run and call. */
export const newOrderId = () => uniqueNumericId("57");

export async function postOrderWebhook(orderId: string, shopId = CREATOR1_SHOP): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await postSignedWebhook({
    type: 1,
    tts_notification_id: `e2e-${orderId}`,
    shop_id: shopId,
    timestamp: now,
    data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: now },
  });
}

export interface InventoryReport {
  skuId: string;
  productId: string;
  /** TikTok's total, all of it available: nothing reserved or committed, so no reservation in flight explains a difference. */
  total: number;
  /** TikTok's time for the count, seconds since the epoch. */
  updateTime: number;
  shopId?: string;
}

/**
 * A type 27 inventory webhook (the shape of tests/fixtures/tiktok/inventory-low-stock.json)
 * reporting `total` for the SKU. Returns its notification id, which the appended event
 * carries as `metadata.request_id`.
 */
export async function postInventoryWebhook(report: InventoryReport): Promise<string> {
  const notificationId = `e2e-inventory-${report.skuId}-${Date.now()}`;
  await postSignedWebhook({
    type: 27,
    tts_notification_id: notificationId,
    shop_id: report.shopId ?? CREATOR1_SHOP,
    timestamp: Math.floor(Date.now() / 1000),
    data: {
      product_id: report.productId,
      sku_id: report.skuId,
      trigger_reason: { alert_type: "REALTIME", lead_days: 0, low_stock_threshold: 10 },
      current_inventory_status: report.total > 10 ? "IN_STOCK" : "LOW_STOCK",
      inventory_distribution: { total: report.total, available: report.total, creator_reserved: 0, campaign_reserved: 0, committed: 0 },
      update_time: report.updateTime,
    },
  });
  return notificationId;
}

/** Signs the body as TikTok does and posts it to the tiktok-webhook Edge Function, which must answer 200. */
export async function postSignedWebhook(payload: Record<string, unknown>): Promise<void> {
  const rawBody = new TextEncoder().encode(JSON.stringify(payload));
  const authorization = await signWebhook({ appKey: e2eEnv("E2E_TIKTOK_APP_KEY"), appSecret: e2eEnv("E2E_TIKTOK_APP_SECRET"), rawBody });
  const response = await fetch(e2eEnv("E2E_WEBHOOK_URL"), {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: rawBody,
  });
  expect(response.status, await response.text()).toBe(200);
}

export async function controlRealtime(action: "stop" | "start"): Promise<void> {
  const response = await fetch(`${e2eEnv("E2E_CONTROL_URL")}/realtime/${action}`, { method: "POST" });
  expect(response.status).toBe(204);
}

/** Survives only as long as the document does: gone after any reload or navigation. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as Window & { e2eDocumentMarker?: boolean }).e2eDocumentMarker = true;
  });
}

export async function documentIsMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as Window & { e2eDocumentMarker?: boolean }).e2eDocumentMarker === true);
}

/** The number a KPI card shows, parsed from its (locale-formatted) text. */
export async function kpiNumber(page: Page, id: string): Promise<number> {
  const text = (await page.getByTestId(`kpi-${id}-value`).textContent()) ?? "";
  return Number(text.replace(/[^\d.-]/g, ""));
}
