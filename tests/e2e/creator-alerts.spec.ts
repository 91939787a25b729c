// Alerts a creator can act on, in Chromium at a phone's width: a burst of orders that stock
// cannot cover shows as one alert per SKU with its count, the panel shows the most severe
// few and counts the rest, and Resolve / Acknowledge go through the route handler to
// alert.* events that the real processing folds back into the panel. Recovering the orders
// resolves what is left by itself.
import { expect, test } from "@playwright/test";
import type { Sql } from "postgres";
import { createEventStore, type NewEvent } from "../../src/core/event-store/index.ts";
import { uniqueNumericId } from "../test-data.ts";
import { e2eDatabase } from "./admin-helpers.ts";
import { CREATOR1_ID, signIn } from "./dashboard-helpers.ts";

let sql: Sql;
test.beforeAll(() => {
  sql = e2eDatabase();
});
test.afterAll(async () => {
  await sql.end();
});

/** These events stand for the engine's own (a saga's failures and recoveries, orders seen before). */
const E2E_ORIGIN = { source: "automated_system", component: "e2e" } as const;

const shortOfStock = (skuId: string, orderId: string): NewEvent => ({
  type: "system.sync_failure_detected",
  data: {
    source: "saga:order_fulfilment",
    reason: `step allocate failed (permanent_error): Not enough stock for SKU ${skuId}`,
    reference: orderId,
    sku_id: skuId,
    product_name: `Viral Lip Oil ${skuId.slice(2, 8)}`,
    problem: "step_failed",
    step: "allocate",
  },
});

/** The alerts about `skus`, in the order of `skus`. */
async function alertsOf(skus: string[]) {
  const rows = await sql<{ id: string; sku_id: string; occurrences: number; acknowledged_by: string | null; resolved_by: string | null }[]>`
    select id, sku_id, occurrences, acknowledged_by, resolved_by from public.alerts
     where creator_id = ${CREATOR1_ID}::uuid and sku_id = any(${skus}) order by opened_at`;
  return [...rows].sort((a, b) => skus.indexOf(a.sku_id) - skus.indexOf(b.sku_id));
}

test("a burst of failing orders is a few alerts a creator can act on, and the panel stays small at 360 px", async ({ page }) => {
  test.setTimeout(120_000);
  const skus = Array.from({ length: 5 }, () => uniqueNumericId("93"));
  const ordersBySku = skus.map((_, index) => Array.from({ length: 10 + index * 10 }, () => uniqueNumericId("58")));
  const store = createEventStore({ sql });
  for (const [index, skuId] of skus.entries()) {
    await store.appendToStream({ creatorId: CREATOR1_ID, aggregateId: `system-${CREATOR1_ID}`, aggregateType: "system", metadata: E2E_ORIGIN, events: ordersBySku[index]!.map((orderId) => shortOfStock(skuId, orderId)) });
  }
  // 150 failed orders become 5 alerts, each counted.
  await expect.poll(async () => (await alertsOf(skus)).map((alert) => alert.occurrences), { timeout: 30_000 }).toEqual([10, 20, 30, 40, 50]);

  await page.setViewportSize({ width: 360, height: 780 });
  await signIn(page, "creator1@example.com");
  const panel = page.locator("section[aria-labelledby=alerts-heading]");
  const ours = panel.locator("li.alert-item").filter({ hasText: "Viral Lip Oil" });
  await expect(panel.locator("li.alert-item")).toHaveCount(3);
  await expect(panel.getByTestId("alerts-more")).toHaveText(/^\d+ more alerts?$/);
  // The most recent of equally severe alerts first: the SKU that 50 orders hit.
  const top = ours.first();
  await expect(top.locator(".alert-title")).toContainText(`50 orders waiting for stock: Viral Lip Oil ${skus[4]!.slice(2, 8)} (SKU ${skus[4]})`);
  await expect(top.getByRole("link")).toHaveText(`Restock SKU ${skus[4]} or cancel the 50 orders waiting for it`);
  await expect(top.getByTestId("alert-occurrences")).toContainText("50 times");

  // A dashboard, not a wall of alerts: the panel fits the phone's width and stays short.
  const box = await panel.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(360);
  expect(box!.height).toBeLessThan(1_400);
  const overflowing = await panel.evaluate((section) => [...section.querySelectorAll("*")].filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5).length);
  expect(overflowing).toBe(0);

  // Resolve the top one: recorded with who did it, and it leaves the panel.
  await top.getByRole("button", { name: "Resolve" }).click();
  await expect(panel.locator("li.alert-item").filter({ hasText: `SKU ${skus[4]})` })).toHaveCount(0);
  await expect.poll(async () => (await alertsOf([skus[4]!]))[0]?.resolved_by ?? null, { timeout: 30_000 }).not.toBeNull();
  const [resolution] = await sql<{ user_id: string; role: string }[]>`
    select event_data->'by'->>'user_id' as user_id, event_data->'by'->>'role' as role from public.event_store
     where event_type = 'alert.resolved' and event_data->>'alert_id' = ${(await alertsOf([skus[4]!]))[0]!.id}`;
  const [creatorUser] = await sql<{ id: string }[]>`select id::text from auth.users where email = 'creator1@example.com'`;
  expect(resolution).toEqual({ user_id: creatorUser!.id, role: "creator" });

  // Acknowledge the next: it stays, marked, after a reload, behind the alerts nobody has acknowledged.
  const next = panel.locator("li.alert-item").filter({ hasText: `SKU ${skus[3]})` });
  await next.getByRole("button", { name: "Acknowledge" }).click();
  await expect.poll(async () => (await alertsOf([skus[3]!]))[0]?.acknowledged_by ?? null, { timeout: 30_000 }).toBe(creatorUser!.id);
  await page.reload();
  await expect(ours.first()).not.toContainText(`SKU ${skus[3]})`);
  await panel.getByTestId("alerts-more").click();
  await expect(panel.locator("li.alert-item").filter({ hasText: `SKU ${skus[3]})` })).toHaveAttribute("data-acknowledged", "true");

  // The cause clears (every waiting order recovers): the rest resolve themselves and leave the panel.
  for (const orders of ordersBySku.slice(0, 4)) {
    await store.appendToStream({
      creatorId: CREATOR1_ID,
      aggregateId: `system-${CREATOR1_ID}`,
      aggregateType: "system",
      metadata: E2E_ORIGIN,
      events: orders.map((orderId): NewEvent => ({ type: "system.recovery_completed", data: { component: orderId, detail: "order fulfilment finished after an alert" } })),
    });
  }
  await expect.poll(async () => (await alertsOf(skus.slice(0, 4))).map((alert) => alert.resolved_by), { timeout: 30_000 }).toEqual(["system", "system", "system", "system"]);
  await page.reload();
  await expect(ours).toHaveCount(0);
});

test("a SKU's forecast opens from its row at 360 px, and a burst of sales becomes a sales-spike alert", async ({ page }) => {
  test.setTimeout(120_000);
  const [row] = await sql<{ sku_id: string; product_id: string }[]>`
    select sku_id, product_id from public.inventory_levels where creator_id = ${CREATOR1_ID}::uuid and product_id is not null order by sku_id limit 1`;
  const skuId = row!.sku_id;
  const store = createEventStore({ sql });
  const sold = (at: Date, quantity = 1): NewEvent => ({
    type: "order.validated",
    occurredAt: at,
    data: { order_id: uniqueNumericId("59"), items: [{ sku_id: skuId, product_id: row!.product_id, quantity, unit_price_minor: 1500 }], subtotal_minor: 1500 * quantity, shipping_minor: 0, total_minor: 1500 * quantity, currency: "USD" },
  });
  // Four days of history, two an hour, then ten minutes of a video taking off.
  const now = Date.now();
  const history = Array.from({ length: 4 * 24 * 2 }, (_, index) => sold(new Date(now - 4 * 86_400_000 + index * 30 * 60_000)));
  await store.appendToStream({ creatorId: CREATOR1_ID, aggregateId: `order-history-${skuId}-${now}`, aggregateType: "order", metadata: E2E_ORIGIN, events: history });
  const burst = Array.from({ length: 20 }, (_, index) => sold(new Date(now - 5 * 60_000 + index * 10_000)));
  await store.appendToStream({ creatorId: CREATOR1_ID, aggregateId: `order-viral-${skuId}-${now}`, aggregateType: "order", metadata: E2E_ORIGIN, events: burst });
  await expect.poll(async () => (await sql<{ anomaly_kind: string | null }[]>`
    select anomaly_kind from public.demand_forecasts where creator_id = ${CREATOR1_ID}::uuid and sku_id = ${skuId}`)[0]?.anomaly_kind ?? null, { timeout: 30_000 }).toBe("spike");

  await page.setViewportSize({ width: 360, height: 780 });
  await signIn(page, "creator1@example.com");
  await page.getByRole("button", { name: `Forecast for ${skuId}` }).click();
  const panel = page.getByTestId("sku-forecast");
  await expect(panel.getByTestId("forecast-reorder")).toContainText(/sells ~[\d.]+\/day, lead time 7 days, safety \d+ → order \d+/);
  await expect(panel.getByTestId("forecast-stockout")).toContainText("available");
  await expect(panel.locator("svg.chart-surface")).toBeVisible();
  const box = await panel.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(360);

  // A stock change makes the demand signals look at the SKU: the spike becomes an alert linking to the forecast.
  const input = page.locator(`tr[data-sku="${skuId}"] input[type=number]`);
  await input.fill("40");
  await page.locator(`tr[data-sku="${skuId}"]`).getByRole("button", { name: /^Set/ }).click();
  await expect.poll(async () => (await sql<{ kind: string }[]>`
    select kind from public.alerts where creator_id = ${CREATOR1_ID}::uuid and sku_id = ${skuId} and kind = 'sales_spike' and resolved_at is null`).length, { timeout: 30_000 }).toBe(1);
  await page.reload();
  const spike = page.locator("li.alert-item").filter({ hasText: "Selling fast" });
  await expect(spike).toContainText("At the current rate it sells out in about");
  await expect(spike.getByRole("link")).toHaveAttribute("href", `/dashboard#forecast-${skuId}`);
  // Tidy up for the specs after this one.
  await spike.getByRole("button", { name: "Resolve" }).click();
  await expect(spike).toHaveCount(0);
});
