// Connecting a TikTok Shop in Chromium: a new person signs up, clicks Connect on the
// onboarding guide, authorizes on the simulated TikTok's consent page and comes back to
// /onboarding with the shop linked. Then what can go wrong: the same callback replayed, the
// same seller authorized again from another account, the seller removing the app on TikTok
// (webhook type 6: the dashboard says so, Reconnect brings it back). Throughout, every
// answer the browser gets and every server log line is searched for the seller's tokens.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import type { Sql } from "postgres";
import { importTokenEncryptionKey, openToken } from "../../src/core/shops/token-encryption.ts";
import { e2eDatabase } from "./admin-helpers.ts";
import { authorizeOnTikTok, creatorIdOf, recordAnswers, signUp } from "./connect-helpers.ts";
import { e2eEnv, postSignedWebhook } from "./dashboard-helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

let sql: Sql;
test.beforeAll(() => {
  sql = e2eDatabase();
});
test.afterAll(async () => {
  await sql.end({ timeout: 5 });
});

async function sellerTokens(sellerOpenId: string): Promise<string[]> {
  const [row] = await sql<{ access_token_sealed: string; refresh_token_sealed: string }[]>`
    select access_token_sealed, refresh_token_sealed from public.tiktok_seller_credentials where seller_open_id = ${sellerOpenId}`;
  const key = await importTokenEncryptionKey(e2eEnv("E2E_TIKTOK_TOKEN_ENCRYPTION_KEY"));
  return [await openToken(key, row!.access_token_sealed, sellerOpenId), await openToken(key, row!.refresh_token_sealed, sellerOpenId)];
}

function serverLogs(): string[] {
  return ["e2e-next-server.log", "e2e-supabase-stand-in.log"].map((file) => readFileSync(path.join(repoRoot, "test-results", file), "utf8"));
}

test("a new creator connects a TikTok Shop, a replay and another account are refused, a deauthorised shop is flagged and reconnected, and no token is ever shown or logged", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const answers = recordAnswers(page);
  const email = await signUp(page);
  const creatorId = await creatorIdOf(sql, email);

  // Connect: onboarding → TikTok's consent page → back to onboarding with the shop.
  await page.getByRole("link", { name: "Connect TikTok Shop" }).click();
  await expect(page.getByRole("heading", { name: /Authorize/ })).toBeVisible();
  const callbackUrl = await authorizeOnTikTok(page, "new");
  await page.waitForURL("**/onboarding");
  const [shop] = await sql<{ shop_id: string; shop_name: string; seller_open_id: string; connection_status: string }[]>`
    select shop_id, shop_name, seller_open_id, connection_status from public.tiktok_shops where creator_id = ${creatorId}::uuid`;
  expect(shop).toMatchObject({ connection_status: "connected" });
  await expect(page.getByRole("list", { name: "Connected shops" })).toContainText(shop!.shop_name);
  const [connected] = await sql<{ event_type: string }[]>`select event_type from public.event_store where aggregate_id = ${`shop-${shop!.shop_id}`}`;
  expect(connected).toEqual({ event_type: "shop.connected" });
  const secrets = new Set(await sellerTokens(shop!.seller_open_id));
  const sellerName = (await sql<{ seller_name: string }[]>`select seller_name from public.tiktok_seller_credentials where seller_open_id = ${shop!.seller_open_id}`)[0]!.seller_name;

  // The same callback again: refused in words, nothing new.
  await page.goto(callbackUrl);
  await page.waitForURL("**/connect-tiktok/failed?reason=invalid_state");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("That connection link is not valid");
  await expect(page.getByRole("link", { name: "Try connecting again" })).toHaveAttribute("href", "/api/tiktok/connect");

  // Another account authorizes the same seller: refused, nothing linked to it.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  const otherAnswers = recordAnswers(other);
  const otherEmail = await signUp(other);
  await other.getByRole("link", { name: "Connect TikTok Shop" }).click();
  await authorizeOnTikTok(other, { name: sellerName });
  await other.waitForURL("**/connect-tiktok/failed?reason=shop_linked_elsewhere");
  await expect(other.getByRole("heading", { level: 1 })).toHaveText("This shop is already linked to another account");
  expect(await sql`select shop_id from public.tiktok_shops where creator_id = ${await creatorIdOf(sql, otherEmail)}::uuid`).toEqual([]);
  await otherContext.close();

  // The seller removes the app on TikTok (webhook type 6): calls stop, the dashboard says so.
  await postSignedWebhook({ type: 6, tts_notification_id: `e2e-deauth-${shop!.shop_id}`, shop_id: shop!.shop_id, timestamp: Math.floor(Date.now() / 1000), data: {} });
  await expect.poll(async () => (await sql<{ s: string }[]>`select connection_status as s from public.tiktok_shops where shop_id = ${shop!.shop_id}`)[0]!.s, { timeout: 20_000 }).toBe("deauthorized");
  await page.goto("/dashboard");
  const alert = page.locator(".alert-item").filter({ hasText: `TikTok Shop ${shop!.shop_id}` });
  await expect(async () => {
    await page.reload();
    await expect(alert).toContainText(`TikTok Shop ${shop!.shop_id} was disconnected`, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(alert).toContainText("Orders and stock no longer sync with it.");

  // Reconnect from the alert: the same seller authorizes again, the alert goes.
  await alert.getByRole("link", { name: "Connect the shop again" }).click();
  await authorizeOnTikTok(page, { name: sellerName });
  await page.waitForURL("**/onboarding");
  expect((await sql<{ s: string }[]>`select connection_status as s from public.tiktok_shops where shop_id = ${shop!.shop_id}`)[0]!.s).toBe("connected");
  for (const token of await sellerTokens(shop!.seller_open_id)) secrets.add(token);
  await page.goto("/dashboard");
  await expect(async () => {
    await page.reload();
    await expect(page.locator(".alert-item").filter({ hasText: `TikTok Shop ${shop!.shop_id}` })).toHaveCount(0, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });

  // Nothing the browser received, and nothing the servers logged, holds a token.
  expect(secrets.size).toBe(4);
  const seen = [...answers, ...otherAnswers, ...serverLogs(), await page.content()];
  expect(answers.length).toBeGreaterThan(10);
  for (const secret of secrets) {
    for (const text of seen) expect(text.includes(secret), `a token appeared in: ${text.slice(0, 160)}`).toBe(false);
  }
});

test("connecting needs a signed-in creator: a signed-out visitor is sent to sign in, and nothing is started", async ({ request }) => {
  const [before] = await sql<{ n: number }[]>`select count(*)::int as n from public.tiktok_oauth_states`;
  for (const path of ["/api/tiktok/connect", "/api/tiktok/callback?code=x&state=y"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status()).toBe(303);
    expect(response.headers().location).toBe("/sign-in?next=/onboarding");
    expect(response.headers()["cache-control"]).toBe("no-store");
  }
  const [after] = await sql<{ n: number }[]>`select count(*)::int as n from public.tiktok_oauth_states`;
  expect(after!.n).toBe(before!.n);
});
