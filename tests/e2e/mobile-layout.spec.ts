// On a 360 px phone, with real data on the pages (after simulated TikTok traffic): no page
// scrolls sideways, and axe-core finds no serious or critical accessibility violation on the
// sign-in, onboarding, dashboard and admin pages.
import { expect, test } from "@playwright/test";
import { signUp } from "./connect-helpers.ts";
import { signIn } from "./dashboard-helpers.ts";
import { expectFitsPhoneAccessibly, phoneContext, simulateTraffic } from "./mobile-helpers.ts";

const ADMIN_PAGES = ["/admin", "/admin/event-store", "/admin/dead-letters", "/admin/health", "/admin/projections", "/admin/reconciliation", "/admin/history"];

test.describe.configure({ timeout: 180_000 });

test("sign-in and onboarding fit a 360 px screen and pass axe", async ({ browser }) => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  try {
    await page.goto("/sign-in");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await expectFitsPhoneAccessibly(page);

    await signUp(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectFitsPhoneAccessibly(page);
  } finally {
    await context.close();
  }
});

test("after simulated traffic, the dashboard and the admin pages fit a 360 px screen and pass axe", async ({ browser }) => {
  await simulateTraffic({ seconds: 20, rate: 8 });
  const context = await phoneContext(browser);
  const page = await context.newPage();
  try {
    await signIn(page, "creator1@example.com");
    // Real data on it: the traffic's orders are in the feed.
    await expect(page.getByTestId("order-feed").locator("li").first()).toBeVisible();
    await expectFitsPhoneAccessibly(page);
    await page.getByRole("link", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in**");

    await signIn(page, "admin@example.com");
    for (const path of ADMIN_PAGES) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await expectFitsPhoneAccessibly(page);
    }
  } finally {
    await context.close();
  }
});

test("every control on the dashboard is reachable with the Tab key", async ({ page }) => {
  await signIn(page, "creator1@example.com");
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
  // Number every visible, enabled control, then Tab through the page and note which get focus.
  const controls = await page.evaluate(() => {
    const selector = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
    // What a closed <details> holds is reached by opening it (its summary is on the list).
    const folded = (element: HTMLElement) => element.tagName !== "SUMMARY" && element.closest("details:not([open])") !== null;
    const visible = [...document.querySelectorAll<HTMLElement>(selector)].filter(
      (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden" && !element.closest("[inert]") && !folded(element),
    );
    visible.forEach((element, index) => element.setAttribute("data-keyboard-check", String(index)));
    return visible.map((element) => `${element.tagName.toLowerCase()} "${(element.textContent ?? element.getAttribute("aria-label") ?? "").trim().slice(0, 40)}"`);
  });
  const reached = new Set<number>();
  for (let press = 0; press < controls.length + 20 && reached.size < controls.length; press += 1) {
    await page.keyboard.press("Tab");
    const index = await page.evaluate(() => document.activeElement?.getAttribute("data-keyboard-check") ?? null);
    if (index !== null) reached.add(Number(index));
  }
  const missed = controls.filter((_, index) => !reached.has(index));
  expect(missed).toEqual([]);
  expect(controls.length).toBeGreaterThan(10);
});
