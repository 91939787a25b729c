import { describe, expect, it } from "vitest";
import { hourIndex, newDemandModel, observeHour, type DemandModel } from "../../../src/core/analytics/demand-model.ts";
import { decideDemandSignals } from "../../../src/core/analytics/demand-signals.ts";
import { defaultReorderPolicy } from "../../../src/core/analytics/reorder.ts";
import { initialInventoryState, type InventoryState } from "../../../src/core/inventory/inventory.ts";
import { alertsProjection } from "../../../src/core/projections/index.ts";
import { storedEvent } from "../../test-data.ts";

const sku = "SKU-signals";
const from = hourIndex(new Date("2026-03-01T00:00:00Z"));
/** Two an hour for three weeks: about 48 a day. */
const model: DemandModel = Array.from({ length: 21 * 24 }, () => 2).reduce((current, units, offset) => observeHour(current, from + offset, units), newDemandModel(from));
const stock = (total: number, extra: Partial<InventoryState> = {}): InventoryState => ({ ...initialInventoryState(), skuId: sku, total, ...extra });
const spike = { kind: "spike" as const, score: 4, observedPerHour: 60, expectedPerHour: 2 };

describe("demand signals", () => {
  it("suggests a reorder, with its reasoning, when stock crosses the forecast's reorder point", () => {
    const events = decideDemandSignals({ skuId: sku, inventory: stock(500), model, anomaly: null, policy: defaultReorderPolicy() });
    expect(events).toEqual([]);
    const [reorder] = decideDemandSignals({ skuId: sku, inventory: stock(300), model, anomaly: null, policy: defaultReorderPolicy() });
    expect(reorder).toMatchObject({ type: "inventory.reorder_triggered", data: { sku_id: sku, lead_time_days: 7, available: 300 } });
    if (reorder?.type !== "inventory.reorder_triggered") throw new Error("expected a reorder");
    expect(reorder.data.reorder_point).toBeGreaterThanOrEqual(336);
    expect(reorder.data.reasoning).toBe(`sells ~48/day, lead time 7 days, safety ${reorder.data.safety_stock} → order ${reorder.data.reorder_quantity}`);
  });

  it("suggests it once until the SKU is restocked, and not from too little history", () => {
    expect(decideDemandSignals({ skuId: sku, inventory: stock(10, { reorderTriggered: true }), model, anomaly: null, policy: defaultReorderPolicy() })).toEqual([]);
    const young = observeHour(newDemandModel(from), from, 5);
    expect(decideDemandSignals({ skuId: sku, inventory: stock(0), model: young, anomaly: null, policy: defaultReorderPolicy() })).toEqual([]);
  });

  it("flags a spike once, with when the stock runs out at that rate, and ends it when sales calm down", () => {
    const [detected] = decideDemandSignals({ skuId: sku, inventory: stock(180, { reorderTriggered: true }), model, anomaly: spike, policy: defaultReorderPolicy() });
    expect(detected).toEqual({
      type: "inventory.sales_spike_detected",
      data: { sku_id: sku, observed_per_hour: 60, expected_per_hour: 2, score: 4, window_minutes: 10, available: 180, hours_to_stockout: 3 },
    });
    expect(decideDemandSignals({ skuId: sku, inventory: stock(180, { reorderTriggered: true, salesSpike: true }), model, anomaly: spike, policy: defaultReorderPolicy() })).toEqual([]);
    expect(decideDemandSignals({ skuId: sku, inventory: stock(170, { reorderTriggered: true, salesSpike: true }), model, anomaly: null, policy: defaultReorderPolicy() }).map((event) => event.type)).toEqual([
      "inventory.sales_spike_ended",
    ]);
  });

  it("becomes a predictive alert: at the current rate the SKU sells out in about 3 h", () => {
    const [detected] = decideDemandSignals({ skuId: sku, inventory: stock(180, { reorderTriggered: true }), model, anomaly: spike, policy: defaultReorderPolicy() });
    const events = [detected!, { type: "inventory.sales_spike_ended" as const, data: { sku_id: sku, observed_per_hour: 3, expected_per_hour: 2 } }].map((event, index) =>
      storedEvent({ position: index + 1, version: index + 1, aggregateId: `inventory-${sku}`, aggregateType: "inventory", type: event.type, data: event.data, occurredAt: new Date(Date.UTC(2026, 2, 22, 12, index)) }),
    );
    const opened = alertsProjection.fold(alertsProjection.initialState(), events.slice(0, 1), { replay: false, rebuilding: false, now: () => new Date() });
    expect(opened.writes.alerts.map((alert) => [alert.kind, alert.severity, alert.title, alert.message])).toEqual([
      ["sales_spike", "emergency", `Selling fast: SKU ${sku}`, "Selling 60.0 an hour, 30x the usual 2.0 (a video may be going viral). At the current rate it sells out in about 3 h."],
    ]);
    const ended = alertsProjection.fold(opened.state, events.slice(1), { replay: false, rebuilding: false, now: () => new Date() });
    expect(ended.writes.alerts.map((alert) => alert.resolvedBy)).toEqual(["system"]);
  });
});
