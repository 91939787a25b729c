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
    await store.appendToStream({ creatorId: CREATOR1_ID, aggregateId: `system-${CREATOR1_ID}`, aggregateType: "system", events: ordersBySku[index]!.map((orderId) => shortOfStock(skuId, orderId)) });
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
      events: orders.map((orderId): NewEvent => ({ type: "system.recovery_completed", data: { component: orderId, detail: "order fulfilment finished after an alert" } })),
    });
  }
  await expect.poll(async () => (await alertsOf(skus.slice(0, 4))).map((alert) => alert.resolved_by), { timeout: 30_000 }).toEqual(["system", "system", "system", "system"]);
  await page.reload();
  await expect(ours).toHaveCount(0);
});
