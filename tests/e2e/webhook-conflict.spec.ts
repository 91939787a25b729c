// From TikTok's webhook to the admin's conflict queue through the real processing path:
// the tiktok-webhook Edge Function records TikTok's count, the append wakes process-events
// (pg_net), whose sync-conflicts consumer compares it with the local count and, the
// creator's rules leaving it to a person, records an open conflict that the admin settles.
import { expect, test } from "@playwright/test";
import { SYNC_CONFLICTS_CONSUMER } from "../../src/core/conflicts/sync-conflicts-consumer.ts";
import { CREATOR1_ID, postInventoryWebhook, signIn } from "./dashboard-helpers.ts";
import {
  conflictDetectedFrom,
  consumerHasReached,
  e2eDatabase,
  eventIdOfDelivery,
  lastSkuOf,
  lastStockWriteOf,
  overrideSyncRules,
  reportTimeAfterNewest,
  resolutionEventOf,
} from "./admin-helpers.ts";

const ADMIN_EMAIL = "admin@example.com";

test("a TikTok inventory webhook that disagrees with the local count reaches the admin's queue and the admin accepts TikTok's count", async ({ browser }) => {
  test.setTimeout(150_000);
  const sql = e2eDatabase();
  const restoreRules = await overrideSyncRules(sql, CREATOR1_ID, { autoResolve: false });
  try {
    await expect.poll(() => lastSkuOf(sql, CREATOR1_ID)).not.toBeNull();
    const sku = (await lastSkuOf(sql, CREATOR1_ID))!;
    const tiktokTotal = sku.total + 5;

    const notificationId = await postInventoryWebhook({ skuId: sku.skuId, productId: sku.productId, total: tiktokTotal, updateTime: reportTimeAfterNewest(sku) });
    const reportId = await eventIdOfDelivery(sql, notificationId, "inventory.external_count_reported");
    expect(reportId, "the webhook's count is recorded in the delivery's own transaction").not.toBeNull();

    // The live lane may be folding other specs' bursts first (the alerts spec appends hundreds of events): the deadline only bounds a failing run.
    await expect.poll(() => conflictDetectedFrom(sql, reportId!), { timeout: 60_000 }).not.toBeNull();
    const detected = (await conflictDetectedFrom(sql, reportId!))!;
    expect(detected.event_data).toMatchObject({ conflict_type: "quantity_mismatch", local_value: sku.total, external_value: tiktokTotal, source: "tiktok" });
    expect(detected.causation_id).toBe(reportId);
    const conflictId = detected.event_data.conflict_id;
    // The rules leave it open: no resolution in the append that recorded it.
    expect(await resolutionEventOf(sql, conflictId)).toBeNull();

    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await signIn(adminPage, ADMIN_EMAIL);
    const card = adminPage.locator(`[data-conflict-id="${conflictId}"]`);
    // The queue reads the conflicts projection, which process-events fills a moment after the detection.
    await expect(async () => {
      await adminPage.goto(`/admin?product=${sku.skuId}`);
      await expect(card).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(card.getByRole("heading", { level: 2 })).toHaveText(`SKU ${sku.skuId} · Quantity mismatch`);
    await expect(card).toContainText("Source: tiktok");
    await expect(card.getByTestId("local-value")).toHaveText(String(sku.total));
    await expect(card.getByTestId("external-value")).toHaveText(String(tiktokTotal));

    await card.getByLabel("Accept TikTok's count").check();
    await card.getByLabel("Reason").fill("TikTok's count matches the shelf");
    await card.getByRole("button", { name: "Resolve" }).click();
    await expect(card.getByRole("status")).toHaveText(`Resolved: stock is now ${tiktokTotal}.`);

    const resolved = await resolutionEventOf(sql, conflictId);
    expect(resolved?.event_data).toMatchObject({ method: "accept_external", winner: "external", winning_value: tiktokTotal, losing_value: sku.total, resolved_by: ADMIN_EMAIL });
    expect(await lastSkuOf(sql, CREATOR1_ID)).toMatchObject({ skuId: sku.skuId, total: tiktokTotal });

    await expect(async () => {
      await adminPage.goto(`/admin?product=${sku.skuId}&status=resolved`);
      await expect(card).toContainText(`Resolved (accept_external) to ${tiktokTotal} by ${ADMIN_EMAIL}`, { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });

    // Settling it is not a new disagreement: once the consumer has seen the correcting stock
    // write, nothing was detected from it, and the conflict has left the open queue.
    const correction = await lastStockWriteOf(sql, sku.skuId);
    expect(correction?.event_data).toMatchObject({ new_total: tiktokTotal, source: "reconciliation" });
    await expect.poll(() => consumerHasReached(sql, SYNC_CONFLICTS_CONSUMER, correction!.id), { timeout: 20_000 }).toBe(true);
    expect(await conflictDetectedFrom(sql, correction!.id)).toBeNull();
    await adminPage.goto(`/admin?product=${sku.skuId}`);
    await expect(adminPage.getByRole("heading", { level: 1, name: "Conflict queue" })).toBeVisible();
    await expect(card).toHaveCount(0);
    await adminContext.close();
  } finally {
    await restoreRules();
    await sql.end({ timeout: 5 });
  }
});
