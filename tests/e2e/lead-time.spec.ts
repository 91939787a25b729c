// A SKU's reorder lead time, set by the creator in its forecast panel: the form posts to the
// route handler, the event it records is folded by the real processing into reorder_settings,
// and the reorder suggestion covers the new lead time. A bad value changes nothing.
import { expect, test } from "@playwright/test";
import type { Sql } from "postgres";
import { createEventStore, type NewEvent } from "../../src/core/event-store/index.ts";
import { uniqueNumericId } from "../test-data.ts";
import { e2eDatabase } from "./admin-helpers.ts";
import { signIn } from "./dashboard-helpers.ts";

const CREATOR2_ID = "00000000-0000-4000-8000-000000000002";
let sql: Sql;
test.beforeAll(() => {
  sql = e2eDatabase();
});
test.afterAll(async () => {
  await sql.end();
});

test("the creator sets a SKU's lead time in its forecast, and the reorder suggestion covers it", async ({ page }) => {
  test.setTimeout(120_000);
  const [row] = await sql<{ sku_id: string; product_id: string }[]>`
    select sku_id, product_id from public.inventory_levels where creator_id = ${CREATOR2_ID}::uuid and product_id is not null order by sku_id desc limit 1`;
  const skuId = row!.sku_id;
  // Four days of history, two an hour: enough for a reorder suggestion.
  const now = Date.now();
  const history = Array.from({ length: 4 * 24 * 2 }, (_, index): NewEvent => ({
    type: "order.validated",
    occurredAt: new Date(now - 4 * 86_400_000 + index * 30 * 60_000),
    data: { order_id: uniqueNumericId("58"), items: [{ sku_id: skuId, product_id: row!.product_id, quantity: 1, unit_price_minor: 1500 }], subtotal_minor: 1500, shipping_minor: 0, total_minor: 1500, currency: "USD" },
  }));
  await createEventStore({ sql }).appendToStream({ creatorId: CREATOR2_ID, aggregateId: `order-lead-${skuId}-${now}`, aggregateType: "order", metadata: { source: "automated_system", component: "e2e" }, events: history });
  await expect.poll(async () => (await sql<{ hours_seen: number }[]>`
    select hours_seen from public.demand_forecasts where creator_id = ${CREATOR2_ID}::uuid and sku_id = ${skuId}`)[0]?.hours_seen ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(72);

  await signIn(page, "creator2@example.com");
  const openForecast = async () => {
    await page.getByRole("button", { name: `Forecast for ${skuId}` }).click();
    return page.getByTestId("sku-forecast");
  };
  let panel = await openForecast();
  await expect(panel.getByTestId("forecast-reorder")).toContainText(/lead time 7 days/);
  const leadTime = panel.getByLabel("Reorder lead time (days)");
  await expect(leadTime).toHaveValue("7");

  // A bad value is refused by the route and records nothing.
  const refused = await page.request.post(`/api/inventory/${skuId}/lead-time`, { data: { leadTimeDays: 0 } });
  expect(refused.status()).toBe(400);
  expect(await sql`select 1 from public.event_store where aggregate_id = ${`inventory-${skuId}`} and event_type = 'inventory.lead_time_changed'`).toHaveLength(0);

  await leadTime.fill("12");
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByRole("status")).toContainText("now cover 12 days");
  await expect.poll(async () => (await sql<{ days: number }[]>`
    select lead_time_days::int as days from public.reorder_settings where creator_id = ${CREATOR2_ID}::uuid and sku_id = ${skuId}`)[0]?.days ?? null, { timeout: 30_000 }).toBe(12);

  await page.reload();
  panel = await openForecast();
  await expect(panel.getByTestId("forecast-reorder")).toContainText(/sells ~[\d.]+\/day, lead time 12 days, safety \d+ → order \d+/);
  await expect(panel.getByLabel("Reorder lead time (days)")).toHaveValue("12");
});
