import { describe, expect, it } from "vitest";
import { detectConcurrentUpdate, detectExternalCountConflict, SYNC_CONFLICTS_COMPONENT, type ExternalCount } from "../../../src/core/conflicts/index.ts";
import { at, given, productId, reported, stockSet, stored } from "./given.ts";

const countFrom = (event: ReturnType<typeof reported>): ExternalCount => ({
  source: "tiktok",
  triggerId: event.id,
  total: event.data.total as number,
  available: event.data.available as number,
  committed: event.data.committed as number,
  updateTime: event.data.tiktok_update_time as number,
  ...(event.data.read_started_at ? { readStartedAt: new Date(event.data.read_started_at) } : {}),
});

describe("detecting a quantity mismatch", () => {
  it("adopts TikTok's first count when nothing local exists yet", () => {
    const report = reported(40, 10);
    expect(detectExternalCountConflict(given(report), countFrom(report))).toEqual({ kind: "adopt", total: 40 });
  });

  it("sees no conflict when TikTok's total equals the local one", () => {
    const report = reported(30, 20);
    expect(detectExternalCountConflict(given(stockSet(30, "manual", 10), report), countFrom(report))).toEqual({ kind: "agrees" });
  });

  it("raises quantity_mismatch with both values when the totals differ", () => {
    const report = reported(27, 20, { committed: 2 });
    const detection = detectExternalCountConflict(given(stockSet(30, "manual", 10), report), countFrom(report));
    expect(detection).toEqual({
      kind: "conflict",
      conflict: { type: "quantity_mismatch", localValue: 30, externalValue: 27, source: "tiktok", externalIsTikTok: true, externalCommitted: 2, externalUpdateTime: at(20) },
    });
  });

  it("leaves a report alone when a newer TikTok report is already on the stream", () => {
    const older = reported(27, 20);
    const state = given(stockSet(30, "manual", 10), older, reported(25, 30));
    expect(detectExternalCountConflict(state, countFrom(older))).toEqual({ kind: "superseded" });
  });
});

describe("counts by meaning, not by clocks", () => {
  const pushed = (total: number) => stored("inventory.external_count_pushed", { product_id: productId, total, available: total });

  it("never calls TikTok's count stale by comparing its clock with ours: a restock on TikTok's side an hour 'before' a local change is a mismatch for the rules", () => {
    const report = reported(107, -3600, { atSeconds: 30 });
    const detection = detectExternalCountConflict(given(stockSet(30, "tiktok", 10), stockSet(3, "manual", 20), report), countFrom(report));
    expect(detection).toMatchObject({ kind: "conflict", conflict: { type: "quantity_mismatch", localValue: 3, externalValue: 107 } });
  });

  it("sees no conflict when TikTok shows what it last had and the difference is a local change not yet pushed", () => {
    const report = reported(30, 25);
    const detection = detectExternalCountConflict(given(stockSet(30, "tiktok", 10), stockSet(25, "manual", 20), report), countFrom(report));
    expect(detection).toEqual({ kind: "explained", expected: 30 });
  });

  it("expects TikTok's count to move with its own orders' shipments", () => {
    const report = reported(28, 25);
    const state = given(stockSet(30, "tiktok", 10), stored("inventory.stock_updated", { previous_total: 30, new_total: 28, source: "order" }), stockSet(20, "manual", 20), report);
    expect(detectExternalCountConflict(state, countFrom(report))).toEqual({ kind: "explained", expected: 28 });
  });

  it("expects TikTok to show the last count pushed to it", () => {
    const report = reported(20, 25);
    const state = given(stockSet(30, "tiktok", 10), stockSet(20, "manual", 11), pushed(20), stockSet(18, "manual", 12), report);
    expect(detectExternalCountConflict(state, countFrom(report))).toEqual({ kind: "explained", expected: 20 });
  });

  it("judges a reconciliation read against the current expectation", () => {
    const state = given(stockSet(30, "tiktok", 10), stockSet(25, "manual", 20));
    const read: ExternalCount = { source: "reconciliation", triggerId: crypto.randomUUID(), total: 30, available: 30, committed: 0, updateTime: at(-999_999) };
    expect(detectExternalCountConflict(state, read)).toEqual({ kind: "explained", expected: 30 });
    expect(detectExternalCountConflict(state, { ...read, total: 31, available: 31 })).toMatchObject({ kind: "conflict", conflict: { type: "quantity_mismatch" } });
  });

  it("orders TikTok's own counts by TikTok's time: an older report arriving late is superseded by a count adopted from a newer one", () => {
    const late = reported(27, 20, { atSeconds: 40 });
    const state = given(stockSet(25, "tiktok", 35, { component: SYNC_CONFLICTS_COMPONENT, reflects_tiktok_update_time: at(30) }), late);
    expect(detectExternalCountConflict(state, countFrom(late))).toEqual({ kind: "superseded" });
  });
});

describe("a count read from TikTok before a push recorded since", () => {
  const pushedAt = (total: number, atSeconds: number) => stored("inventory.external_count_pushed", { product_id: productId, total, available: total }, { atSeconds });
  const readAt = (seconds: number) => new Date(at(seconds) * 1000);

  it("is not judged: a reconciliation read begun before the push says nothing of TikTok's count now", () => {
    // TikTok was read (50) at 20; the outbox pushed the local 40 at 25; the read is judged at 30.
    const state = given(stockSet(50, "tiktok", 10), stockSet(40, "manual", 15), pushedAt(40, 25));
    const read: ExternalCount = { source: "reconciliation", triggerId: crypto.randomUUID(), total: 50, available: 50, committed: 0, updateTime: at(30), readStartedAt: readAt(20) };
    expect(detectExternalCountConflict(state, read)).toEqual({ kind: "superseded" });
    // Begun after the push was recorded, the same count is a change on TikTok's side.
    expect(detectExternalCountConflict(state, { ...read, readStartedAt: readAt(26) })).toMatchObject({ kind: "conflict", conflict: { type: "quantity_mismatch", localValue: 40, externalValue: 50 } });
  });

  it("is not judged, and moves no expectation, when an import's report of it lands after the push", () => {
    const stale = stored(
      "inventory.external_count_reported",
      { product_id: productId, inventory_status: "IN_STOCK", total: 50, available: 50, creator_reserved: 0, campaign_reserved: 0, committed: 0, tiktok_update_time: at(30), read_started_at: readAt(20).toISOString() },
      { atSeconds: 30 },
    );
    const state = given(stockSet(50, "tiktok", 10), stockSet(40, "manual", 15), pushedAt(40, 25), stale);
    expect(state.tiktokExpectation).toEqual({ basis: "available", pushed: 40, shippedSince: 0, cancelledSince: 0 });
    expect(detectExternalCountConflict(state, countFrom(stale))).toEqual({ kind: "superseded" });
    // TikTok's next webhook showing the pushed count is no conflict either.
    const next = reported(40, 40);
    expect(detectExternalCountConflict(given(stockSet(50, "tiktok", 10), stockSet(40, "manual", 15), pushedAt(40, 25), stale, next), countFrom(next))).toEqual({ kind: "agrees" });
  });
});

describe("after a push, TikTok's report is judged by what it may sell: what it was sent, moved only by its own orders", () => {
  // TikTok sets its available count to what it is sent and keeps its commitments: its total
  // is what it was sent plus the orders it holds, which with one pool across channels is
  // seldom our total.
  const pushedCount = (total: number, available: number) => stored("inventory.external_count_pushed", { product_id: productId, total, available });
  const channelReserved = (orderId: string, quantity: number, channel: "shopify" | "tiktok_shop") => stored("inventory.reserved", { order_id: orderId, quantity, channel });
  const channelReleased = (orderId: string, quantity: number, reason: "cancelled" | "shipped") => stored("inventory.released", { order_id: orderId, quantity, reason, channel: "tiktok_shop" });
  const read = (total: number, available: number, committed: number): ExternalCount => ({ source: "reconciliation", triggerId: crypto.randomUUID(), total, available, committed, updateTime: at(500) });

  it("agrees when Shopify took the pool's last units, TikTok was told 0 and reports its total as 0 + the 25 orders it committed that were not taken here", () => {
    const state = given(stockSet(10, "tiktok", 1), channelReserved("shopify-1", 10, "shopify"), pushedCount(10, 0));
    expect(detectExternalCountConflict(state, read(25, 0, 25))).toEqual({ kind: "agrees" });
    // The same through a webhook (type 27) landing after the push.
    const report = reported(25, 30, { committed: 25 });
    expect(detectExternalCountConflict(given(stockSet(10, "tiktok", 1), channelReserved("shopify-1", 10, "shopify"), pushedCount(10, 0), report), countFrom(report))).toEqual({ kind: "agrees" });
  });

  it("explains TikTok's available count lowered since the push by orders of its own, taken here or not yet", () => {
    // 20 in the pool, 5 held for Shopify: TikTok is sent 15; then sells 2 units of its own.
    const pushed = [stockSet(20, "tiktok", 1), channelReserved("shopify-1", 5, "shopify"), pushedCount(20, 15)] as const;
    expect(detectExternalCountConflict(given(...pushed), read(15, 13, 2))).toEqual({ kind: "explained", expected: 15 });
    expect(detectExternalCountConflict(given(...pushed, channelReserved("tiktok-1", 2, "tiktok_shop")), read(15, 13, 2))).toEqual({ kind: "agrees" });
  });

  it("explains TikTok's available count raised since the push by its own orders cancelled here", () => {
    // TikTok's order of 3 was taken here before the push; it is cancelled after it.
    const state = given(stockSet(20, "tiktok", 1), channelReserved("tiktok-1", 3, "tiktok_shop"), channelReserved("shopify-1", 5, "shopify"), pushedCount(20, 12), channelReleased("tiktok-1", 3, "cancelled"));
    expect(detectExternalCountConflict(state, read(15, 15, 0))).toEqual({ kind: "agrees" });
    expect(detectExternalCountConflict(state, read(14, 14, 0))).toEqual({ kind: "explained", expected: 12 });
  });

  it("still finds a change a person made in TikTok Seller Center after the push, for the rules to settle", () => {
    const state = given(stockSet(30, "tiktok", 1), stockSet(20, "manual", 2), pushedCount(20, 20));
    expect(detectExternalCountConflict(state, read(50, 50, 0))).toMatchObject({ kind: "conflict", conflict: { type: "quantity_mismatch", localValue: 20, externalValue: 50 } });
    // Lower than TikTok's own orders can explain: its 2 committed units do not account for 16.
    expect(detectExternalCountConflict(state, read(6, 4, 2))).toMatchObject({ kind: "conflict", conflict: { type: "quantity_mismatch", localValue: 20, externalValue: 6, externalCommitted: 2 } });
    // One pool: Shopify holds the last 10, TikTok was told 0, a person sets 30 in Seller Center.
    const soldOut = given(stockSet(10, "tiktok", 1), channelReserved("shopify-1", 10, "shopify"), pushedCount(10, 0));
    expect(detectExternalCountConflict(soldOut, read(55, 30, 25))).toMatchObject({ kind: "conflict", conflict: { type: "quantity_mismatch", localValue: 10, externalValue: 55 } });
  });

  it("judges by TikTok's total again once TikTok reports after the push", () => {
    const report = reported(25, 30, { committed: 25 });
    const state = given(stockSet(10, "tiktok", 1), channelReserved("shopify-1", 10, "shopify"), pushedCount(10, 0), report);
    expect(state.tiktokExpectation).toEqual({ basis: "total", total: 25 });
    expect(detectExternalCountConflict(state, read(25, 0, 25))).toEqual({ kind: "explained", expected: 25 });
    expect(detectExternalCountConflict(state, read(55, 30, 25))).toMatchObject({ kind: "conflict" });
  });
});

describe("detecting a concurrent update", () => {
  const rules = { concurrentWindowSeconds: 10 };
  const writeOf = (state: ReturnType<typeof given>) => state.lastStockWrite!;

  it("raises concurrent_update when a manual and a TikTok write land within the window", () => {
    const previous = writeOf(given(stockSet(30, "manual", 100)));
    const write = writeOf(given(stockSet(26, "tiktok", 104)));
    expect(detectConcurrentUpdate(previous, write, rules)).toEqual({ type: "concurrent_update", localValue: 30, externalValue: 26, source: "tiktok", externalIsTikTok: true });
  });

  it("ignores writes further apart than the window", () => {
    expect(detectConcurrentUpdate(writeOf(given(stockSet(30, "manual", 100))), writeOf(given(stockSet(26, "tiktok", 111))), rules)).toBeNull();
  });

  it("ignores two writes from the same source, writes that agree, and order-driven decrements", () => {
    const manual = writeOf(given(stockSet(30, "manual", 100)));
    expect(detectConcurrentUpdate(manual, writeOf(given(stockSet(26, "manual", 101))), rules)).toBeNull();
    expect(detectConcurrentUpdate(manual, writeOf(given(stockSet(30, "tiktok", 101))), rules)).toBeNull();
    expect(detectConcurrentUpdate(manual, writeOf(given(stockSet(29, "order", 101))), rules)).toBeNull();
  });

  it("does not count its own corrections as a second writer", () => {
    const correction = writeOf(given(stockSet(26, "reconciliation", 101, { component: SYNC_CONFLICTS_COMPONENT })));
    expect(detectConcurrentUpdate(writeOf(given(stockSet(30, "manual", 100))), correction, rules)).toBeNull();
  });

  it("marks two local writers as such: no rule picks between them", () => {
    const conflict = detectConcurrentUpdate(writeOf(given(stockSet(30, "manual", 100))), writeOf(given(stockSet(20, "system", 102))), rules);
    expect(conflict).toMatchObject({ localValue: 30, externalValue: 20, externalIsTikTok: false });
  });

});
