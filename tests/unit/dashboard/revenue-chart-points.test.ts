// The revenue chart's buckets: the server cuts whole UTC hours and UTC days, and the chart
// must find them wherever the viewer is, including a time zone half an hour off UTC.
import { afterEach, describe, expect, it } from "vitest";
import { chartPoints } from "../../../src/app/dashboard/_components/revenue-chart.tsx";

const originalTimeZone = process.env.TZ;
afterEach(() => {
  process.env.TZ = originalTimeZone;
});

const point = (bucketStart: string, netMinor: number, orders: number) => ({ bucketStart, grossMinor: netMinor, netMinor, orders });

describe("revenue chart points", () => {
  it("places the server's UTC hours in the last 24 hours in a half-hour time zone, zero-filling the rest", () => {
    process.env.TZ = "Asia/Kolkata";
    const now = new Date("2026-12-02T07:40:00Z");
    const points = chartPoints("24h", [point("2026-12-02T06:00:00.000Z", 1250, 2), point("2026-12-01T08:00:00.000Z", 500, 1)], [], "2026-12-02", now, 2, "en-GB");
    expect(points).toHaveLength(24);
    // 07:00 UTC is the hour in progress; 06:00 UTC shows as 11:30 in Kolkata.
    expect(points[22]).toEqual({ label: "11:30", revenue: 12.5, orders: 2 });
    expect(points[0]).toEqual({ label: "13:30", revenue: 5, orders: 1 });
    expect(points.filter((one) => one.orders > 0)).toHaveLength(2);
  });

  it("walks UTC days up to today and labels them as those days, whatever the viewer's time zone", () => {
    process.env.TZ = "America/Los_Angeles";
    const points = chartPoints("7d", [], [point("2026-11-30T00:00:00.000Z", 9900, 3)], "2026-12-02", new Date("2026-12-02T01:00:00Z"), 2, "en-US");
    expect(points.map((one) => one.label)).toEqual(["Nov 26", "Nov 27", "Nov 28", "Nov 29", "Nov 30", "Dec 1", "Dec 2"]);
    expect(points[4]).toEqual({ label: "Nov 30", revenue: 99, orders: 3 });
  });
});
