import { describe, expect, it } from "vitest";
import { isNewerStatus, isTerminalOrderStatus, normalizeOrderStatus, orderStatusRank } from "../../../src/core/channels/tiktok-shop/order-status.ts";

describe("order status normalisation", () => {
  it("maps the webhook's CANCEL and the Orders API's CANCELLED to one status", () => {
    expect(normalizeOrderStatus("CANCEL")).toBe("CANCELLED");
    expect(normalizeOrderStatus("CANCELLED")).toBe("CANCELLED");
  });

  it("keeps the Orders API's PARTIALLY_SHIPPING, between awaiting shipment and collection", () => {
    expect(normalizeOrderStatus("PARTIALLY_SHIPPING")).toBe("PARTIALLY_SHIPPING");
    expect(orderStatusRank("PARTIALLY_SHIPPING")).toBeGreaterThan(orderStatusRank("AWAITING_SHIPMENT"));
    expect(orderStatusRank("PARTIALLY_SHIPPING")).toBeLessThan(orderStatusRank("AWAITING_COLLECTION"));
  });

  it("accepts every documented webhook status", () => {
    for (const status of ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"]) {
      expect(normalizeOrderStatus(status)).toBe(status);
    }
    // The webhook's spelling of a cancellation is the Orders API's CANCELLED.
    expect(normalizeOrderStatus("CANCEL")).toBe("CANCELLED");
  });

  it("returns undefined for a status TikTok does not document", () => {
    expect(normalizeOrderStatus("LOST_IN_SPACE")).toBeUndefined();
    expect(normalizeOrderStatus("")).toBeUndefined();
  });

  it("ranks the lifecycle in the order an order moves through it", () => {
    const lifecycle = ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"] as const;
    const ranks = lifecycle.map(orderStatusRank);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });

  it("treats cancelled and completed as terminal", () => {
    expect(isTerminalOrderStatus("CANCELLED")).toBe(true);
    expect(isTerminalOrderStatus("COMPLETED")).toBe(true);
    expect(isTerminalOrderStatus("DELIVERED")).toBe(false);
  });
});

describe("isNewerStatus", () => {
  it("accepts any status for an order never seen", () => {
    expect(isNewerStatus(undefined, { status: "ON_HOLD", updateTime: 1 })).toBe(true);
  });

  it("lets the newer update_time win, whatever the rank", () => {
    expect(isNewerStatus({ status: "IN_TRANSIT", updateTime: 100 }, { status: "DELIVERED", updateTime: 101 })).toBe(true);
    expect(isNewerStatus({ status: "IN_TRANSIT", updateTime: 100 }, { status: "AWAITING_SHIPMENT", updateTime: 99 })).toBe(false);
    expect(isNewerStatus({ status: "IN_TRANSIT", updateTime: 100 }, { status: "DELIVERED", updateTime: 99 })).toBe(false);
  });

  it("breaks an update_time tie by rank and never replaces the same status", () => {
    expect(isNewerStatus({ status: "ON_HOLD", updateTime: 100 }, { status: "AWAITING_SHIPMENT", updateTime: 100 })).toBe(true);
    expect(isNewerStatus({ status: "AWAITING_SHIPMENT", updateTime: 100 }, { status: "ON_HOLD", updateTime: 100 })).toBe(false);
    expect(isNewerStatus({ status: "ON_HOLD", updateTime: 100 }, { status: "ON_HOLD", updateTime: 100 })).toBe(false);
  });
});
