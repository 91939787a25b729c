import { describe, expect, it } from "vitest";
import { foldDemand, noDemand, type SkuDemand } from "../../../src/core/analytics/demand-forecasts.ts";
import { decideSalesWatch, salesNow } from "../../../src/core/analytics/sales-watch.ts";
import { initialInventoryState, type InventoryState } from "../../../src/core/inventory/inventory.ts";
import { alertsProjection } from "../../../src/core/projections/index.ts";
import { SPEC_CREATOR_ID, storedEvent } from "../../test-data.ts";

const sku = "SKU-watch";
const start = Date.parse("2026-03-01T00:00:00Z");
const MINUTE_MS = 60_000;

/** The SKU's demand after a sale every `everyMinutes` from `start` until `until` (ms). */
function demandUntil(until: number, everyMinutes = 7.5): SkuDemand {
  const events = [];
  for (let at = start, index = 0; at < until; at += everyMinutes * MINUTE_MS, index += 1) {
    events.push(storedEvent({
      position: index + 1, version: index + 1, transactionId: String(index + 1), aggregateId: `order-w${index}`, aggregateType: "order", type: "order.validated", occurredAt: new Date(at),
      data: { order_id: `w${index}`, items: [{ sku_id: sku, product_id: "p1", quantity: 1, unit_price_minor: 1000 }], subtotal_minor: 1000, shipping_minor: 0, total_minor: 1000, currency: "USD" },
    }));
  }
  return foldDemand(noDemand(), events).state.skus.get(`${SPEC_CREATOR_ID}|${sku}`)!;
}

const stocked = (extra: Partial<InventoryState> = {}): InventoryState => ({ ...initialInventoryState(), skuId: sku, total: 200, ...extra });
const days = (count: number) => start + count * 24 * 3_600_000;

describe("the sales watch", () => {
  // Eight an hour for eight days, then nothing.
  const silent = demandUntil(days(8));

  it("calls it a drop when the last two hours sold nothing where about 16 were due, not while sales go on", () => {
    const threeHoursLater = salesNow(silent, new Date(days(8) + 3 * 3_600_000))!;
    expect(threeHoursLater.dropping).toBe(true);
    expect(threeHoursLater.dropWindow.observed).toBe(0);
    expect(threeHoursLater.dropWindow.expected).toBeGreaterThan(13);
    expect(threeHoursLater.dropWindow.expected).toBeLessThan(19);
    // Just after the last sale: the window still holds two hours of ordinary sales.
    expect(salesNow(silent, new Date(days(8)))!.dropping).toBe(false);
  });

  it("calls nothing a drop before a week of history, and judges nothing before a day", () => {
    expect(salesNow(demandUntil(days(5)), new Date(days(5) + 3 * 3_600_000))).toMatchObject({ dropping: false, spiking: false });
    expect(salesNow(demandUntil(days(0.5)), new Date(days(0.5) + 3 * 3_600_000))).toBeNull();
  });

  it("records a drop once, ends it when sales return, and not for a SKU that is sold out", () => {
    const sales = salesNow(silent, new Date(days(8) + 3 * 3_600_000))!;
    const lastSaleAt = silent.lastSaleAt;
    const [detected, ...more] = decideSalesWatch({ skuId: sku, inventory: stocked(), sales, lastSaleAt });
    expect(more).toEqual([]);
    expect(detected).toMatchObject({ type: "inventory.sales_drop_detected", data: { sku_id: sku, observed_units: 0, window_minutes: 120, last_sale_at: lastSaleAt.toISOString() } });
    expect(decideSalesWatch({ skuId: sku, inventory: stocked({ salesDrop: true }), sales, lastSaleAt })).toEqual([]);
    expect(decideSalesWatch({ skuId: sku, inventory: stocked({ total: 0 }), sales, lastSaleAt })).toEqual([]);
    expect(decideSalesWatch({ skuId: sku, inventory: stocked({ total: 0, salesDrop: true }), sales, lastSaleAt }).map((event) => event.type)).toEqual(["inventory.sales_drop_ended"]);

    const returned = demandUntil(days(9));
    const now = new Date(days(9));
    expect(decideSalesWatch({ skuId: sku, inventory: stocked({ salesDrop: true }), sales: salesNow(returned, now)!, lastSaleAt: returned.lastSaleAt }).map((event) => event.type)).toEqual([
      "inventory.sales_drop_ended",
    ]);
  });

  it("ends a spike once the last ten minutes are ordinary, though no stock moved to say so", () => {
    const sales = salesNow(silent, new Date(days(8) + 20 * MINUTE_MS))!;
    expect(sales.spiking).toBe(false);
    expect(decideSalesWatch({ skuId: sku, inventory: stocked({ salesSpike: true }), sales, lastSaleAt: silent.lastSaleAt }).map((event) => event.type)).toEqual(["inventory.sales_spike_ended"]);
    expect(decideSalesWatch({ skuId: sku, inventory: stocked({ salesSpike: false }), sales, lastSaleAt: silent.lastSaleAt })).toEqual([]);
  });

  it("opens a drop alert in the creator's words and resolves it when the drop ends", () => {
    const sales = salesNow(silent, new Date(days(8) + 3 * 3_600_000))!;
    const [detected] = decideSalesWatch({ skuId: sku, inventory: stocked(), sales, lastSaleAt: silent.lastSaleAt });
    const ended = { type: "inventory.sales_drop_ended" as const, data: { sku_id: sku, observed_units: 14, expected_units: 16, window_minutes: 120 } };
    const events = [detected!, ended].map((event, index) =>
      storedEvent({ position: index + 1, version: index + 1, aggregateId: `inventory-${sku}`, aggregateType: "inventory", type: event.type, data: event.data, occurredAt: new Date(days(8) + (3 + index) * 3_600_000) }),
    );
    const context = { replay: false, rebuilding: false, now: () => new Date() };
    const opened = alertsProjection.fold(alertsProjection.initialState(), events.slice(0, 1), context);
    const expected = Math.round(sales.dropWindow.expected);
    expect(opened.writes.alerts.map((alert) => [alert.kind, alert.severity, alert.title, alert.message, alert.action, alert.actionHref])).toEqual([
      ["sales_drop", "warning", `Stopped selling: SKU ${sku}`, `No sales in the last 2 h, where about ${expected} were expected. A listing may have been taken down or a video gone cold.`,
        `Check SKU ${sku}'s listing in TikTok Shop Seller Center`, `/dashboard#forecast-${sku}`],
    ]);
    const resolved = alertsProjection.fold(opened.state, events.slice(1), context);
    expect(resolved.writes.alerts.map((alert) => [alert.kind, alert.resolvedBy])).toEqual([["sales_drop", "system"]]);
  });
});
