import { describe, expect, it } from "vitest";
import {
  decideOnInventoryRead,
  defaultSyncRules,
  emptyReconciliationReport,
  pushUnderWayByStockOutbox,
  reconciliationPushed,
  STOCK_OUTBOX_GRACE_MS,
  tallyInventoryRead,
  type SyncRules,
} from "../../../src/core/conflicts/index.ts";
import { evolveStockOutbox, initialStockOutboxState } from "../../../src/core/inventory/stock-outbox.ts";
import { given, reported, skuId, stockSet, stored } from "./given.ts";

const now = new Date("2026-03-01T12:00:00Z");
const context = (rules: Partial<SyncRules> = {}) => ({ skuId, conflictId: "99999999-9999-4999-8999-999999999999", rules: { ...defaultSyncRules, ...rules }, now });
const read = (available: number, committed = 0) => ({ readId: "88888888-8888-4888-8888-888888888888", productId: "p-1", available, committed });

describe("what the reconciliation decides for a SKU TikTok's search reports", () => {
  it("adds the holds of TikTok's last webhook, which the search does not report, to its count", () => {
    const state = given(stockSet(30, "tiktok", 1), reported(30, 5, { campaign: 4 }));
    expect(decideOnInventoryRead(state, read(26), context())).toMatchObject({ holds: 4, externalTotal: 30, localTotal: 30, pushTotal: null, events: [], decision: { outcome: "agrees" } });
  });

  it("sends TikTok a count decided earlier without judging the read again", () => {
    const conflictId = "77777777-7777-4777-8777-777777777777";
    const state = given(
      stockSet(30, "manual", 1),
      stored("inventory.sync_conflict_detected", { conflict_id: conflictId, conflict_type: "quantity_mismatch", local_value: 30, external_value: 25, source: "tiktok" }),
      stored("inventory.sync_conflict_resolved", { conflict_id: conflictId, method: "keep_local", winner: "local", winning_value: 30, losing_value: 25, resolved_by: "admin" }),
    );
    expect(decideOnInventoryRead(state, read(25), context())).toMatchObject({ decision: null, events: [], pushTotal: 30, externalTotal: 25 });
  });

  it("sends TikTok the local count when a rule keeps it", () => {
    const decided = decideOnInventoryRead(given(stockSet(30, "manual", 1)), read(26), context({ sourceOfTruth: "local" }));
    expect(decided.decision).toMatchObject({ outcome: "auto_resolved", resolution: { winner: "local", method: "source_wins" } });
    expect(decided.events.map((event) => event.type)).toEqual(["inventory.sync_conflict_detected", "inventory.sync_conflict_resolved"]);
    expect(decided.pushTotal).toBe(30);
  });

  it("sends TikTok a local change it was never sent when its count is what it last had", () => {
    const decided = decideOnInventoryRead(given(stockSet(20, "tiktok", 1), stockSet(30, "manual", 2)), read(20), context());
    expect(decided).toMatchObject({ decision: { outcome: "explained" }, events: [], pushTotal: 30, localTotal: 30 });
  });

  it("takes no count and raises nothing when TikTok, told 0 after Shopify took the pool's last units, reports the 25 orders it committed that are not taken here", () => {
    const state = given(
      stockSet(10, "tiktok", 1),
      stored("inventory.reserved", { order_id: "shopify-1", quantity: 10, channel: "shopify" }),
      stored("inventory.external_count_pushed", { product_id: "p-1", total: 10, available: 0 }),
    );
    expect(decideOnInventoryRead(state, read(0, 25), context())).toMatchObject({ events: [], decision: { outcome: "agrees" }, pushTotal: null, externalTotal: 25, localTotal: 10 });
  });

  it("leaves TikTok alone when its count wins", () => {
    const decided = decideOnInventoryRead(given(stockSet(30, "manual", 1)), read(26), context());
    expect(decided).toMatchObject({ decision: { outcome: "auto_resolved", resolution: { winner: "external" } }, pushTotal: null });
  });
});

describe("the run's report and what a push records", () => {
  const where = { creatorId: "c-1", shopId: "s-1", skuId };

  it("counts a conflict and its drift, and no drift again for a rerun of the run that decided it already", () => {
    const decided = decideOnInventoryRead(given(stockSet(30, "manual", 1)), read(26), context());
    const report = emptyReconciliationReport("run-1");
    tallyInventoryRead(report, decided, false, where);
    tallyInventoryRead(report, decided, true, where);
    expect(report).toMatchObject({ conflictsDetected: 2, autoResolved: 2, leftForPerson: 0, agreed: 0 });
    expect(report.stockDrift).toEqual([{ ...where, outcome: "auto_resolved", externalTotal: 26, localTotal: 30 }]);
  });

  it("counts an agreement without drift", () => {
    const report = emptyReconciliationReport("run-1");
    tallyInventoryRead(report, decideOnInventoryRead(given(stockSet(30, "tiktok", 1)), read(30), context()), false, where);
    expect(report).toMatchObject({ agreed: 1, conflictsDetected: 0, stockDrift: [] });
  });

  it("leaves a SKU to the stock outbox while its push of a local change is under way, not past the grace", () => {
    const outbox = [stockSet(30, "tiktok", 1), stockSet(20, "manual", 2)].reduce(evolveStockOutbox, initialStockOutboxState());
    const changedAt = outbox.pushableAt!.getTime();
    expect(pushUnderWayByStockOutbox(outbox, new Date(changedAt + STOCK_OUTBOX_GRACE_MS - 1))).toBe(true);
    expect(pushUnderWayByStockOutbox(outbox, new Date(changedAt + STOCK_OUTBOX_GRACE_MS))).toBe(false);
  });

  it("records the count sent, what TikTok may sell of it and the stream version it reflects", () => {
    const state = given(stockSet(30, "manual", 1));
    expect(reconciliationPushed({ shopId: "s-1", skuId, productId: "p-1", total: 30, availableToSell: 27, decided: { version: 4, state } })).toEqual({
      type: "inventory.external_count_pushed",
      data: { sku_id: skuId, product_id: "p-1", total: 30, available: 27, stream_version: 4, pushed_by: "reconciliation", shop_id: "s-1" },
    });
  });
});
