// Dead letters in Chromium against `next start` and the Supabase stand-in, whose
// process-events runs the consumers: an admin's retry is a request, the inventory-levels
// projection's runner carries it out, and the page shows what happened (applied, or why not).
import { expect, test, type Page } from "@playwright/test";
import type { Sql } from "postgres";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../src/core/inventory/events.ts";
import { inventoryLevelsProjection } from "../../src/core/projections/index.ts";
import { consumerHasReached, e2eDatabase } from "./admin-helpers.ts";
import { signIn } from "./dashboard-helpers.ts";
import { uniqueId } from "../test-data.ts";

const consumer = inventoryLevelsProjection.name;

/**
 * A SKU of a creator of its own with `totals.length` stock updates, projected; then the
 * projection's row for it is lost and the update at `letterVersion` becomes a dead letter,
 * as if the projection had given up on it.
 */
async function lostUpdate(sql: Sql, totals: number[], letterVersion: number) {
  const creatorId = crypto.randomUUID();
  const skuId = uniqueId("e2e-letter-");
  const store = createEventStore({ sql });
  await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    events: totals.map((total, index) => ({ type: "inventory.stock_updated", data: { sku_id: skuId, previous_total: totals[index - 1] ?? 0, new_total: total, source: "manual" } })),
  });
  const events = await store.readStream(inventoryAggregateId(skuId));
  await expect.poll(() => consumerHasReached(sql, consumer, events.at(-1)!.id)).toBe(true);
  const event = events[letterVersion - 1]!;
  await sql`delete from public.inventory_levels where creator_id = ${creatorId}::uuid and sku_id = ${skuId}`;
  const [letter] = await sql<{ id: string }[]>`
    insert into public.dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts)
    values (${consumer}, ${event.id}::uuid, ${event.position}, ${event.type}, ${creatorId}::uuid, ${sql.json(JSON.parse(JSON.stringify(event)))}, 'Error: e2e poison', 5)
    returning id`;
  return { id: letter!.id, creatorId, skuId };
}

async function requestRetry(page: Page, id: string) {
  await page.goto(`/admin/dead-letters?status=pending&id=${id}`);
  const detail = page.getByTestId("dead-letter-detail");
  await expect(detail).toContainText("Status: Pending");
  await detail.getByRole("button", { name: "Retry" }).click();
  // The page refreshes at once; the runner may already have settled the request by then.
  await expect(detail).toContainText("Retry requested by admin@example.com");
  return detail;
}

test("a retry is requested, carried out by the projection's runner, and the page says what happened", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    await signIn(page, "admin@example.com");

    // Nothing later of the SKU was folded: the runner applies the event and the row is back.
    const applied = await lostUpdate(sql, [9], 1);
    let detail = await requestRetry(page, applied.id);
    await expect(async () => {
      await page.goto(`/admin/dead-letters?status=retried&id=${applied.id}`);
      await expect(page.getByTestId("dead-letter-last-retry")).toHaveAttribute("data-outcome", "retried", { timeout: 1_000 });
    }).toPass();
    detail = page.getByTestId("dead-letter-detail");
    await expect(detail).toContainText("Status: Retried");
    await expect(detail).toContainText("Retry requested by admin@example.com");
    const [row] = await sql<{ total: number }[]>`select total from public.inventory_levels where creator_id = ${applied.creatorId}::uuid and sku_id = ${applied.skuId}`;
    expect(row?.total).toBe(9);

    // The SKU had moved on past the event: the retry cannot be done in order, the letter stays pending and says why.
    const refused = await lostUpdate(sql, [5, 6], 1);
    await requestRetry(page, refused.id);
    await expect(async () => {
      await page.goto(`/admin/dead-letters?status=pending&id=${refused.id}`);
      await expect(page.getByTestId("dead-letter-last-retry")).toHaveAttribute("data-outcome", "refused", { timeout: 1_000 });
    }).toPass();
    await expect(page.getByTestId("dead-letter-last-retry")).toContainText("Could not retry");
    await expect(page.getByTestId("dead-letter-last-retry")).toContainText("rebuild the projection");
    await expect(page.getByTestId("dead-letter-detail").getByRole("button", { name: "Retry" })).toBeVisible();
  } finally {
    await sql.end({ timeout: 5 });
  }
});
