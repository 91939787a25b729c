// The admin panel in Chromium against `next start` and the Supabase stand-in (whose
// process-events runs the consumers): an admin settles an inventory sync conflict and the
// creator's open dashboard shows the new stock live; a creator is refused every admin page
// and API.
import { expect, test } from "@playwright/test";
import { CREATOR1_ID, documentIsMarked, markDocument, signIn } from "./dashboard-helpers.ts";
import { e2eDatabase, firstDashboardSku, parseShownNumber, raiseOpenConflict, resolutionEventOf } from "./admin-helpers.ts";

const ADMIN_EMAIL = "admin@example.com";

test("an admin resolves a conflict with a custom count and the creator's dashboard stock changes live", async ({ browser }, testInfo) => {
  const sql = e2eDatabase();
  try {
    await expect.poll(() => firstDashboardSku(sql, CREATOR1_ID)).not.toBeNull();
    const skuId = (await firstDashboardSku(sql, CREATOR1_ID))!;

    const creatorContext = await browser.newContext();
    const creatorPage = await creatorContext.newPage();
    await signIn(creatorPage, "creator1@example.com");
    await expect(creatorPage.getByTestId("connection-status")).toContainText("Live");
    const available = creatorPage.getByTestId(`available-${skuId}`);
    await expect(available).toBeVisible();
    const availableBefore = parseShownNumber(await available.textContent());
    await markDocument(creatorPage);

    const { conflictId, localTotal } = await raiseOpenConflict(sql, CREATOR1_ID, skuId, 3);
    const customTotal = localTotal + 7;

    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await signIn(adminPage, ADMIN_EMAIL);
    const card = adminPage.locator(`[data-conflict-id="${conflictId}"]`);
    // The queue reads the conflicts projection, which process-events fills a moment after the append.
    await expect(async () => {
      await adminPage.goto(`/admin?product=${skuId}`);
      await expect(card).toBeVisible({ timeout: 1_000 });
    }).toPass();
    await expect(adminPage.getByRole("heading", { level: 1, name: "Conflict queue" })).toBeVisible();
    await expect(card.getByTestId("local-value")).toHaveText(String(localTotal));
    await expect(card.getByTestId("external-value")).toHaveText(String(localTotal + 3));
    await card.getByText(/Recent history of this product/).click();
    await expect(card.getByRole("link", { name: /inventory\.sync_conflict_detected/ })).toBeVisible();

    await adminPage.setViewportSize({ width: 360, height: 800 });
    expect(await adminPage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await adminPage.emulateMedia({ colorScheme: "dark" });
    await adminPage.screenshot({ path: testInfo.outputPath("admin-queue-phone-dark.png"), fullPage: true });

    await card.getByLabel("Custom count", { exact: true }).check();
    await card.getByLabel("Custom count value").fill(String(customTotal));
    await card.getByLabel("Reason").fill("Counted the shelf: 7 more than the system says");
    await card.getByRole("button", { name: "Resolve" }).click();
    await expect(card.getByRole("status")).toHaveText(`Resolved: stock is now ${customTotal}.`);

    // Live: the same document (never reloaded) shows the new stock.
    await expect.poll(async () => parseShownNumber(await available.textContent())).toBe(availableBefore + 7);
    expect(await documentIsMarked(creatorPage)).toBe(true);

    const resolved = await resolutionEventOf(sql, conflictId);
    expect(resolved?.event_data).toMatchObject({
      method: "custom",
      winner: "custom",
      winning_value: customTotal,
      resolved_by: ADMIN_EMAIL,
      reason: "Counted the shelf: 7 more than the system says",
    });
    expect(resolved?.user_id).toMatch(/^[0-9a-f-]{36}$/);

    // Settled: it leaves the open queue and shows among the resolved ones with who and why.
    await expect(async () => {
      await adminPage.goto(`/admin?product=${skuId}&status=resolved`);
      await expect(card).toContainText(`by ${ADMIN_EMAIL}`, { timeout: 1_000 });
    }).toPass();

    // History: the SKU's timeline, time travel to its first version, and a causation/correlation page per event.
    await adminPage.goto(`/admin/history?kind=product&id=${skuId}`);
    const timeline = adminPage.getByRole("region", { name: /Timeline of/ });
    await expect(timeline.getByRole("link", { name: "inventory.sync_conflict_resolved" })).toBeVisible();
    await expect(adminPage.getByTestId("state-at-version")).toContainText(`"total": ${customTotal}`);
    await timeline.getByRole("link", { name: "State at version 1", exact: true }).click();
    await expect(adminPage.getByRole("heading", { name: /^State at version 1/ })).toBeVisible();
    await timeline.getByRole("link", { name: "inventory.sync_conflict_resolved" }).click();
    await expect(adminPage.getByRole("heading", { level: 2, name: /Event inventory\.sync_conflict_resolved/ })).toBeVisible();
    await expect(adminPage.getByRole("region", { name: "Same correlation" })).toBeVisible();
    await adminContext.close();
    await creatorContext.close();
  } finally {
    await sql.end({ timeout: 5 });
  }
});

test("a creator is refused every admin page and admin API", async ({ page }) => {
  await signIn(page, "creator1@example.com");
  for (const path of ["/admin", "/admin/history", "/admin/dead-letters", "/admin/projections", "/admin/health", "/admin/event-store"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { level: 1, name: "403 — Admins only" })).toBeVisible();
    await expect(page.getByRole("heading", { level: 1, name: "Conflict queue" })).toHaveCount(0);
  }
  const someId = crypto.randomUUID();
  const reads = ["/api/admin/conflicts", "/api/admin/history?kind=order&id=1", `/api/admin/events/${someId}/links`, "/api/admin/dead-letters", `/api/admin/dead-letters/${someId}`, "/api/admin/projections", "/api/admin/health", "/api/admin/event-store"];
  for (const path of reads) expect((await page.request.get(path)).status(), path).toBe(403);
  const writes: [string, unknown][] = [
    [`/api/admin/conflicts/${someId}/resolve`, { creatorId: CREATOR1_ID, resolution: { kind: "keep_local" }, reason: "mine" }],
    ["/api/admin/conflicts/bulk-resolve", { conflicts: [{ creatorId: CREATOR1_ID, conflictId: someId }], resolution: { kind: "keep_local" }, reason: "mine" }],
    [`/api/admin/dead-letters/${someId}/retry`, {}],
    [`/api/admin/dead-letters/${someId}/discard`, {}],
    ["/api/admin/projections/dashboard-metrics/rebuild", {}],
  ];
  for (const [path, data] of writes) expect((await page.request.post(path, { data })).status(), path).toBe(403);

  // No session at all: 401, not 403.
  expect((await fetch(new URL("/api/admin/conflicts", page.url()))).status).toBe(401);
  expect((await fetch(new URL("/api/admin/event-store", page.url()))).status).toBe(401);
});
