// Self-service sign-up in Chromium against `next start` and the stand-in with sign-up on
// (email confirmation off, as locally): a new person creates an account, lands on the
// onboarding guide, and cannot reach an empty dashboard until a shop is connected.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./dashboard-helpers.ts";
import { uniqueId } from "../test-data.ts";

const newEmail = () => `e2e-sign-up-${uniqueId()}@creatorflow.test`;
const PASSWORD = "a-long-enough-password";

async function fillSignUp(page: Page, email: string, password: string, confirmPassword = password): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(confirmPassword);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** The one step marked as current (aria-current="step") in the onboarding guide. */
const currentStep = (page: Page) => page.getByRole("listitem").and(page.locator('[aria-current="step"]'));

test("a new person signs up, lands on onboarding at its first step, and /dashboard sends them back there", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL("**/sign-up");
  await expect(page.getByRole("heading", { level: 1, name: "Create your account" })).toBeVisible();

  await fillSignUp(page, newEmail(), PASSWORD);

  await page.waitForURL("**/onboarding");
  await expect(page.getByRole("heading", { level: 1, name: "Get started" })).toBeVisible();
  await expect(currentStep(page)).toHaveCount(1);
  await expect(currentStep(page).getByRole("heading")).toHaveText("Connect your TikTok Shop");
  await expect(currentStep(page)).toContainText("Step 1 of 3 · Current step");
  await expect(currentStep(page).getByRole("link", { name: "Connect TikTok Shop" })).toHaveAttribute("href", "/api/tiktok/connect");

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByRole("heading", { level: 1, name: "Get started" })).toBeVisible();
  await expect(currentStep(page).getByRole("heading")).toHaveText("Connect your TikTok Shop");

  // Phone width, light then dark: the guide fits and follows the colour scheme.
  await page.setViewportSize({ width: 360, height: 740 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const cardBackground = () => currentStep(page).evaluate((step) => getComputedStyle(step).backgroundColor);
  expect(await cardBackground()).toBe("rgb(255, 255, 255)");
  await page.screenshot({ path: testInfo.outputPath("onboarding-phone.png"), fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  expect(await cardBackground()).toBe("rgb(27, 29, 34)");
  await page.screenshot({ path: testInfo.outputPath("onboarding-phone-dark.png"), fullPage: true });
});

test("sign-up refuses mismatched passwords and an email that already has an account", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/sign-up");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // Next's route announcer is an (empty) alert too: pick the form's.
  const formAlert = page.getByRole("alert").filter({ hasText: /\S/ });

  await fillSignUp(page, newEmail(), PASSWORD, `${PASSWORD}!`);
  await expect(formAlert).toHaveText("The two passwords do not match.");
  await expect(page.getByLabel("Confirm password")).toBeFocused();

  await fillSignUp(page, "creator1@example.com", PASSWORD);
  await expect(formAlert).toHaveText("An account with this email already exists. Sign in instead.");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/sign-up$/);
});

test("a demo creator with a connected shop still opens the dashboard, not onboarding", async ({ page }) => {
  await signIn(page, "creator2@example.com");
  await expect(page).toHaveURL(/\/dashboard$/);
});
