// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { InventoryTable, newStockCount } from "../../../src/app/dashboard/_components/inventory-table.tsx";
import { sku } from "./dashboard-fixtures.ts";

afterEach(cleanup);

const rows = [
  sku({ skuId: "2001", available: 80, total: 80 }),
  sku({ skuId: "2002", available: 8, total: 10, reserved: 2, velocityPerHour: 1, hoursToStockout: 8, severity: "critical" }),
  sku({ skuId: "2003", available: 9, total: 9, hoursToStockout: null, severity: "warning" }),
  sku({ skuId: "2004", available: 1, total: 1, velocityPerHour: 2, hoursToStockout: 0.5, severity: "emergency" }),
];

function renderTable() {
  return render(<InventoryTable rows={rows} pending={{}} notice={null} locale="en-US" onAdjust={() => {}} onDismissNotice={() => {}} />);
}

const bodySkus = () =>
  within(screen.getByRole("table"))
    .getAllByRole("row")
    .slice(1)
    .map((row) => row.getAttribute("data-sku"));

describe("inventory table", () => {
  it("shows each SKU's severity in words and makes low-stock rows stand out", () => {
    renderTable();
    const critical = screen.getByRole("rowheader", { name: "2002" }).closest("tr")!;
    expect(critical.dataset.severity).toBe("critical");
    expect(within(critical).getByText("Critical")).toBeTruthy();
    expect(within(critical).getByText("8 h")).toBeTruthy();
    expect(within(critical).getByRole("img").getAttribute("aria-label")).toBe("8 available and 2 reserved of 10 in stock; reorder at 10");
    const emergency = screen.getByRole("rowheader", { name: "2004" }).closest("tr")!;
    expect(within(emergency).getByText("Emergency")).toBeTruthy();
    expect(within(emergency).getByText("< 1 h")).toBeTruthy();
    const healthy = screen.getByRole("rowheader", { name: "2001" }).closest("tr")!;
    expect(healthy.dataset.severity).toBe("ok");
    expect(within(healthy).getByText("OK")).toBeTruthy();
  });

  it("puts the most urgent SKUs first and sorts by any column", () => {
    renderTable();
    expect(bodySkus()).toEqual(["2004", "2002", "2003", "2001"]);
    const available = screen.getByRole("button", { name: "Available" });
    fireEvent.click(available);
    expect(bodySkus()).toEqual(["2004", "2002", "2003", "2001"]);
    expect(available.closest("th")!.getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(available);
    expect(bodySkus()).toEqual(["2001", "2003", "2002", "2004"]);
    expect(available.closest("th")!.getAttribute("aria-sort")).toBe("descending");
  });

  it("tells a creator without products what to do", () => {
    render(<InventoryTable rows={[]} pending={{}} notice={null} locale="en-US" onAdjust={() => {}} onDismissNotice={() => {}} />);
    expect(screen.getByText(/No products yet/)).toBeTruthy();
  });

  it("takes as a new stock count only a whole number of at least 0", () => {
    expect(newStockCount("12")).toBe(12);
    expect(newStockCount(" 0 ")).toBe(0);
    expect([newStockCount(""), newStockCount("  "), newStockCount("3.5"), newStockCount("-1"), newStockCount("ten")]).toEqual([null, null, null, null, null]);
  });
});
