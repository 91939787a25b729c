import { describe, expect, it } from "vitest";
import { decideOnObservedOrder, stockReportsOfProduct } from "../../../src/core/shop-history/observations.ts";
import type { TikTokOrderDetail } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { appliedOrderStatusAfter } from "../../../src/core/channels/tiktok-shop/webhook-mapping.ts";

function order(status: string, updateTime: number): TikTokOrderDetail {
  return {
    id: "576684019603311365",
    status,
    create_time: 1_700_000_000,
    update_time: updateTime,
    payment: { currency: "USD", sub_total: "25.98", shipping_fee: "4.00", total_amount: "29.98" },
    line_items: [
      { id: "1", sku_id: "1729000000001", product_id: "1729000000100", sale_price: "12.99", currency: "USD", product_name: "Mug" },
      { id: "2", sku_id: "1729000000001", product_id: "1729000000100", sale_price: "12.99", currency: "USD", product_name: "Mug" },
    ],
  };
}

describe("an order read from TikTok's search", () => {
  it("records an order never seen, with its items and total, as missing drift", () => {
    const decision = decideOnObservedOrder(order("AWAITING_SHIPMENT", 1_700_000_100), "7494726673780148744", undefined);
    expect(decision.drift).toBe("order_missing");
    expect(decision.events.map((event) => event.type)).toEqual(["order.received_from_tiktok"]);
    expect(decision.events[0].data).toMatchObject({ tiktok_status: "AWAITING_SHIPMENT", total_minor: 2998, currency: "USD", items: [{ sku_id: "1729000000001", quantity: 2, unit_price_minor: 1299 }] });
  });

  it("records nothing when the webhooks already applied that status", () => {
    const first = decideOnObservedOrder(order("AWAITING_SHIPMENT", 1_700_000_100), "7494726673780148744", undefined);
    const applied = appliedOrderStatusAfter(undefined, first.events);
    expect(decideOnObservedOrder(order("AWAITING_SHIPMENT", 1_700_000_100), "7494726673780148744", applied)).toMatchObject({ events: [], drift: null });
  });

  it("moves an order forward through the milestones a lost webhook skipped, as status drift", () => {
    const applied = { status: "AWAITING_SHIPMENT" as const, updateTime: 1_700_000_100 };
    const decision = decideOnObservedOrder(order("DELIVERED", 1_700_090_000), "7494726673780148744", applied);
    expect(decision.drift).toBe("order_status");
    expect(decision.events.map((event) => event.type)).toEqual(["order.shipped", "order.delivered"]);
  });

  it("never moves an order backwards with an older read", () => {
    const applied = { status: "COMPLETED" as const, updateTime: 1_700_090_000 };
    expect(decideOnObservedOrder(order("IN_TRANSIT", 1_700_050_000), "7494726673780148744", applied).events).toEqual([]);
  });

  it("spells the Orders API's CANCELLED as the webhook's cancellation", () => {
    const decision = decideOnObservedOrder(order("CANCELLED", 1_700_000_200), "7494726673780148744", { status: "UNPAID", updateTime: 1_700_000_000 });
    expect(decision.events.map((event) => event.type)).toEqual(["order.cancelled"]);
  });
});

describe("a product read from TikTok's search", () => {
  it("reports each SKU's count summed over warehouses, from the shop that lists it", () => {
    const events = stockReportsOfProduct(
      { id: "1729000000100", title: "Mug", skus: [{ id: "1729000000001", inventory: [{ quantity: 7 }, { quantity: 3 }] }, { id: "1729000000002", inventory: [] }] },
      1_700_000_000,
      "7494726673780148744",
      new Date("2026-12-02T01:00:00.000Z"),
    );
    expect(events.map((event) => [event.aggregateId, (event.data as { total: number }).total, (event.data as { inventory_status: string }).inventory_status])).toEqual([
      ["inventory-1729000000001", 10, "IN_STOCK"],
      ["inventory-1729000000002", 0, "OUT_OF_STOCK"],
    ]);
    expect(events.map((event) => (event.data as { shop_id?: string }).shop_id)).toEqual(["7494726673780148744", "7494726673780148744"]);
    // When the read began: a push recorded after it is newer than these counts.
    expect(events.map((event) => (event.data as { read_started_at?: string }).read_started_at)).toEqual(["2026-12-02T01:00:00.000Z", "2026-12-02T01:00:00.000Z"]);
  });
});
