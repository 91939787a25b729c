import { describe, expect, it } from "vitest";
import { decideLeadTime, suggestReorder } from "../../../src/core/analytics/reorder.ts";
import { foldLeadTimes } from "../../../src/core/analytics/reorder-settings-projection.ts";
import { hourIndex, newDemandModel, observeHour } from "../../../src/core/analytics/demand-model.ts";
import { DomainError } from "../../../src/core/domain-error.ts";
import { evolveInventory, initialInventoryState, type InventoryState } from "../../../src/core/inventory/inventory.ts";
import { SPEC_CREATOR_ID, storedEvent } from "../../test-data.ts";

const sku = "SKU-lead";
const stocked = (extra: Partial<InventoryState> = {}): InventoryState => ({ ...initialInventoryState(), skuId: sku, total: 50, ...extra });
const changed = (days: number, position: number, creatorId = SPEC_CREATOR_ID) =>
  storedEvent({ position, version: position, creatorId, aggregateId: `inventory-${sku}`, aggregateType: "inventory", type: "inventory.lead_time_changed", data: { sku_id: sku, lead_time_days: days, previous_lead_time_days: null } });

describe("a SKU's lead time", () => {
  it("is recorded when the creator sets it, with what it was, and not again when it is already so", () => {
    expect(decideLeadTime(stocked(), 10)).toEqual([{ type: "inventory.lead_time_changed", data: { sku_id: sku, lead_time_days: 10, previous_lead_time_days: null } }]);
    const afterwards = evolveInventory(stocked(), changed(10, 1));
    expect(afterwards.leadTimeDays).toBe(10);
    expect(decideLeadTime(afterwards, 10)).toEqual([]);
    expect(decideLeadTime(afterwards, 3)).toEqual([{ type: "inventory.lead_time_changed", data: { sku_id: sku, lead_time_days: 3, previous_lead_time_days: 10 } }]);
  });

  it.each([0, 366, 2.5, Number.NaN])("refuses %s days", (days) => {
    expect(() => decideLeadTime(stocked(), days)).toThrow(new DomainError("validation", "The lead time is a whole number of days from 1 to 365"));
  });

  it("refuses a SKU the inventory has never seen", () => {
    expect(() => decideLeadTime(initialInventoryState(), 5)).toThrow(/No such SKU/);
  });

  it("keeps the latest lead time per SKU of a batch, for each creator apart", () => {
    const other = "3f0e1c52-7f7d-4b8e-9a51-4d1f8c2b6a10";
    expect(foldLeadTimes([changed(10, 1), changed(4, 2), changed(21, 3, other)]).writes).toEqual([
      { creatorId: SPEC_CREATOR_ID, skuId: sku, leadTimeDays: 4 },
      { creatorId: other, skuId: sku, leadTimeDays: 21 },
    ]);
  });

  it("makes the reorder suggestion cover that many days", () => {
    const from = hourIndex(new Date("2026-03-01T00:00:00Z"));
    const model = Array.from({ length: 14 * 24 }, () => 2).reduce((current, units, offset) => observeHour(current, from + offset, units), newDemandModel(from));
    const week = suggestReorder(model, { leadTimeDays: 7, serviceLevel: 0.95 });
    const fortnight = suggestReorder(model, { leadTimeDays: 14, serviceLevel: 0.95 });
    expect(fortnight.quantity).toBeGreaterThan(1.8 * week.quantity);
    expect(fortnight.reasoning).toMatch(/^sells ~48\/day, lead time 14 days, safety \d+ → order \d+$/);
  });
});
