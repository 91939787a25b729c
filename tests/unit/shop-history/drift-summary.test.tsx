// @vitest-environment jsdom
// The drift report as a creator reads it on the dashboard.
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DriftSummary, DriftTable } from "../../../src/components/shop-history/drift-table.tsx";
import type { DriftReport } from "../../../src/server/shop-history/drift-report.ts";

afterEach(cleanup);

const quiet: DriftReport = {
  since: "2026-11-30T12:00:00.000Z",
  lastCheckedAt: "2026-12-01T11:55:00.000Z",
  counts: { order_missing: 0, order_status: 0, stock_count: 0, total: 0 },
  items: [],
};

describe("drift report", () => {
  it("says 0 drift in the last 24 h and when the shops were last checked, with no table", () => {
    render(<DriftSummary report={quiet} />);
    render(<DriftTable report={quiet} showCreator={false} />);
    expect(screen.getByTestId("drift-summary").textContent).toBe("0 drift in the last 24 h. Last checked 2026-12-01 11:55 UTC.");
    expect(screen.queryByTestId("drift-table")).toBeNull();
  });

  it("lists what reconciliation recovered: what, when, what we had, what TikTok had, what was done", () => {
    const report: DriftReport = {
      ...quiet,
      counts: { order_missing: 1, order_status: 0, stock_count: 1, total: 2 },
      items: [
        { foundAt: "2026-12-01T11:55:02.000Z", creatorId: "c", shopId: "7494726673780148744", kind: "order_missing", reference: "576684019603311365", applied: null, observed: "AWAITING_SHIPMENT", action: "appended order.received_from_tiktok" },
        { foundAt: "2026-12-01T11:55:03.000Z", creatorId: "c", shopId: "7494726673780148744", kind: "stock_count", reference: "1729582700001", applied: "40", observed: "37", action: "adopted TikTok's count" },
      ],
    };
    render(<DriftSummary report={report} />);
    render(<DriftTable report={report} showCreator={false} />);
    expect(screen.getByTestId("drift-summary").textContent).toContain("2 drift in the last 24 h (1 orders never delivered, 0 statuses behind, 1 stock counts apart");
    const rows = screen.getAllByRole("row").slice(1).map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent));
    expect(rows).toEqual([
      ["2026-12-01 11:55:02 UTC", "7494726673780148744", "Order never delivered", "576684019603311365", "nothing", "AWAITING_SHIPMENT", "appended order.received_from_tiktok"],
      ["2026-12-01 11:55:03 UTC", "7494726673780148744", "Stock count apart", "1729582700001", "40", "37", "adopted TikTok's count"],
    ]);
  });
});
