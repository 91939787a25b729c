import { describe, expect, it } from "vitest";
import { notEnoughStockReason } from "../../../src/core/fulfilment/allocation-failure.ts";
import { decideInventory, initialInventoryState, InsufficientStock } from "../../../src/core/inventory/inventory.ts";

describe("why an order's stock could not be reserved", () => {
  it("names the SKU, the product, what the order needs and what is available, and what to check", () => {
    expect(notEnoughStockReason({ skuId: "1729384756", productName: "Glow Serum 30 ml", needed: 2, available: 0 })).toBe(
      "Not enough stock for SKU 1729384756 (Glow Serum 30 ml): the order needs 2 units, 0 are available here. " +
        "TikTok accepted the order, so TikTok's count was higher than ours: check this SKU's stock count.",
    );
  });

  it("leaves the product out when TikTok gave no name, and counts one unit in the singular", () => {
    expect(notEnoughStockReason({ skuId: "SKU-1", needed: 1, available: 1 })).toMatch(/^Not enough stock for SKU SKU-1: the order needs 1 unit, 1 is available here\./);
    expect(notEnoughStockReason({ skuId: "SKU-1", productName: "  ", needed: 3, available: 2 })).toMatch(/^Not enough stock for SKU SKU-1: the order needs 3 units, 2 are available here\./);
  });

  it("is raised by the inventory with the numbers it needs", () => {
    const now = new Date("2026-06-01T10:00:00Z");
    const state = { ...initialInventoryState(), skuId: "SKU-1", total: 1 };
    let thrown: unknown;
    try {
      decideInventory({ type: "Reserve", skuId: "SKU-1", orderId: "o-1", quantity: 3 }, state, now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InsufficientStock);
    expect(thrown).toMatchObject({ code: "illegal_state", skuId: "SKU-1", requested: 3, available: 1 });
  });
});
