// How Shopify's Admin API answers become ours, without a store: quantities, linkable variants,
// a compare-and-set's outcome, a refused cancellation, and a failed request's kind.
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../rejection.ts";
import {
  availableQuantities,
  cancelRefusalError,
  inventoryItemsWithSku,
  setAvailableOutcome,
  shopifyApiErrorOf,
  ShopifyApiError,
} from "../../../src/core/channels/shopify/admin-api.ts";

const location = "gid://shopify/Location/1";

describe("a Shopify answer read", () => {
  it("takes each item's available quantity and leaves out items Shopify does not stock there or does not know", () => {
    const quantities = availableQuantities(
      {
        nodes: [
          { id: "gid://shopify/InventoryItem/1", inventoryLevel: { quantities: [{ name: "on_hand", quantity: 9 }, { name: "available", quantity: 7 }] } },
          { id: "gid://shopify/InventoryItem/2", inventoryLevel: null },
          null,
        ],
      },
      location,
    );
    expect(quantities).toEqual([{ inventoryItemId: "gid://shopify/InventoryItem/1", locationId: location, available: 7 }]);
  });

  it("keeps only the variants with a SKU and an inventory item", () => {
    const items = inventoryItemsWithSku({
      productVariants: {
        nodes: [
          { sku: "SKU-1", inventoryItem: { id: "gid://shopify/InventoryItem/1" } },
          { sku: null, inventoryItem: { id: "gid://shopify/InventoryItem/2" } },
          { sku: "", inventoryItem: { id: "gid://shopify/InventoryItem/3" } },
          { sku: "SKU-4", inventoryItem: null },
        ],
        pageInfo: { hasNextPage: false, endCursor: null },
      },
    });
    expect(items).toEqual([{ sku: "SKU-1", inventoryItemId: "gid://shopify/InventoryItem/1" }]);
  });
});

describe("a compare-and-set's answer", () => {
  const refused = (code: string) => ({ inventoryAdjustmentGroup: null, userErrors: [{ code, field: ["input"], message: `refused: ${code}` }] });

  it("is written, with the adjustment group when Shopify names one", () => {
    expect(setAvailableOutcome({ inventoryAdjustmentGroup: { id: "gid://shopify/InventoryAdjustmentGroup/5" }, userErrors: [] })).toEqual({ outcome: "written", adjustmentGroupId: "gid://shopify/InventoryAdjustmentGroup/5" });
    expect(setAvailableOutcome({ inventoryAdjustmentGroup: null, userErrors: [] })).toEqual({ outcome: "written", adjustmentGroupId: null });
  });

  it("is stale under either of Shopify's names for a moved count", () => {
    expect(setAvailableOutcome(refused("CHANGE_FROM_QUANTITY_STALE"))).toEqual({ outcome: "stale" });
    expect(setAvailableOutcome(refused("COMPARE_QUANTITY_STALE"))).toEqual({ outcome: "stale" });
  });

  it("is worth a retry while the same write is in flight, and not when Shopify refuses the request", () => {
    const inFlight = thrownBy(() => setAvailableOutcome(refused("IDEMPOTENCY_CONCURRENT_REQUEST")), ShopifyApiError);
    expect([inFlight.kind, inFlight.retryable]).toEqual(["throttled", true]);
    const invalid = thrownBy(() => setAvailableOutcome(refused("INVALID_LOCATION")), ShopifyApiError);
    expect([invalid.kind, invalid.retryable]).toEqual(["invalid_request", false]);
    expect(invalid.message).toBe("SetAvailable: INVALID_LOCATION: refused: INVALID_LOCATION");
  });
});

describe("a refused cancellation", () => {
  it("is retryable only when Shopify failed inside", () => {
    expect(cancelRefusalError([{ code: "INTERNAL_ERROR", field: null, message: "try again" }]).kind).toBe("server");
    const invalid = cancelRefusalError([{ code: "INVALID", field: ["orderId"], message: "cannot be cancelled" }, { code: null, field: null, message: "and more" }]);
    expect(invalid.kind).toBe("invalid_request");
    expect(invalid.message).toBe("CancelOrder: INVALID: cannot be cancelled; ERROR: and more");
  });
});

describe("a failed request", () => {
  it("is classified by Shopify's throttle code first, then by HTTP status", () => {
    expect(shopifyApiErrorOf("Op", 200, undefined, [{ message: "slow down", extensions: { code: "THROTTLED" } }]).kind).toBe("throttled");
    expect(shopifyApiErrorOf("Op", 401, "Unauthorized", undefined).kind).toBe("unauthorized");
    expect(shopifyApiErrorOf("Op", 403, "Forbidden", undefined).kind).toBe("unauthorized");
    expect(shopifyApiErrorOf("Op", 429, "Too many", undefined).kind).toBe("throttled");
    expect(shopifyApiErrorOf("Op", 502, "Bad gateway", undefined).kind).toBe("server");
    expect(shopifyApiErrorOf("Op", undefined, "fetch failed", undefined).kind).toBe("network");
    expect(shopifyApiErrorOf("Op", 200, undefined, [{ message: "Field 'x' doesn't exist" }]).kind).toBe("invalid_request");
  });

  it("says which operation failed and how, in at most 500 characters", () => {
    expect(shopifyApiErrorOf("ReadAvailable", 503, "Service unavailable", undefined).message).toBe("ReadAvailable (HTTP 503): Service unavailable");
    expect(shopifyApiErrorOf("ReadAvailable", 200, undefined, [{ message: "a" }, { message: "b" }]).message).toBe("ReadAvailable: a; b");
    expect(shopifyApiErrorOf("Op", 400, "x".repeat(600), undefined).message).toHaveLength(500);
  });
});
