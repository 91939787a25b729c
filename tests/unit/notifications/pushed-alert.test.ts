import { describe, expect, it } from "vitest";
import { pushedAlertFor, pushKindOf } from "../../../src/core/notifications/pushed-alert.ts";
import { isWithinQuietHours, minuteOfDay } from "../../../src/core/notifications/quiet-hours.ts";
import { ordersStuckText, RECONNECT_HREF } from "../../../src/core/alerts/alert-text.ts";
import type { Alert } from "../../../src/core/projections/alerts.ts";
import { notificationFromPush } from "../../../src/service-worker/push-notification.ts";
import { openStockAlert } from "../../alert-data.ts";

const alert = (overrides: Partial<Alert>): Alert => openStockAlert("SKU-RED-M", { productName: "Red tee M", openedAt: new Date("2026-12-02T10:00:00Z"), ...overrides });

describe("which alerts are pushed", () => {
  it("pushes an emergency stock-out but not a low-stock warning or critical level", () => {
    expect(pushKindOf(alert({ severity: "emergency" }))).toBe("stock_out");
    expect(pushKindOf(alert({ severity: "critical" }))).toBeNull();
    expect(pushKindOf(alert({ severity: "warning" }))).toBeNull();
  });

  it("pushes an order that cannot be fulfilled and a shop that needs reconnecting, not sync conflicts or failures", () => {
    expect(pushKindOf(alert({ kind: "stuck_saga", severity: "critical" }))).toBe("unfulfillable_order");
    expect(pushKindOf(alert({ kind: "shop_connection", severity: "critical" }))).toBe("shop_reconnect");
    expect(pushKindOf(alert({ kind: "sync_conflict", severity: "warning" }))).toBeNull();
    expect(pushKindOf(alert({ kind: "sync_failure", severity: "critical" }))).toBeNull();
  });

  it("pushes a sales spike", () => {
    expect(pushKindOf(alert({ kind: "sales_spike", severity: "critical" }))).toBe("sales_spike");
  });

  it("says what the alert says and opens the page its action links to", () => {
    const stockOut = pushedAlertFor(alert({}))!;
    expect(stockOut).toMatchObject({ title: "Running low: Red tee M (SKU SKU-RED-M)", url: "/dashboard#sku-SKU-RED-M" });
    expect(stockOut.body).toContain("1 unit left");
    const stuck = alert({ kind: "stuck_saga", severity: "critical", subject: "failed:allocate", skuId: null, ...ordersStuckText({ problem: "failed", step: "allocate", waitingOrders: 3 }) });
    expect(pushedAlertFor(stuck)?.url).toBe(stuck.actionHref);
  });

  it("opens the dashboard, not the reconnect route, for a shop to reconnect", () => {
    const reconnect = alert({ kind: "shop_connection", severity: "critical", skuId: null, actionHref: RECONNECT_HREF });
    expect(pushedAlertFor(reconnect)?.url).toBe("/dashboard");
  });

  it("pushes nothing for an alert already resolved", () => {
    expect(pushedAlertFor(alert({ resolvedAt: new Date("2026-12-02T10:01:00Z") }))).toBeNull();
  });
});

describe("quiet hours", () => {
  const at = (iso: string) => new Date(iso);

  it("holds pushes inside a window that wraps past midnight, in the device's time zone", () => {
    const night = { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: "Europe/Paris" };
    // 22:30 and 06:59 in Paris (UTC+1 in December) are quiet; 07:00 and 21:59 are not.
    expect(isWithinQuietHours(at("2026-12-02T21:30:00Z"), night)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-02T05:59:00Z"), night)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-02T06:00:00Z"), night)).toBe(false);
    expect(isWithinQuietHours(at("2026-12-02T20:59:00Z"), night)).toBe(false);
  });

  it("holds pushes inside a same-day window and never without one", () => {
    const lunch = { startMinute: 12 * 60, endMinute: 13 * 60, timeZone: "UTC" };
    expect(isWithinQuietHours(at("2026-12-02T12:15:00Z"), lunch)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-02T13:00:00Z"), lunch)).toBe(false);
    expect(isWithinQuietHours(at("2026-12-02T12:15:00Z"), null)).toBe(false);
  });

  it("reads an unknown time zone as UTC", () => {
    expect(minuteOfDay(at("2026-12-02T08:20:00Z"), "Not/AZone")).toBe(8 * 60 + 20);
  });
});

describe("the service worker's notification", () => {
  it("shows a pushed alert with its title, text and where tapping leads, tagged by alert", () => {
    const pushed = pushedAlertFor(alert({}))!;
    const shown = notificationFromPush(JSON.stringify(pushed));
    expect(shown?.title).toBe(pushed.title);
    expect(shown?.options.body).toBe(pushed.body);
    expect(shown?.options.tag).toBe(`alert-${pushed.alertId}`);
    expect(shown?.options.data).toEqual({ alertId: pushed.alertId, kind: "stock_out", url: "/dashboard#sku-SKU-RED-M" });
  });

  it("shows nothing for a payload that is not one of ours", () => {
    expect(notificationFromPush("not json")).toBeNull();
    expect(notificationFromPush(JSON.stringify({ title: "hi" }))).toBeNull();
    expect(notificationFromPush(null)).toBeNull();
  });
});
