import { describe, expect, it } from "vitest";
import { compileTypeFilter, typeMatches, upcastEvent } from "../../../src/core/event-store/index.ts";

describe("type filters", () => {
  it("splits exact names from wildcards and escapes LIKE's own wildcards", () => {
    expect(compileTypeFilter(["order.shipped", "inventory.*", "system.sync_*"])).toEqual({
      exact: ["order.shipped"],
      likePatterns: ["inventory.%", "system.sync\\_%"],
      matchesAll: false,
    });
    expect(compileTypeFilter(["*"]).matchesAll).toBe(true);
  });

  it("matches types in memory the way the database does", () => {
    expect(typeMatches(["order.*"], "order.shipped")).toBe(true);
    expect(typeMatches(["order.*"], "orders.shipped")).toBe(false);
    expect(typeMatches(["*.shipped"], "order.shipped")).toBe(true);
    expect(typeMatches(["order.shipped"], "order.shipped_late")).toBe(false);
    expect(typeMatches(["*"], "anything.at_all")).toBe(true);
  });
});

describe("upcasting", () => {
  const registry = {
    "order.shipped": {
      1: ({ shipper, ...rest }: Record<string, unknown>) => ({ ...rest, carrier: shipper }),
      2: (data: Record<string, unknown>) => ({ ...data, carrier: String(data.carrier).toUpperCase() }),
    },
  };

  it("applies every step from the stored version to the newest", () => {
    expect(upcastEvent(registry, "order.shipped", 1, { shipper: "ups" })).toEqual({ schemaVersion: 3, data: { carrier: "UPS" } });
    expect(upcastEvent(registry, "order.shipped", 2, { carrier: "dhl" })).toEqual({ schemaVersion: 3, data: { carrier: "DHL" } });
  });

  it("leaves current and unregistered events alone", () => {
    expect(upcastEvent(registry, "order.shipped", 3, { carrier: "UPS" })).toEqual({ schemaVersion: 3, data: { carrier: "UPS" } });
    expect(upcastEvent(registry, "order.delivered", 1, { order_id: "1" })).toEqual({ schemaVersion: 1, data: { order_id: "1" } });
  });
});
