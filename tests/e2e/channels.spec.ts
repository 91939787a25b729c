// The dashboard by channel: creator 1 also sells on a Shopify store. A signed Shopify order
// and a stock report, posted to the shopify-webhook Edge Function as Shopify posts them,
// reach the Channels section live (no reload), beside TikTok Shop and the totals; on a
// 360 px phone the section fits without sideways scrolling. A store's conflict is shown in
// the admin queue with the channel named, and resolved in the store's terms.
import { expect, test, type Page } from "@playwright/test";
import { inventoryLevelBody, orderBody, postShopifyDelivery, signedShopifyDelivery } from "../../src/simulator/shopify/shopify-webhooks.ts";
import { demoShop } from "../../src/simulator/demo-catalogue.ts";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../src/core/inventory/events.ts";
import { evolveInventory, initialInventoryState } from "../../src/core/inventory/inventory.ts";
import { uniqueNumericId } from "../test-data.ts";
import { e2eDatabase } from "./admin-helpers.ts";
import { CREATOR1_ID, documentIsMarked, e2eEnv, markDocument, signIn } from "./dashboard-helpers.ts";
import { expectNoSidewaysScroll, phoneContext } from "./mobile-helpers.ts";

const STORE = "e2e-channels.myshopify.com";
const LOCATION_ID = "70001";
const INVENTORY_ITEM_ID = "80001";
const SKU = demoShop(1).skus[0]!.skuId;

test.describe.configure({ timeout: 120_000 });

test.beforeAll(async () => {
  const sql = e2eDatabase();
  try {
    // Linked as the connect flow links it, but with no token: the pool is not written to it here, only its webhooks are received.
    await sql`insert into public.shopify_shops (shop_domain, creator_id, location_id) values (${STORE}, ${CREATOR1_ID}::uuid, ${`gid://shopify/Location/${LOCATION_ID}`})
              on conflict (shop_domain) do nothing`;
    await sql`insert into public.shopify_inventory_items (shop_domain, inventory_item_id, sku_id) values (${STORE}, ${INVENTORY_ITEM_ID}, ${SKU}) on conflict do nothing`;
  } finally {
    await sql.end();
  }
});

async function deliver(topic: string, body: unknown): Promise<void> {
  const delivery = await signedShopifyDelivery({ clientSecret: e2eEnv("E2E_SHOPIFY_API_SECRET"), shopDomain: STORE, topic, body });
  const response = await postShopifyDelivery(e2eEnv("E2E_SHOPIFY_WEBHOOK_URL"), delivery);
  expect(response.status).toBe(200);
}

const figure = (page: Page, channel: string, name: "orders" | "sales" | "stock") =>
  page.getByTestId("channel-summary").locator(`tr[data-channel="${channel}"] [data-figure="${name}"]`);
const asNumber = async (page: Page, channel: string, name: "orders" | "stock") => Number(((await figure(page, channel, name).textContent()) ?? "").replace(/[^\d]/g, ""));

test("a Shopify sale and Shopify's stock reach the Channels section live, beside TikTok Shop and the totals", async ({ page, browser }) => {
  await signIn(page, "creator1@example.com");
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
  await markDocument(page);
  const section = page.getByTestId("channel-summary");
  await expect(section.getByRole("heading", { name: "Channels" })).toBeVisible();
  const totalBefore = await asNumber(page, "total", "orders");
  const shopifyBefore = (await section.locator('tr[data-channel="shopify"]').count()) === 0 ? 0 : await asNumber(page, "shopify", "orders");

  const id = uniqueNumericId("7", 13);
  await deliver("orders/create", orderBody({ id, createdAt: new Date().toISOString(), lineItems: [{ sku: SKU, quantity: 1, price: "12.50" }] }));
  await expect(figure(page, "shopify", "orders")).toHaveText(String(shopifyBefore + 1), { timeout: 60_000 });
  await expect(figure(page, "total", "orders")).toHaveText(String(totalBefore + 1));
  await expect(figure(page, "shopify", "sales")).toContainText(/\$\d/);

  await deliver("inventory_levels/update", inventoryLevelBody({ inventoryItemId: INVENTORY_ITEM_ID, locationId: LOCATION_ID, available: 7, updatedAt: new Date().toISOString() }));
  await expect(figure(page, "shopify", "stock")).toHaveText("7", { timeout: 60_000 });
  // TikTok Shop's row and the pool's total stay beside it.
  await expect(section.locator('tr[data-channel="tiktok_shop"]')).toBeVisible();
  expect(await asNumber(page, "total", "stock")).toBeGreaterThan(7);
  expect(await documentIsMarked(page)).toBe(true);

  const phone = await phoneContext(browser);
  const phonePage = await phone.newPage();
  try {
    await signIn(phonePage, "creator1@example.com");
    await expect(figure(phonePage, "shopify", "stock")).toHaveText("7");
    await phonePage.getByTestId("channel-summary").scrollIntoViewIfNeeded();
    await expectNoSidewaysScroll(phonePage);
  } finally {
    await phone.close();
  }
});

test("an admin sees a Shopify store's conflict with the channel named, accepts Shopify's count, and the pool moves by the difference", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    const store = createEventStore({ sql });
    const aggregateId = inventoryAggregateId(SKU);
    const { state, version } = await store.aggregateStream({ aggregateId, initialState: initialInventoryState, evolve: evolveInventory });
    const shown = state.total - state.reserved;
    const conflictId = crypto.randomUUID();
    // As reconciliation raises it: the store shows 3 fewer than the pool gives it.
    await store.appendToStream({
      metadata: { source: "automated_system" },
      creatorId: CREATOR1_ID,
      aggregateId,
      aggregateType: "inventory",
      expectedVersion: version,
      events: [
        {
          type: "inventory.sync_conflict_detected",
          data: { conflict_id: conflictId, sku_id: SKU, conflict_type: "quantity_mismatch", local_value: shown, external_value: shown - 3, source: "shopify", channel: "shopify", shop_id: STORE },
        },
      ],
    });

    await signIn(page, "admin@example.com");
    const card = page.locator(`[data-conflict-id="${conflictId}"]`);
    await expect(async () => {
      await page.goto(`/admin?product=${SKU}`);
      await expect(card).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 60_000 });
    await expect(card.getByTestId("conflict-channel")).toHaveText(`Channel: Shopify ${STORE}`);
    await expect(card.getByTestId("external-value")).toHaveText(String(shown - 3));
    await card.getByLabel("Accept Shopify's count").check();
    await card.getByLabel("Reason").fill("The store's shelf count is right");
    await card.getByRole("button", { name: "Resolve" }).click();
    await expect(card.getByRole("status")).toHaveText(`Resolved: stock is now ${state.total - 3}.`);
    // TikTok is told the pool's new count: the store's count was news to it.
    await expect
      .poll(async () => (await sql`select 1 from public.event_store where aggregate_id = ${aggregateId} and event_type = 'inventory.external_count_pushed' and (event_data ->> 'total')::int = ${state.total - 3}`).length, { timeout: 60_000 })
      .toBeGreaterThan(0);
  } finally {
    await sql.end();
  }
});
