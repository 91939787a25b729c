import { describe, expect, it } from "vitest";
import { createOrderStatusCache } from "../../../src/core/webhooks/order-status-cache.ts";

const shipped = { lastApplied: { status: "IN_TRANSIT" as const, updateTime: 1764003600 }, version: 2 };
const placed = { lastApplied: { status: "AWAITING_SHIPMENT" as const, updateTime: 1764000000 }, version: 1 };

describe("order status cache", () => {
  it("remembers the last status and version set for an order, and forgets on demand", () => {
    const cache = createOrderStatusCache(10);
    cache.set("o1", placed);
    cache.set("o1", shipped);
    expect(cache.get("o1")).toEqual(shipped);
    cache.forget("o1");
    expect(cache.get("o1")).toBeUndefined();
  });

  it("drops the least recently used order when full", () => {
    const cache = createOrderStatusCache(2);
    cache.set("o1", placed);
    cache.set("o2", placed);
    cache.get("o1");
    cache.set("o3", shipped);
    expect(cache.get("o2")).toBeUndefined();
    expect(cache.get("o1")).toEqual(placed);
    expect(cache.get("o3")).toEqual(shipped);
    expect(cache.size).toBe(2);
  });

  it("refuses a capacity below one", () => {
    expect(() => createOrderStatusCache(0)).toThrow(RangeError);
  });
});
