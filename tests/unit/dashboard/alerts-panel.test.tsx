// @vitest-environment jsdom
// The alerts panel: the most severe few with a count of the rest, each in the creator's
// words with the one thing to do; never "no open alerts" while the live counts say
// there are some (a delta brings the counts at once, the list only with the next refresh).
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AlertsPanel, ALERTS_SHOWN } from "../../../src/app/dashboard/_components/alerts-panel.tsx";
import type { AlertRow } from "../../../src/lib/dashboard/dashboard-types.ts";

afterEach(cleanup);

function alertRow(id: string, overrides: Partial<AlertRow> = {}): AlertRow {
  return {
    id,
    kind: "stuck_saga",
    severity: "critical",
    title: `12 orders waiting for stock: Glow Serum (SKU ${id})`,
    message: "TikTok sold them, but there is no stock left here to fulfil them.",
    action: `Restock SKU ${id} or cancel the 12 orders waiting for it`,
    actionHref: `/dashboard#sku-${id}`,
    detail: "saga:order_fulfilment: step allocate failed (permanent_error)",
    occurrences: 12,
    openedAt: "2026-06-01T10:00:00Z",
    lastOccurredAt: "2026-06-01T10:30:00Z",
    acknowledgedAt: null,
    skuId: id,
    ...overrides,
  };
}

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

  it("shows the most severe few, with the count of the rest", () => {
    const alerts = [
      alertRow("w1", { severity: "warning" }),
      alertRow("c1"),
      alertRow("e1", { severity: "emergency" }),
      alertRow("c2", { lastOccurredAt: "2026-06-01T11:00:00Z" }),
      alertRow("w2", { severity: "warning" }),
    ];
    render(<AlertsPanel alerts={alerts} counts={{ open: 9, warning: 2, critical: 6, emergency: 1 }} locale="en-US" />);
    const shown = screen.getAllByRole("listitem").map((item) => item.getAttribute("data-alert-id"));
    expect(shown).toEqual(["e1", "c2", "c1"]);
    expect(shown).toHaveLength(ALERTS_SHOWN);
    expect(screen.getByTestId("alerts-more").textContent).toBe("6 more alerts");
    fireEvent.click(screen.getByTestId("alerts-more"));
    expect(screen.getAllByRole("listitem")).toHaveLength(5);
  });

  it("says what to do, with a link, and keeps the technical detail one click away", () => {
    render(<AlertsPanel alerts={[alertRow("1729ab")]} counts={{ open: 1, warning: 0, critical: 1, emergency: 0 }} locale="en-US" />);
    const link = screen.getByRole("link");
    expect(link.textContent).toBe("Restock SKU 1729ab or cancel the 12 orders waiting for it");
    expect(link.getAttribute("href")).toBe("/dashboard#sku-1729ab");
    expect(screen.getByTestId("alert-occurrences").textContent).toContain("12 times");
    expect(screen.getByText("Technical detail").closest("details")?.open).toBe(false);
  });

  it("sends the creator's action and takes a resolved alert off the panel", async () => {
    const onAction = vi.fn().mockResolvedValue(null);
    render(<AlertsPanel alerts={[alertRow("a1"), alertRow("a2")]} counts={{ open: 2, warning: 0, critical: 2, emergency: 0 }} locale="en-US" onAction={onAction} />);
    const first = screen.getAllByRole("listitem")[0]!;
    const firstId = first.getAttribute("data-alert-id")!;
    fireEvent.click(within(first).getByRole("button", { name: "Resolve" }));
    await waitFor(() => expect(screen.getAllByRole("listitem")).toHaveLength(1));
    expect(onAction).toHaveBeenCalledWith(firstId, { action: "resolve" });
    expect(screen.getByTestId("alerts-open-count").textContent).toBe("1");
  });

  it("shows why an action failed and keeps the alert", async () => {
    const onAction = vi.fn().mockResolvedValue("This alert is already resolved");
    render(<AlertsPanel alerts={[alertRow("a1")]} counts={{ open: 1, warning: 0, critical: 1, emergency: 0 }} locale="en-US" onAction={onAction} />);
    fireEvent.click(screen.getByRole("button", { name: "Snooze 4 h" }));
    await waitFor(() => expect(screen.getByTestId("alert-action-failure").textContent).toBe("This alert is already resolved"));
    expect(onAction).toHaveBeenCalledWith("a1", { action: "snooze", hours: 4 });
    expect(screen.getAllByRole("listitem")).toHaveLength(1);
  });
});
