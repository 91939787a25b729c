// Every event says where it came from (the seed specification's EventMetadata). Runs after
// every other spec (the "metadata sweep" project in playwright.config.ts depends on them), so
// the store it sweeps holds what the whole suite drove through the real paths: webhooks
// through the tiktok-webhook function, creators' and admins' commands through the route
// handlers, consumers and sagas through process-events, and the scheduled jobs. It drives
// those paths itself as well, so it proves the same when run alone.
import { expect, test } from "@playwright/test";
import type { Sql } from "postgres";
import { eventMetadataSchema } from "../../src/core/event-catalogue.ts";
import { e2eDatabase, lastSkuOf, reportTimeAfterNewest } from "./admin-helpers.ts";
import { CREATOR1_ID, newOrderId, postInventoryWebhook, postOrderWebhook, signIn } from "./dashboard-helpers.ts";

interface StoredRow {
  id: string;
  event_type: string;
  creator_id: string;
  metadata: Record<string, unknown>;
}

async function eventsWhere(sql: Sql, condition: ReturnType<Sql>): Promise<StoredRow[]> {
  return sql<StoredRow[]>`select id::text, event_type, creator_id::text, metadata from public.event_store where ${condition} order by position`;
}

test("every event appended by the webhook, route handlers, consumers, sagas and scheduled jobs has metadata the catalogue accepts", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    // A webhook order: the webhook's events, then the saga's steps and the consumers' reactions.
    const orderId = newOrderId();
    await postOrderWebhook(orderId);
    // A webhook stock count that disagrees with ours: the sync-conflicts consumer reacts.
    const sku = await lastSkuOf(sql, CREATOR1_ID);
    expect(sku, "the demo creator has stock").not.toBeNull();
    const notificationId = await postInventoryWebhook({ skuId: sku!.skuId, productId: sku!.productId, total: sku!.total + 3, updateTime: reportTimeAfterNewest(sku!) });
    // A creator's command through the route handler: the dashboard's stock adjustment.
    await signIn(page, "creator1@example.com");
    const row = page.locator(`tbody tr[data-sku="${sku!.skuId}"]`);
    await expect(row).toBeVisible();
    const newTotal = sku!.total + 11;
    await page.getByLabel(`New stock count for ${sku!.skuId}`).fill(String(newTotal));
    await page.getByRole("button", { name: `Set stock of ${sku!.skuId}` }).click();
    await expect(page.getByTestId("adjust-notice")).toContainText(`Stock of ${sku!.skuId} saved`);

    await expect.poll(async () => (await eventsWhere(sql, sql`aggregate_id = ${`order-${orderId}`} and metadata ->> 'component' = 'fulfilment_saga'`)).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const [report] = await eventsWhere(sql, sql`metadata ->> 'request_id' = ${notificationId}`);
    await expect.poll(async () => (await eventsWhere(sql, sql`causation_id = ${report.id}::uuid`)).length, { timeout: 30_000 }).toBeGreaterThan(0);

    const [adjustment] = await eventsWhere(sql, sql`aggregate_id = ${`inventory-${sku!.skuId}`} and event_type = 'inventory.stock_updated' and event_data ->> 'source' = 'manual' and (event_data ->> 'new_total')::int = ${newTotal}`);
    expect(adjustment.metadata).toMatchObject({ source: "api_call", creator_id: CREATOR1_ID, user_agent: expect.stringContaining("Chrome"), request_id: expect.any(String), user_id: expect.any(String) });
    expect(report.metadata).toMatchObject({ source: "tiktok_webhook", idempotency_key: notificationId, processing_time_ms: expect.any(Number) });

    const all = await eventsWhere(sql, sql`true`);
    const refused = all
      .map((event) => ({ event, parsed: eventMetadataSchema.safeParse(event.metadata) }))
      .filter(({ event, parsed }) => !parsed.success || parsed.data.creator_id !== event.creator_id)
      .map(({ event, parsed }) => ({ id: event.id, type: event.event_type, metadata: event.metadata, problems: parsed.success ? ["creator_id is not the row's"] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) }));
    expect(refused).toEqual([]);
    const sources = new Set(all.map((event) => event.metadata.source));
    for (const source of ["tiktok_webhook", "api_call", "automated_system"]) expect(sources, `some event came from ${source}`).toContain(source);
  } finally {
    await sql.end();
  }
});
