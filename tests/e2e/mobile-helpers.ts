// Steps of the mobile specs: a phone-sized page, simulated TikTok traffic, the horizontal
// overflow check and the accessibility check.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { runSimulation } from "../../src/simulator/run-simulation.ts";
import { parseSimulatorOptions } from "../../src/simulator/simulator-options.ts";
import { e2eEnv } from "./dashboard-helpers.ts";

export const PHONE_WIDTH = 360;

export function phoneContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: PHONE_WIDTH, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-US" });
}

/** The simulator's TikTok traffic (orders, updates, cancellations, inventory) for the demo creators, posted to the webhook function. */
export async function simulateTraffic(options: { seconds: number; rate: number }): Promise<void> {
  const parsed = parseSimulatorOptions(
    ["--target", e2eEnv("E2E_WEBHOOK_URL"), "--rate", String(options.rate), "--duration", String(options.seconds), "--creators", "2", "--no-api", "--linger", "0"],
    { TIKTOK_APP_KEY: e2eEnv("E2E_TIKTOK_APP_KEY"), TIKTOK_APP_SECRET: e2eEnv("E2E_TIKTOK_APP_SECRET") },
    Math.floor(Date.now() / 1000),
    Math.floor(Math.random() * 1_000_000),
  );
  if (parsed === "help") throw new Error("simulator options not understood");
  const summary = await runSimulation(parsed, { log: () => {}, printDelivery: () => {} });
  expect(summary.delivery?.networkErrors, summary.delivery?.firstError).toBe(0);
  expect(summary.delivery?.responses["200"] ?? 0).toBeGreaterThan(0);
}

/** How far the page reaches sideways, and what sticks out past the viewport (for the failure message). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; offenders: string[] }> {
  return page.evaluate((width) => {
    const offenders: string[] = [];
    for (const element of document.body.querySelectorAll("*")) {
      const box = element.getBoundingClientRect();
      if (box.right > width + 0.5 && box.width > 0) {
        // Only the outermost element that sticks out: its children follow it.
        const parent = element.parentElement?.getBoundingClientRect();
        if (!parent || parent.right <= width + 0.5) offenders.push(`${element.tagName.toLowerCase()}.${element.className} (${Math.round(box.right)} px)`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 10) };
  }, PHONE_WIDTH);
}

export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const overflow = await horizontalOverflow(page);
  expect(overflow.scrollWidth, `${page.url()} is ${overflow.scrollWidth} px wide: ${overflow.offenders.join(", ")}`).toBeLessThanOrEqual(PHONE_WIDTH);
}

/** axe-core's WCAG 2.x A/AA rules on the page as it stands: no serious or critical violation. */
export async function expectNoSeriousAccessibilityViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join("; ")}`);
  expect(serious, `${page.url()}`).toEqual([]);
}

/** What every page of the phone layout must pass: it fits the phone's width, and axe finds nothing serious. */
export async function expectFitsPhoneAccessibly(page: Page): Promise<void> {
  await expectNoSidewaysScroll(page);
  await expectNoSeriousAccessibilityViolations(page);
}
