// Cookie-authenticated writes against `next start` in Chromium: a signed-in creator's
// session cannot be ridden by another origin, a form encoding, an oversized or unstorable
// body; and signing in never redirects off-site. Each refused request changes nothing.
import { expect, test } from "@playwright/test";
import { CREATOR1_ID, DEMO_PASSWORD, signIn } from "./dashboard-helpers.ts";
import { e2eDatabase, lastSkuOf } from "./admin-helpers.ts";

test("a creator's cookie cannot be used to change stock from another origin, as a form, oversized or with a NUL", async ({ page }) => {
  const sql = e2eDatabase();
  try {
    await expect.poll(() => lastSkuOf(sql, CREATOR1_ID)).not.toBeNull();
    const sku = (await lastSkuOf(sql, CREATOR1_ID))!;
    await signIn(page, "creator1@example.com");
    const [before] = await sql<{ version: number }[]>`select max(version)::int as version from public.event_store where aggregate_id = ${`inventory-${sku.skuId}`}`;
    const adjust = `/api/inventory/${sku.skuId}/adjust`;
    const valid = { newTotal: sku.total + 1, expectedVersion: 0, commandId: crypto.randomUUID() };

    const otherOrigin = await page.request.post(adjust, { data: valid, headers: { origin: "http://127.0.0.1:1" } });
    expect(otherOrigin.status()).toBe(403);
    expect((await otherOrigin.json()).error.message).toBe("Changes must come from this app's own pages");
    // Every answer names its request, so a person can quote it and an operator find its log lines.
    expect(otherOrigin.headers()["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const crossSite = await page.request.post(adjust, { data: valid, headers: { "sec-fetch-site": "cross-site" } });
    expect(crossSite.status()).toBe(403);

    const plainText = await page.request.post(adjust, { data: JSON.stringify(valid), headers: { "content-type": "text/plain" } });
    expect(plainText.status()).toBe(415);

    const oversized = await page.request.post(adjust, { data: { ...valid, reason: "x".repeat(64 * 1024) } });
    expect(oversized.status()).toBe(413);

    const withNul = await page.request.post(adjust, { data: { ...valid, reason: "restock\u0000" } });
    expect(withNul.status()).toBe(400);
    expect((await withNul.json()).error.message).toBe('Field "reason" contains a NUL character');

    const [after] = await sql<{ version: number }[]>`select max(version)::int as version from public.event_store where aggregate_id = ${`inventory-${sku.skuId}`}`;
    expect(after.version).toBe(before.version);
  } finally {
    await sql.end();
  }
});

test("signing in with ?next= pointing off-site lands on the dashboard", async ({ page, baseURL }) => {
  await page.goto("/sign-in?next=/%5Cevil.example");
  await page.getByLabel("Email").fill("creator1@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/dashboard");
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
});
