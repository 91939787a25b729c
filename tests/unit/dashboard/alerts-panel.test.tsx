// @vitest-environment jsdom
// The alerts panel never says "no open alerts" while the live counts say there are some:
// a delta brings the counts at once, the list only with the next refresh.
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { AlertsPanel } from "../../../src/app/dashboard/_components/alerts-panel.tsx";

afterEach(cleanup);

describe("the alerts panel", () => {
  it("says new alerts are loading when the counts are ahead of the list", () => {
    render(<AlertsPanel alerts={[]} counts={{ open: 2, warning: 1, critical: 1, emergency: 0 }} locale="en-US" />);
    expect(screen.getByRole("status").textContent).toBe("2 new alerts: loading the details…");
    expect(screen.queryByText(/No open alerts/)).toBeNull();
  });

  it("says there are none only when the counts agree", () => {
    render(<AlertsPanel alerts={[]} counts={{ open: 0, warning: 0, critical: 0, emergency: 0 }} locale="en-US" />);
    expect(screen.getByText(/No open alerts/)).toBeTruthy();
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("links an alert about a SKU to that SKU's inventory row, and others to nothing", () => {
    const base = { severity: "critical" as const, openedAt: "2026-06-01T10:00:00Z" };
    render(
      <AlertsPanel
        alerts={[
          { ...base, id: "a1", kind: "stuck_saga", subject: "5770001", message: "Not enough stock for SKU 1729 ab (Glow Serum)", skuId: "1729 ab" },
          { ...base, id: "a2", kind: "sync_failure", subject: "tiktok-orders", message: "TikTok did not answer", skuId: null },
        ]}
        counts={{ open: 2, warning: 0, critical: 2, emergency: 0 }}
        locale="en-US"
      />,
    );
    const links = screen.getAllByRole("link");
    expect(links).toHaveLength(1);
    expect(links[0]!.textContent).toBe("See SKU 1729 ab");
    expect(links[0]!.getAttribute("href")).toBe("#sku-1729%20ab");
  });
});
