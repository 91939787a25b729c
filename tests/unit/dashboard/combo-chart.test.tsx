// @vitest-environment jsdom
// The dashboard's SVG chart: what it draws for each kind of series, and what its tooltip says.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ComboChart, type ChartSeries } from "../../../src/app/dashboard/_components/combo-chart.tsx";

// jsdom lays nothing out: give every box the size a phone's chart box has.
const sizes = { clientWidth: 360, clientHeight: 256 };
const original = Object.fromEntries(Object.keys(sizes).map((key) => [key, Object.getOwnPropertyDescriptor(HTMLElement.prototype, key)]));
beforeAll(() => {
  // jsdom has no PointerEvent; a MouseEvent carries the pointer's position all the same.
  globalThis.PointerEvent ??= class extends MouseEvent {} as unknown as typeof PointerEvent;
  for (const [key, value] of Object.entries(sizes)) Object.defineProperty(HTMLElement.prototype, key, { configurable: true, get: () => value });
});
afterAll(() => {
  for (const [key, descriptor] of Object.entries(original)) if (descriptor) Object.defineProperty(HTMLElement.prototype, key, descriptor);
});
afterEach(cleanup);

const series: ChartSeries[] = [
  { kind: "bar", name: "Sold", axis: "left", color: "red", values: [2, 0, null, 4] },
  { kind: "band", name: "80% interval", axis: "left", color: "red", lower: [null, null, 1, 2], upper: [null, null, 3, 6] },
  { kind: "line", name: "Forecast", axis: "left", color: "red", values: [null, null, 2, 4] },
  { kind: "line", name: "Projected stock", axis: "right", color: "blue", values: [null, null, 30, 26] },
];

function renderChart() {
  return render(
    <ComboChart
      labels={["Mon 10", "Mon 11", "Mon 12", "Mon 13"]}
      series={series}
      axes={{ left: { width: 32, format: (value) => `${value} u` }, right: { width: 40, format: (value) => `${value} s`, integers: true } }}
      references={[{ axis: "right", value: 12, label: "Reorder point", color: "orange" }]}
      formatValue={(_, value) => value.toFixed(1)}
    />,
  );
}

describe("combo chart", () => {
  it("draws a bar for each bucket with a value, the band and lines where they have values, both axes and the reference line", () => {
    const { container } = renderChart();
    const svg = container.querySelector("svg.chart-surface")!;
    expect(svg.querySelectorAll("rect")).toHaveLength(2);
    const paths = [...svg.querySelectorAll("path")].map((path) => path.getAttribute("d") ?? "");
    // Band and two lines, each starting at the third bucket, where their values start.
    expect(paths).toHaveLength(3);
    for (const path of paths) expect(path).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(screen.getByText("0 u")).toBeTruthy();
    expect(screen.getByText("30 s")).toBeTruthy();
    expect(screen.getByText("Reorder point")).toBeTruthy();
    expect(screen.getByText("Mon 10")).toBeTruthy();
  });

  it("shows the bucket under the pointer in a tooltip, each series that has a value there", () => {
    const { container } = renderChart();
    const svg = container.querySelector("svg.chart-surface")!;
    // The plot runs from x 32 to 320 (360 less the right axis): four buckets of 72 px.
    fireEvent.pointerMove(svg, { clientX: 32 + 72 * 3 + 10 });
    const tooltip = container.querySelector(".chart-tooltip")!;
    expect([...tooltip.querySelectorAll("p")].map((line) => line.textContent)).toEqual(["Mon 13", "Sold: 4.0", "80% interval: 2.0 – 6.0", "Forecast: 4.0", "Projected stock: 26.0"]);

    fireEvent.pointerLeave(svg);
    expect(container.querySelector(".chart-tooltip")).toBeNull();
  });
});
