import { describe, expect, it } from "vitest";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import {
  available,
  decideInventory,
  evolveInventory,
  hoursToStockout,
  initialInventoryState,
  lowStockSeverity,
  salesVelocityPerHour,
  tiktokHeld,
  type InventoryCommand,
} from "../../../src/core/inventory/inventory.ts";
import { fold } from "./specification.ts";

const SKU = "sku-red";
const now = new Date("2026-11-20T12:00:00Z");
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

const stocked = (total: number, at = hoursAgo(30)): NewEvent => ({
  type: "inventory.stock_updated",
  data: { sku_id: SKU, previous_total: 0, new_total: total, source: "manual" },
  occurredAt: at,
});
const reserved = (orderId: string, quantity: number): NewEvent => ({ type: "inventory.reserved", data: { sku_id: SKU, order_id: orderId, quantity } });
const sold = (from: number, to: number, at: Date): NewEvent => ({
  type: "inventory.stock_updated",
  data: { sku_id: SKU, previous_total: from, new_total: to, source: "order" },
  occurredAt: at,
});

/** TikTok's type 27 report of the SKU, with its holds, at TikTok's time `updateTime`. */
const tiktokReported = (total: number, holds: { campaign?: number; creator?: number }, updateTime: number): NewEvent => ({
  type: "inventory.external_count_reported",
  data: {
    sku_id: SKU,
    product_id: "1729582718312380123",
    inventory_status: "IN_STOCK",
    total,
    available: total - (holds.campaign ?? 0) - (holds.creator ?? 0),
    creator_reserved: holds.creator ?? 0,
    campaign_reserved: holds.campaign ?? 0,
    committed: 0,
    tiktok_update_time: updateTime,
  },
});

function spec(given: NewEvent[], when: InventoryCommand) {
  return () => decideInventory(when, fold(initialInventoryState, evolveInventory, given), now);
}

describe("inventory decider", () => {
  it("reserves what is available", () => {
    expect(spec([stocked(50)], { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 3 })()).toEqual([reserved("o1", 3)]);
  });

  it("never reserves more than is available", () => {
    expect(spec([stocked(5), reserved("o1", 4)], { type: "Reserve", skuId: SKU, orderId: "o2", quantity: 2 })).toThrow(/only 1 available/);
  });

  it("reserves once per order, so a retried step is harmless", () => {
    expect(spec([stocked(50), reserved("o1", 3)], { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 3 })()).toEqual([]);
  });

  it("releases only what an order holds", () => {
    expect(spec([stocked(50), reserved("o1", 3)], { type: "Release", skuId: SKU, orderId: "o1", reason: "cancelled" })()).toEqual([
      { type: "inventory.released", data: { sku_id: SKU, order_id: "o1", quantity: 3, reason: "cancelled" } },
    ]);
    expect(spec([stocked(50), reserved("o1", 3)], { type: "Release", skuId: SKU, orderId: "o1", quantity: 4, reason: "cancelled" })).toThrow(/holds 3/);
    expect(spec([stocked(50)], { type: "Release", skuId: SKU, orderId: "o9", reason: "cancelled" })()).toEqual([]);
  });

  it("never lets stock go negative or below what orders hold", () => {
    expect(spec([stocked(50)], { type: "AdjustStock", skuId: SKU, newTotal: -1, source: "manual" })).toThrow(/cannot be -1/);
    expect(spec([stocked(50), reserved("o1", 20)], { type: "AdjustStock", skuId: SKU, newTotal: 10, source: "manual" })).toThrow(/20 are reserved/);
  });

  it("turns a shipped reservation into a sale", () => {
    const events = spec([stocked(50), reserved("o1", 3)], { type: "ConfirmShipment", skuId: SKU, orderId: "o1" })();
    const state = fold(initialInventoryState, evolveInventory, [stocked(50), reserved("o1", 3), ...events.map((event) => ({ ...event, occurredAt: hoursAgo(1) }))]);
    expect({ total: state.total, reserved: state.reserved, available: available(state) }).toEqual({ total: 47, reserved: 0, available: 47 });
    expect(salesVelocityPerHour(state, now)).toBeCloseTo(3 / 24);
  });

  it("detects low stock at the reorder point with severity by hours to stock-out", () => {
    // 48 sold in the last day: 2 per hour.
    const busyDay = [stocked(60), sold(60, 12, hoursAgo(2))];
    const state = fold(initialInventoryState, evolveInventory, busyDay);
    expect(salesVelocityPerHour(state, now)).toBe(2);
    expect(hoursToStockout(state, now)).toBe(6);
    expect(lowStockSeverity(state, now)).toBeNull();

    const [, alert] = spec(busyDay, { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 3 })();
    expect(alert).toEqual({
      type: "inventory.low_stock_detected",
      data: { sku_id: SKU, available: 9, reorder_point: 10, severity: "critical", hours_to_stockout: 4.5 },
    });
    const [, emergency] = spec(busyDay, { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 6 })();
    expect(emergency.data).toMatchObject({ severity: "emergency", hours_to_stockout: 3 });
    const quiet = spec([stocked(12)], { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 5 })();
    expect(quiet[1].data).toMatchObject({ severity: "warning", hours_to_stockout: null });
  });

  it("alerts once per severity, and again after a restock", () => {
    const alerted: NewEvent[] = [stocked(12), reserved("o1", 5), { type: "inventory.low_stock_detected", data: { sku_id: SKU, available: 7, reorder_point: 10, severity: "warning", hours_to_stockout: null } }];
    expect(spec(alerted, { type: "Reserve", skuId: SKU, orderId: "o2", quantity: 1 })()).toEqual([reserved("o2", 1)]);
    const restocked: NewEvent[] = [...alerted, { type: "inventory.stock_updated", data: { sku_id: SKU, previous_total: 12, new_total: 40, source: "manual" } }];
    const afterRestock = spec(restocked, { type: "AdjustStock", skuId: SKU, newTotal: 10, source: "manual" })();
    expect(afterRestock.map((event) => event.type)).toEqual(["inventory.stock_updated", "inventory.low_stock_detected"]);
  });

  describe("TikTok's holds", () => {
    it("counts as available what a buyer can still buy: the total less reservations and TikTok's creator and campaign holds", () => {
      const state = fold(initialInventoryState, evolveInventory, [stocked(20), reserved("o1", 2), tiktokReported(20, { campaign: 3, creator: 1 }, 1_800_000_000)]);
      expect({ held: tiktokHeld(state), available: available(state) }).toEqual({ held: 4, available: 14 });
    });

    it("keeps the holds of TikTok's newest report: an older report arriving late does not bring back a hold TikTok released", () => {
      const state = fold(initialInventoryState, evolveInventory, [stocked(20), tiktokReported(20, {}, 1_800_000_100), tiktokReported(20, { campaign: 3 }, 1_800_000_050)]);
      expect(available(state)).toBe(20);
    });

    it("reserves for a TikTok order out of a campaign's hold (TikTok sold it), never beyond what no order holds", () => {
      const given = [stocked(5), tiktokReported(5, { campaign: 3 }, 1_800_000_000)];
      expect(spec(given, { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 4 })()[0]).toEqual(reserved("o1", 4));
      expect(spec(given, { type: "Reserve", skuId: SKU, orderId: "o1", quantity: 6 })).toThrow(/only 5 available/);
    });
  });
});

describe("inventory state", () => {
  const at = (event: NewEvent, when: Date): NewEvent => ({ ...event, occurredAt: when });
  const state = (events: NewEvent[]) => fold(initialInventoryState, evolveInventory, events);

  it("folds stock, reservations by order, releases, TikTok's report and the last day's sales into the SKU's state", () => {
    const released = (orderId: string, quantity: number): NewEvent => ({ type: "inventory.released", data: { sku_id: SKU, order_id: orderId, quantity, reason: "cancelled" } });
    expect(state([
      stocked(20, hoursAgo(30)),
      sold(20, 18, hoursAgo(28)),
      at(tiktokReported(18, { campaign: 2, creator: 1 }, 1_800_000_000), hoursAgo(5)),
      at(reserved("o1", 3), hoursAgo(4)),
      at(reserved("o1", 2), hoursAgo(4)),
      at(reserved("o2", 1), hoursAgo(3)),
      at(released("o1", 2), hoursAgo(2)),
      at(released("o2", 1), hoursAgo(2)),
      sold(18, 15, hoursAgo(1)),
    ])).toEqual({
      skuId: SKU,
      productId: "1729582718312380123",
      total: 15,
      reserved: 3,
      reservations: { o1: 3 },
      reorderPoint: 10,
      // The sale 28 hours ago has left the day's window.
      recentSales: [{ at: hoursAgo(1).toISOString(), quantity: 3 }],
      lastSyncAt: hoursAgo(5).toISOString(),
      lastChangeAt: hoursAgo(1).toISOString(),
      lastChangeSource: "order",
      lowStockSeverity: null,
      tiktokHolds: { creatorReserved: 1, campaignReserved: 2, tiktokUpdateTime: 1_800_000_000 },
      reorderTriggered: false,
    });
  });

  it("counts TikTok's or a reconciliation's total as a sync, and only a restock clears a reorder already suggested", () => {
    const reorder: NewEvent = { type: "inventory.reorder_triggered", data: { sku_id: SKU, reorder_quantity: 30, reorder_point: 25 } };
    const update = (from: number, to: number, source: "manual" | "tiktok" | "reconciliation"): NewEvent => ({
      type: "inventory.stock_updated", occurredAt: hoursAgo(1), data: { sku_id: SKU, previous_total: from, new_total: to, source },
    });
    expect(state([stocked(20), reorder])).toMatchObject({ reorderPoint: 25, reorderTriggered: true, lastSyncAt: null });
    expect(state([stocked(20), reorder, update(20, 18, "manual")])).toMatchObject({ reorderTriggered: true, lastSyncAt: null, lastChangeSource: "manual" });
    expect(state([stocked(20), reorder, update(20, 19, "reconciliation")])).toMatchObject({ reorderTriggered: true, lastSyncAt: hoursAgo(1).toISOString() });
    expect(state([stocked(20), reorder, update(20, 40, "tiktok")])).toMatchObject({ reorderTriggered: false, lastSyncAt: hoursAgo(1).toISOString(), total: 40 });
    expect(state([stocked(20), reorder, sold(20, 18, hoursAgo(1))])).toMatchObject({ reorderTriggered: true, total: 18 });
  });

  it("keeps a spike, a drop and the lead time as they are reported, and low stock until the SKU is back above its reorder point", () => {
    const spike: NewEvent = { type: "inventory.sales_spike_detected", data: { sku_id: SKU, observed_per_hour: 9, expected_per_hour: 1, score: 6, window_minutes: 60, available: 5, hours_to_stockout: 0.5 } };
    const spikeEnded: NewEvent = { type: "inventory.sales_spike_ended", data: { sku_id: SKU, observed_per_hour: 1, expected_per_hour: 1 } };
    const drop: NewEvent = { type: "inventory.sales_drop_detected", data: { sku_id: SKU, observed_units: 0, expected_units: 12, window_minutes: 360, score: 5, last_sale_at: hoursAgo(7).toISOString() } };
    const dropEnded: NewEvent = { type: "inventory.sales_drop_ended", data: { sku_id: SKU, observed_units: 10, expected_units: 12, window_minutes: 360 } };
    const leadTime: NewEvent = { type: "inventory.lead_time_changed", data: { sku_id: SKU, lead_time_days: 14, previous_lead_time_days: null } };
    const low: NewEvent = { type: "inventory.low_stock_detected", data: { sku_id: SKU, available: 5, reorder_point: 8, severity: "critical", hours_to_stockout: 10 } };
    expect(state([stocked(5), spike, drop, leadTime, low])).toMatchObject({ salesSpike: true, salesDrop: true, leadTimeDays: 14, lowStockSeverity: "critical", reorderPoint: 8 });
    expect(state([stocked(5), spike, drop, low, spikeEnded, dropEnded, stocked(8)])).toMatchObject({ salesSpike: false, salesDrop: false, lowStockSeverity: "critical" });
    expect(state([stocked(5), low, stocked(9)])).toMatchObject({ lowStockSeverity: null, reorderPoint: 8 });
  });

  it("is unchanged by an event it has no rule for", () => {
    const before = state([stocked(20), reserved("o1", 2)]);
    expect(state([stocked(20), reserved("o1", 2), { type: "order.validation_started", data: { order_id: "o1" } }])).toEqual(before);
  });
});
