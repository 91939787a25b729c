// Which onboarding step is done, current or still to do, from the state alone.
import { describe, expect, it } from "vitest";
import { onboardingSteps, type ImportProgress, type OnboardingState } from "../../../src/lib/onboarding/onboarding-steps.ts";

const shop = { shopId: "7494726673780148744", shopName: "Demo shop", connectedAt: "2026-12-01T10:00:00.000Z" };
const state = (overrides: Partial<OnboardingState> = {}): OnboardingState => ({ shops: [], import: null, ...overrides });
const importing = (status: ImportProgress["status"]): ImportProgress => ({ status, importedCount: 12, totalCount: 40 });

describe("onboarding steps", () => {
  it("starts a creator without a shop at connecting one, with import and live still to do", () => {
    expect(onboardingSteps(state())).toEqual({ connect: "current", import: "todo", live: "todo" });
  });

  it("does not move past connecting on an import that belongs to no shop", () => {
    expect(onboardingSteps(state({ import: importing("running") }))).toEqual({ connect: "current", import: "todo", live: "todo" });
  });

  it("waits on the import while it runs, and when it failed", () => {
    expect(onboardingSteps(state({ shops: [shop], import: importing("running") }))).toEqual({ connect: "done", import: "current", live: "todo" });
    expect(onboardingSteps(state({ shops: [shop], import: importing("failed") }))).toEqual({ connect: "done", import: "current", live: "todo" });
  });

  it("is live once the import completed", () => {
    expect(onboardingSteps(state({ shops: [shop], import: importing("completed") }))).toEqual({ connect: "done", import: "done", live: "current" });
  });

  it("is live for a connected shop with no import recorded: nothing to wait for", () => {
    expect(onboardingSteps(state({ shops: [shop] }))).toEqual({ connect: "done", import: "done", live: "current" });
  });
});
