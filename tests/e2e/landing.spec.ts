// The landing page at /, in Chromium against `next start`: what a signed-out visitor sees
// (what the product is, sign in, sign up), a creator sent on to their dashboard, and an
// admin shown the way to the admin panel.
import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, signIn } from "./dashboard-helpers.ts";

test("a signed-out visitor at / sees what CreatorFlow Sync is and the ways in, and can reach sign-up and sign-in", async ({ page }, testInfo) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Your TikTok Shop orders and inventory, in sync and live" })).toBeVisible();
  await expect(page.getByRole("list", { name: "What it does" }).getByRole("listitem")).toHaveCount(3);
  // Nothing of anyone's data, and no admin way in, for a stranger.
  await expect(page.getByRole("link", { name: "Open the admin panel" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Account" })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("landing-desktop.png"), fullPage: true });

  await page.setViewportSize({ width: 360, height: 740 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: testInfo.outputPath("landing-phone.png"), fullPage: true });

  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL("**/sign-up");
  await expect(page.getByRole("heading", { level: 1, name: "Create your account" })).toBeVisible();

  await page.goto("/");
  await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();
  await page.waitForURL("**/sign-in");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
});

test("a signed-out visitor is still sent to sign in from every other page, the admin event store included", async ({ page }) => {
  await page.goto("/admin/event-store");
  await page.waitForURL("**/sign-in?next=%2Fadmin%2Fevent-store");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
});

test("a signed-in creator who opens / goes on to their dashboard", async ({ page }) => {
  await signIn(page, "creator1@example.com");
  await page.goto("/");
  await page.waitForURL("**/dashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
});

test("a signed-in admin at / sees the landing with a link to the admin panel, which opens it", async ({ page }) => {
  await page.goto("/sign-in?next=/");
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("link", { name: "Open the admin panel" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create an account" })).toHaveCount(0);
  await page.getByRole("link", { name: "Open the admin panel" }).click();
  await page.waitForURL(/\/admin$/);
  await expect(page.getByRole("heading", { level: 1, name: "Conflict queue" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Event store" })).toHaveAttribute("href", "/admin/event-store");
});
