// One order's journey in the admin panel, through the real path: a signed TikTok webhook
// to the tiktok-webhook Edge Function, the append waking process-events, whose saga takes
// its steps and whose projections lead to a realtime delta; the admin follows the order
// from its history to the journey page and sees each hop, what it followed from, and how
// long it took.
import { expect, test } from "@playwright/test";
import type { Sql } from "postgres";
import { e2eDatabase } from "./admin-helpers.ts";
import { CREATOR1_ID, newOrderId, postOrderWebhook, signIn } from "./dashboard-helpers.ts";

async function sagaStepsOn(sql: Sql, orderId: string): Promise<number> {
  const [row] = await sql<{ steps: string }[]>`
    select count(*) as steps from public.event_store where aggregate_id = ${`order-${orderId}`} and metadata ->> 'component' = 'fulfilment_saga'`;
  return Number(row.steps);
}

async function deltasNaming(sql: Sql, orderId: string): Promise<number> {
  const [row] = await sql<{ deltas: string }[]>`
    select count(*) as deltas from realtime.messages
     where topic = ${`creator:${CREATOR1_ID}`} and payload -> 'orders' @> ${sql.json([{ orderId }])}::jsonb`;
  return Number(row.deltas);
}

test("an admin follows an order from its history to its journey: received, stored, saga steps and the realtime delta, each with its time", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    const orderId = newOrderId();
    await postOrderWebhook(orderId);
    await expect.poll(() => sagaStepsOn(sql, orderId), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => deltasNaming(sql, orderId), { timeout: 30_000 }).toBeGreaterThan(0);

    await signIn(page, "admin@example.com");
    await page.goto(`/admin/history?kind=order&id=${orderId}`);
    await page.getByRole("link", { name: "This order's journey, hop by hop" }).click();
    await page.waitForURL(`**/admin/journey?order=${orderId}`);
    await expect(page.getByRole("heading", { level: 2, name: `Journey of order ${orderId}` })).toBeVisible();

    const hops = page.locator("tr[data-hop]");
    const received = page.locator('tr[data-hop="received"]');
    await expect(received).toHaveCount(1);
    await expect(received).toContainText(`webhook delivery e2e-${orderId} received`);
    // Stored after its receipt, by our own clocks, with the time it took.
    const stored = page.locator('tr[data-hop="stored"]');
    await expect(stored).toContainText(`webhook delivery e2e-${orderId} received`);
    await expect(stored.getByTestId("hop-took")).toHaveText(/^\d+ ms$/);
    // The webhook's event, appended by the webhook, after the receipt.
    const appended = page.locator('tr[data-hop="appended"]').filter({ hasText: "order.received_from_tiktok" });
    await expect(appended).toContainText(`order.received_from_tiktok on order-${orderId} v1, by tiktok_webhook`);
    // The saga's first step follows from the event that started it (the causation link), timed from it.
    const firstStep = page.locator('tr[data-hop="saga_step"]').first();
    await expect(firstStep).toContainText("by fulfilment_saga (automated_system)");
    await expect(firstStep.getByRole("link", { name: "order.received_from_tiktok" })).toBeVisible();
    await expect(firstStep.getByTestId("hop-took")).toHaveText(/^\d+ ms$/);
    const delta = page.locator('tr[data-hop="realtime_delta"]').first();
    await expect(delta).toContainText(/realtime delta #\d+ sent/);
    await expect(delta.getByTestId("hop-took")).toHaveText(/^\d+ ms$/);

    // In time order: received first, and no hop before it.
    await expect(hops.first()).toHaveAttribute("data-hop", "received");
    // From any event of the journey, the same journey.
    await firstStep.getByRole("link", { name: "order.received_from_tiktok" }).click();
    await page.getByRole("link", { name: "Its journey" }).click();
    await expect(page.getByRole("heading", { level: 2, name: `Journey of order ${orderId}` })).toBeVisible();
    await expect(page.locator('tr[data-hop="received"]')).toHaveCount(1);
  } finally {
    await sql.end();
  }
});
