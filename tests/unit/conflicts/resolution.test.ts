import { describe, expect, it } from "vitest";
import {
  AUTOMATIC_RESOLVER,
  chooseAutomaticResolution,
  decideManualResolution,
  decideOnExternalCount,
  defaultSyncRules,
  type DetectedConflict,
  type SyncRules,
} from "../../../src/core/conflicts/index.ts";
import { DomainError } from "../../../src/core/domain-error.ts";
import { isStockChangeTikTokCannotKnow } from "../../../src/core/inventory/stock-outbox.ts";
import { at, creatorId, given, reported, reserved, skuId, stockSet, stored } from "./given.ts";

const now = new Date("2026-03-01T12:00:00Z");
const mismatch = (localValue: number, externalValue: number, extra: Partial<DetectedConflict> = {}): DetectedConflict => ({
  type: "quantity_mismatch",
  localValue,
  externalValue,
  source: "tiktok",
  externalIsTikTok: true,
  externalCommitted: 0,
  ...extra,
});
const rules = (changes: Partial<SyncRules> = {}): SyncRules => ({ ...defaultSyncRules, ...changes });

describe("automatic resolution strategies", () => {
  const state = given(stockSet(30, "manual", 1));

  it("tolerance: a difference within the units tolerance keeps the local count", () => {
    expect(chooseAutomaticResolution(mismatch(30, 28), state, rules({ toleranceUnits: 2 }))).toMatchObject({ resolved: true, method: "tolerance", winner: "local", winningValue: 30, losingValue: 28 });
  });

  it("tolerance: a difference within the percent tolerance keeps the local count", () => {
    expect(chooseAutomaticResolution(mismatch(30, 27), state, rules({ tolerancePercent: 10 }))).toMatchObject({ method: "tolerance", winningValue: 30 });
    expect(chooseAutomaticResolution(mismatch(30, 26), state, rules({ tolerancePercent: 10 }))).toMatchObject({ method: "source_wins" });
  });

  it("source wins: TikTok's count wins when TikTok is the source of truth", () => {
    expect(chooseAutomaticResolution(mismatch(30, 36), state, rules({ sourceOfTruth: "tiktok" }))).toMatchObject({ method: "source_wins", winner: "external", winningValue: 36, losingValue: 30 });
  });

  it("source wins: the local count wins when local is the source of truth", () => {
    expect(chooseAutomaticResolution(mismatch(30, 36), state, rules({ sourceOfTruth: "local" }))).toMatchObject({ method: "source_wins", winner: "local", winningValue: 30, losingValue: 36 });
  });

  it("oversell protection: the lower count wins against the source of truth", () => {
    expect(chooseAutomaticResolution(mismatch(30, 24), state, rules({ sourceOfTruth: "local", oversellProtection: true }))).toMatchObject({ method: "oversell_protection", winner: "external", winningValue: 24 });
    expect(chooseAutomaticResolution(mismatch(30, 36), state, rules({ sourceOfTruth: "tiktok", oversellProtection: true }))).toMatchObject({ method: "oversell_protection", winner: "local", winningValue: 30 });
  });

  it("pending reservations: a TikTok count lower by what local orders still hold is explained", () => {
    const holding = given(stockSet(30, "manual", 1), reserved("order-1", 2, 2), reserved("order-2", 1, 3));
    // TikTok shipped order-1 (2 units): its total is 28 and it commits only order-2's unit.
    expect(chooseAutomaticResolution(mismatch(30, 28, { externalCommitted: 1 }), holding, rules())).toMatchObject({ method: "pending_reservations", winner: "local", winningValue: 30 });
    expect(chooseAutomaticResolution(mismatch(30, 26, { externalCommitted: 1 }), holding, rules())).toMatchObject({ method: "source_wins", winningValue: 26 });
  });

  it("pending reservations: a TikTok count higher by orders TikTok committed and the pool has not taken yet keeps the local count", () => {
    // The pool's last 10 units went to Shopify orders; TikTok's count, with no push to judge it by, holds 25 orders of its own not taken here.
    // (After a push the same count is no conflict at all: detection.test.ts, "after a push".)
    const soldOut = given(stockSet(10, "manual", 1), reserved("shopify-order", 10, 2));
    expect(chooseAutomaticResolution(mismatch(10, 25, { externalCommitted: 25 }), soldOut, rules())).toMatchObject({ method: "pending_reservations", winner: "local", winningValue: 10, losingValue: 25 });
    // More than those orders explain: a real rise on TikTok's side, settled by the rules.
    expect(chooseAutomaticResolution(mismatch(10, 26, { externalCommitted: 25 }), soldOut, rules())).toMatchObject({ method: "source_wins", winningValue: 26 });
    expect(chooseAutomaticResolution(mismatch(10, 25, { externalCommitted: 25 }), soldOut, rules({ autoResolvePendingReservations: false }))).toMatchObject({ method: "source_wins", winningValue: 25 });
  });

  it("stale data: the newer local count wins", () => {
    expect(chooseAutomaticResolution(mismatch(30, 20, { type: "stale_data" }), state, rules())).toMatchObject({ method: "newest_wins", winner: "local", winningValue: 30 });
  });

  it("leaves for a person: rules turned off, a difference above the review limit, two local writers, TikTok below what orders hold", () => {
    expect(chooseAutomaticResolution(mismatch(30, 20), state, rules({ autoResolve: false }))).toMatchObject({ resolved: false });
    expect(chooseAutomaticResolution(mismatch(30, 10), state, rules({ reviewAboveUnits: 15 }))).toMatchObject({ resolved: false });
    expect(chooseAutomaticResolution(mismatch(30, 20, { type: "concurrent_update", externalIsTikTok: false }), state, rules())).toMatchObject({ resolved: false });
    const holding = given(stockSet(30, "manual", 1), reserved("order-1", 5, 2));
    expect(chooseAutomaticResolution(mismatch(30, 3, { externalCommitted: 5 }), holding, rules())).toMatchObject({ resolved: false, reason: expect.stringContaining("orders hold 5") });
  });
});

describe("deciding on TikTok's count", () => {
  const context = { skuId, conflictId: "0190a1b2-c3d4-8e5f-9a0b-1c2d3e4f5a6b", rules: defaultSyncRules, now };

  it("given a local count of 30, when TikTok reports 26, then the conflict, the correction and the resolution are appended together", () => {
    const report = reported(26, 20);
    const decision = decideOnExternalCount(
      given(stockSet(30, "manual", 1), report),
      { source: "tiktok", triggerId: report.id, total: 26, available: 26, committed: 0, updateTime: at(20) },
      { ...context, triggerEventId: report.id },
    );
    expect(decision.outcome).toBe("auto_resolved");
    expect(decision.events.map((event) => event.type)).toEqual(["inventory.sync_conflict_detected", "inventory.stock_updated", "inventory.sync_conflict_resolved"]);
    expect(decision.events[0]!.data).toMatchObject({ conflict_id: context.conflictId, conflict_type: "quantity_mismatch", local_value: 30, external_value: 26, source: "tiktok", trigger_event_id: report.id });
    expect(decision.events[1]!.data).toMatchObject({ previous_total: 30, new_total: 26, source: "reconciliation" });
    expect(decision.events[2]!.data).toMatchObject({ method: "source_wins", winning_value: 26, losing_value: 30, resolved_by: AUTOMATIC_RESOLVER, winner: "external" });
  });

  it("given the conflict is already on the stream, when the same report is handled again, then nothing is appended", () => {
    const report = reported(26, 20);
    const detected = stored("inventory.sync_conflict_detected", { conflict_id: context.conflictId, conflict_type: "quantity_mismatch", local_value: 30, external_value: 26, source: "tiktok" });
    const decision = decideOnExternalCount(given(stockSet(30, "manual", 1), report, detected), { source: "tiktok", triggerId: report.id, total: 26, available: 26, committed: 0, updateTime: at(20) }, context);
    expect(decision).toEqual({ events: [], outcome: "already_handled" });
  });

  it("given no local level, when TikTok reports its first count, then it becomes the local count", () => {
    const report = reported(44, 20);
    const decision = decideOnExternalCount(given(report), { source: "tiktok", triggerId: report.id, productId: "p1", total: 44, available: 44, committed: 0, updateTime: at(20) }, context);
    expect(decision.outcome).toBe("adopted");
    expect(decision.events[0]).toMatchObject({ type: "inventory.stock_updated", data: { new_total: 44, source: "tiktok" } });
  });
});

describe("manual resolution", () => {
  const conflictId = "0190a1b2-c3d4-8e5f-9a0b-1c2d3e4f5a6b";
  const withOpenConflict = () =>
    given(
      stockSet(30, "manual", 1),
      stored("inventory.sync_conflict_detected", { conflict_id: conflictId, conflict_type: "quantity_mismatch", local_value: 30, external_value: 22, source: "tiktok" }),
    );
  const command = { creatorId, conflictId, reason: "counted the shelf", resolvedBy: "admin@example.com" };

  it("keep_local records who and why and leaves the stock alone", () => {
    const events = decideManualResolution(withOpenConflict(), { ...command, resolution: { kind: "keep_local" } }, now);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "inventory.sync_conflict_resolved", data: { method: "keep_local", winner: "local", winning_value: 30, losing_value: 22, resolved_by: "admin@example.com", reason: "counted the shelf" } });
  });

  it("accept_external sets the stock to TikTok's count (source reconciliation)", () => {
    const events = decideManualResolution(withOpenConflict(), { ...command, resolution: { kind: "accept_external" } }, now);
    expect(events.map((event) => event.type)).toEqual(["inventory.stock_updated", "inventory.sync_conflict_resolved"]);
    expect(events[0]!.data).toMatchObject({ new_total: 22, source: "reconciliation" });
  });

  it("custom sets the stock to the given count", () => {
    const events = decideManualResolution(withOpenConflict(), { ...command, resolution: { kind: "custom", value: 25 } }, now);
    expect(events[0]!.data).toMatchObject({ new_total: 25, source: "manual" });
    expect(events[1]!.data).toMatchObject({ method: "custom", winner: "custom", winning_value: 25, losing_value: 30 });
  });

  it("refuses an already resolved conflict, another creator's conflict, and a missing reason", () => {
    const resolved = given(
      stockSet(30, "manual", 1),
      stored("inventory.sync_conflict_detected", { conflict_id: conflictId, conflict_type: "quantity_mismatch", local_value: 30, external_value: 22, source: "tiktok" }),
      stored("inventory.sync_conflict_resolved", { conflict_id: conflictId, method: "keep_local", winning_value: 30, losing_value: 22, resolved_by: "someone" }),
    );
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as DomainError).code;
      }
      return "accepted";
    };
    expect(refusal(() => decideManualResolution(resolved, { ...command, resolution: { kind: "keep_local" } }, now))).toBe("illegal_state");
    expect(refusal(() => decideManualResolution(withOpenConflict(), { ...command, creatorId: crypto.randomUUID(), resolution: { kind: "keep_local" } }, now))).toBe("not_found");
    expect(refusal(() => decideManualResolution(withOpenConflict(), { ...command, reason: "  ", resolution: { kind: "keep_local" } }, now))).toBe("validation");
    expect(refusal(() => decideManualResolution(withOpenConflict(), { ...command, resolution: { kind: "custom", value: -1 } }, now))).toBe("validation");
  });
});

describe("manual resolution of a Shopify store's conflict", () => {
  const conflictId = "0190a1b2-c3d4-8e5f-9a0b-1c2d3e4f5a6c";
  // 30 in stock, 4 held by orders: the pool shows the store 26; the store shows 21.
  const withStoreConflict = () =>
    given(
      stockSet(30, "manual", 1),
      reserved("order-1", 4, 2),
      stored("inventory.sync_conflict_detected", { conflict_id: conflictId, conflict_type: "quantity_mismatch", local_value: 26, external_value: 21, source: "shopify", channel: "shopify", shop_id: "store.myshopify.com" }),
    );
  const command = { creatorId, conflictId, reason: "the store was recounted", resolvedBy: "admin@example.com" };

  it("keeping the pool's count leaves the stock alone and asks nothing of TikTok", () => {
    const events = decideManualResolution(withStoreConflict(), { ...command, resolution: { kind: "keep_local" } }, now);
    expect(events).toEqual([expect.objectContaining({ type: "inventory.sync_conflict_resolved", data: expect.objectContaining({ method: "keep_local", winner: "local", winning_value: 26, losing_value: 21 }) })]);
    const state = given(
      stockSet(30, "manual", 1),
      reserved("order-1", 4, 2),
      stored("inventory.sync_conflict_detected", { conflict_id: conflictId, conflict_type: "quantity_mismatch", local_value: 26, external_value: 21, source: "shopify", channel: "shopify", shop_id: "store.myshopify.com" }),
      stored("inventory.sync_conflict_resolved", { conflict_id: conflictId, method: "keep_local", winner: "local", winning_value: 26, losing_value: 21, resolved_by: "admin@example.com" }),
    );
    expect(state.pendingPushToTikTok).toBeNull();
  });

  it("accepting Shopify's count moves the pool by the difference, so the store's count is what the pool then shows it", () => {
    const events = decideManualResolution(withStoreConflict(), { ...command, resolution: { kind: "accept_external" } }, now);
    expect(events.map((event) => event.type)).toEqual(["inventory.stock_updated", "inventory.sync_conflict_resolved"]);
    // Source shopify: TikTok's stock outbox pushes it (TikTok's own counts, source reconciliation, it does not).
    expect(events[0]!.data).toMatchObject({ previous_total: 30, new_total: 25, source: "shopify" });
    expect(isStockChangeTikTokCannotKnow(events[0] as never)).toBe(true);
    expect(events[1]!.data).toMatchObject({ method: "accept_external", winner: "external", winning_value: 21, losing_value: 26 });
  });

  it("a custom count sets the pool's stock, as for any SKU", () => {
    const events = decideManualResolution(withStoreConflict(), { ...command, resolution: { kind: "custom", value: 40 } }, now);
    expect(events[0]!.data).toMatchObject({ new_total: 40, source: "manual" });
  });
});

