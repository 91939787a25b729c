// @vitest-environment jsdom
// The page a failed TikTok Shop connection lands on: the reason from the URL in words, a
// way to try again when trying again can help, and nothing from the URL but a known code.
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import ConnectTikTokFailedPage from "../../../src/app/connect-tiktok/failed/page.tsx";
import { connectFailureReasons } from "../../../src/core/shops/shop-connection.ts";
import { connectFailedPath, connectFailureMessages } from "../../../src/lib/tiktok/connect-failures.ts";

afterEach(cleanup);

async function renderFor(reason: string | string[] | undefined) {
  render(await ConnectTikTokFailedPage({ searchParams: Promise.resolve(reason === undefined ? {} : { reason }) }));
}

describe("connect TikTok failed page", () => {
  it("has words for every reason the connection flow gives", () => {
    for (const reason of connectFailureReasons) {
      expect(connectFailureMessages[reason].title.length).toBeGreaterThan(10);
      expect(connectFailedPath(reason)).toBe(`/connect-tiktok/failed?reason=${reason}`);
    }
  });

  it("says why in words and offers to try again", async () => {
    await renderFor("state_expired");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("That connection link has expired");
    expect(screen.getByRole("alert").textContent).toContain("within 10 minutes");
    expect(screen.getByRole("link", { name: "Try connecting again" }).getAttribute("href")).toBe("/api/tiktok/connect");
    expect(screen.getByRole("link", { name: "Back to getting started" }).getAttribute("href")).toBe("/onboarding");
  });

  it("does not offer to try again when only another account can fix it", async () => {
    await renderFor("shop_linked_elsewhere");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("This shop is already linked to another account");
    expect(screen.queryByRole("link", { name: "Try connecting again" })).toBeNull();
  });

  it("shows the generic message for an unknown or repeated reason, never echoing the URL", async () => {
    await renderFor("<script>alert(1)</script>");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Something went wrong on our side");
    expect(document.body.innerHTML).not.toContain("script");
    cleanup();
    await renderFor(["denied", "denied"]);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Something went wrong on our side");
  });
});
