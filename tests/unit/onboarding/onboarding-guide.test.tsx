// @vitest-environment jsdom
// The onboarding guide as a person (or a screen reader) meets it: one current step, marked
// as such, and the action that step asks for.
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { OnboardingGuide } from "../../../src/app/onboarding/_components/onboarding-guide.tsx";
import type { OnboardingState } from "../../../src/lib/onboarding/onboarding-steps.ts";

afterEach(cleanup);

const shop = { shopId: "7494726673780148744", shopName: "Maya's Studio", connectedAt: "2026-12-01T10:00:00.000Z" };

function renderGuide(state: OnboardingState) {
  render(<OnboardingGuide state={state} />);
  const steps = screen.getAllByRole("listitem").filter((item) => item.parentElement?.tagName === "OL");
  const current = steps.filter((step) => step.getAttribute("aria-current") === "step");
  return { steps, current };
}

describe("onboarding guide", () => {
  it("makes connecting a shop the current step of a new creator, linking to the TikTok connection", () => {
    const { steps, current } = renderGuide({ shops: [], import: null });

    expect(steps.map((step) => within(step).getByRole("heading").textContent)).toEqual(["Connect your TikTok Shop", "Import your shop", "Go live"]);
    expect(current).toHaveLength(1);
    expect(within(current[0]).getByRole("heading").textContent).toBe("Connect your TikTok Shop");
    expect(current[0].textContent).toContain("Step 1 of 3 · Current step");
    expect(within(current[0]).getByRole("link", { name: "Connect TikTok Shop" }).getAttribute("href")).toBe("/api/tiktok/connect");
    expect(steps[1].textContent).toContain("Step 2 of 3 · To do");
    expect(screen.queryByRole("link", { name: "Open your dashboard" })).toBeNull();
  });

  it("shows the import's progress while it runs", () => {
    const { steps, current } = renderGuide({ shops: [shop], import: { status: "running", importedCount: 120, totalCount: 300 } });

    expect(steps[0].textContent).toContain("Step 1 of 3 · Done");
    expect(within(steps[0]).getByRole("list", { name: "Connected shops" }).textContent).toContain("Maya's Studio");
    expect(within(current[0]).getByRole("heading").textContent).toBe("Import your shop");
    const bar = within(current[0]).getByRole("progressbar", { name: "Importing… 120 of 300 items." });
    expect(bar.getAttribute("value")).toBe("120");
    expect(bar.getAttribute("max")).toBe("300");
  });

  it("says so when the import failed", () => {
    const { current } = renderGuide({ shops: [shop], import: { status: "failed", importedCount: 7, totalCount: null } });

    expect(within(current[0]).getByRole("alert").textContent).toBe("The import stopped after 7 items.");
  });

  it("offers the dashboard once the shop is connected and imported", () => {
    const { current } = renderGuide({ shops: [shop], import: { status: "completed", importedCount: 300, totalCount: 300 } });

    expect(within(current[0]).getByRole("heading").textContent).toBe("Go live");
    expect(within(current[0]).getByRole("link", { name: "Open your dashboard" }).getAttribute("href")).toBe("/dashboard");
    expect(screen.queryByRole("link", { name: "Connect TikTok Shop" })).toBeNull();
  });
});
