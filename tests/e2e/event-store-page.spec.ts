// The live event store page and the health endpoint, in Chromium against `next start`
// and a real Postgres. Events are appended straight through append_to_stream, the same
// SQL function the engine uses, and must show up on an open page without a reload.
import { expect, test, type Page } from "@playwright/test";
import postgres, { type JSONValue, type Sql } from "postgres";
import { listMigrations } from "../../supabase/local/migrations.ts";
import { storedMetadata, uniqueNumericId } from "../test-data.ts";
import { DEMO_PASSWORD } from "./dashboard-helpers.ts";

let sql: Sql;

test.beforeAll(() => {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error("E2E_DATABASE_URL is not set: run the e2e through playwright.config.ts");
  sql = postgres(url, { max: 2, onnotice: () => {} });
});

test.afterAll(async () => {
  await sql.end({ timeout: 5 });
});

// A type alias, not an interface, so it is assignable to postgres.js's JSONValue.
type NewEvent = { event_type: string; event_data: JSONValue };

async function appendToStream(
  creatorId: string,
  aggregateId: string,
  aggregateType: string,
  expected: string,
  events: NewEvent[],
): Promise<void> {
  await sql`
    select * from public.append_to_stream(
      ${creatorId}::uuid, ${aggregateId}, ${aggregateType}, ${expected},
      ${sql.json(events.map((event) => ({ ...event, metadata: storedMetadata(creatorId) })))}, null)`;
}

/** Survives only as long as the document does: gone after any reload or navigation. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as Window & { e2eDocumentMarker?: boolean }).e2eDocumentMarker = true;
  });
}

async function documentIsMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as Window & { e2eDocumentMarker?: boolean }).e2eDocumentMarker === true);
}

test("GET /api/health reports the database reachable and every migration applied", async ({ request }) => {
  const response = await request.get("/api/health");

  expect(response.status()).toBe(200);
  expect(response.headers()["cache-control"]).toContain("no-store");
  const health = await response.json();
  expect(health).toMatchObject({ status: "ok", database: { reachable: true }, migrations: { pending: [] } });
  expect(typeof health.database.latency_ms).toBe("number");
  expect(health.migrations.applied).toEqual(listMigrations().map((migration) => migration.version));
});

test("creators are kept off the event store page, which shows every creator's events", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("creator1@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/dashboard");
  const response = await page.goto("/admin/event-store");
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId("admin-forbidden")).toBeVisible();
  await expect(page.getByRole("table", { name: "Events per type" })).toHaveCount(0);
  expect((await page.request.get("/api/admin/event-store")).status()).toBe(403);
});

async function countOf(page: Page, eventType: string): Promise<number> {
  const row = page.getByRole("table", { name: "Events per type" }).getByRole("row").filter({ hasText: eventType });
  if ((await row.count()) === 0) return 0;
  return Number(((await row.first().textContent()) ?? "").replace(eventType, "").replace(/[^\d]/g, ""));
}

test("the event store page shows appended events to an admin without a reload", async ({ page }, testInfo) => {
  const creatorId = crypto.randomUUID();
  const orderId = uniqueNumericId("5770");
  const orderStream = `order-${orderId}`;
  const skuStream = `sku-${orderId}`;

  await page.goto("/sign-in?next=/admin/event-store");
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Event store" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Event store" })).toHaveAttribute("aria-current", "page");
  // The demo seed (opening stock) and earlier specs have stored events already: count from here.
  await expect(page.getByTestId("total-events")).not.toHaveText("");
  await expect(page.getByTestId("connection-state")).toHaveText("Live");
  const totalBefore = Number((await page.getByTestId("total-events").textContent())?.replace(/[^\d]/g, ""));
  const receivedBefore = await countOf(page, "order.received_from_tiktok");
  const stockUpdatesBefore = await countOf(page, "inventory.stock_updated");
  await markDocument(page);

  await appendToStream(creatorId, orderStream, "order", "no_stream", [
    {
      event_type: "order.received_from_tiktok",
      event_data: {
        order_id: orderId,
        shop_id: "7495001",
        tiktok_status: "AWAITING_SHIPMENT",
        is_on_hold: false,
        tiktok_update_time: 1_795_000_000,
      },
    },
    { event_type: "order.validation_started", event_data: { order_id: orderId } },
  ]);
  await appendToStream(creatorId, skuStream, "inventory", "no_stream", [
    {
      event_type: "inventory.stock_updated",
      event_data: { sku_id: "SKU-E2E-1", previous_total: 10, new_total: 9, source: "order" },
    },
  ]);

  // The pipeline runs meanwhile (the fulfilment saga takes up the order and appends to its
  // stream; health checks append too), so the store grows by at least what this spec adds.
  const totalShown = async () => Number((await page.getByTestId("total-events").textContent())?.replace(/[^\d]/g, ""));
  const latestEvents = page.getByRole("table", { name: /^Latest \d+ events, newest first$/ });
  await expect(latestEvents).toBeVisible();
  await expect.poll(totalShown).toBeGreaterThanOrEqual(totalBefore + 3);
  await expect(latestEvents.getByRole("row").filter({ hasText: `order/${orderStream}` }).filter({ hasText: "order.received_from_tiktok" })).toHaveCount(1);
  await expect(latestEvents.getByRole("row").filter({ hasText: `inventory/${skuStream}` })).toHaveCount(1);
  await expect(latestEvents.getByRole("row").filter({ hasText: `inventory/${skuStream}` })).toContainText("inventory.stock_updated");

  const eventsPerType = page.getByRole("table", { name: "Events per type" });
  await expect(eventsPerType.getByRole("row", { name: `order.received_from_tiktok ${(receivedBefore + 1).toLocaleString("en-US")}` })).toBeVisible();
  await expect(eventsPerType.getByRole("row", { name: `inventory.stock_updated ${(stockUpdatesBefore + 1).toLocaleString("en-US")}` })).toBeVisible();

  const totalBeforeValidated = await totalShown();
  await appendToStream(creatorId, orderStream, "order", "any", [
    {
      event_type: "order.validated",
      event_data: {
        order_id: orderId,
        items: [{ sku_id: "SKU-E2E-1", product_id: "1729", quantity: 1, unit_price_minor: 2499 }],
        subtotal_minor: 2499,
        shipping_minor: 0,
        total_minor: 2499,
        currency: "USD",
      },
    },
  ]);

  await expect.poll(totalShown).toBeGreaterThanOrEqual(totalBeforeValidated + 1);
  await expect(latestEvents.getByRole("row").filter({ hasText: `order/${orderStream}` }).filter({ hasText: "order.validated" })).toHaveCount(1);
  expect(await documentIsMarked(page)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath("event-store-desktop.png"), fullPage: true });

  await page.setViewportSize({ width: 360, height: 740 });
  await expect(latestEvents).toBeVisible();
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(pageWidth).toBeLessThanOrEqual(360);
  await page.screenshot({ path: testInfo.outputPath("event-store-phone.png"), fullPage: true });

  await page.emulateMedia({ colorScheme: "dark" });
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(darkBackground).toBe("rgb(18, 19, 22)");
  await page.screenshot({ path: testInfo.outputPath("event-store-phone-dark.png"), fullPage: true });
});
