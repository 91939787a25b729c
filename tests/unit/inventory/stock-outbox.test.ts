// The stock outbox's rules as specifications: given a SKU's stream, when a change at some
// version is handled, then this push (or this skip).
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../src/core/event-store/index.ts";
import { decideStockPush, evolveStockOutbox, initialStockOutboxState, isStockChangeTikTokCannotKnow, stockPushPending } from "../../../src/core/inventory/stock-outbox.ts";
import { productId, reported, reserved, skuId, stockSet, stored } from "../conflicts/given.ts";

const given = (...events: StoredEvent[]) => events.reduce(evolveStockOutbox, initialStockOutboxState());
const shopId = "7494726673780148744";
const otherShopId = "7494726673780148745";
const pushed = (streamVersion: number) => stored("inventory.external_count_pushed", { product_id: productId, total: 0, available: 0, stream_version: streamVersion });

describe("which changes the stock outbox pushes", () => {
  it("pushes manual and system writes and conflicts settled for the local or a custom value", () => {
    expect(isStockChangeTikTokCannotKnow(stockSet(5, "manual", 1))).toBe(true);
    expect(isStockChangeTikTokCannotKnow(stockSet(5, "system", 1))).toBe(true);
    expect(isStockChangeTikTokCannotKnow(stored("inventory.sync_conflict_resolved", { conflict_id: crypto.randomUUID(), method: "source_wins", winner: "local", winning_value: 5, losing_value: 3, resolved_by: "system" }))).toBe(true);
    expect(isStockChangeTikTokCannotKnow(stored("inventory.sync_conflict_resolved", { conflict_id: crypto.randomUUID(), method: "custom", winner: "custom", winning_value: 5, losing_value: 3, resolved_by: "someone" }))).toBe(true);
  });

  it("does not push what TikTok did itself: its counts, its orders' reservations and shipments, a conflict settled for its value", () => {
    expect(isStockChangeTikTokCannotKnow(stockSet(5, "tiktok", 1))).toBe(false);
    expect(isStockChangeTikTokCannotKnow(stockSet(5, "reconciliation", 1))).toBe(false);
    expect(isStockChangeTikTokCannotKnow(stockSet(5, "order", 1))).toBe(false);
    expect(isStockChangeTikTokCannotKnow(reserved("576684000000001", 1, 2))).toBe(false);
    expect(isStockChangeTikTokCannotKnow(reported(9, 3))).toBe(false);
    expect(isStockChangeTikTokCannotKnow(stored("inventory.sync_conflict_resolved", { conflict_id: crypto.randomUUID(), method: "accept_external", winner: "external", winning_value: 3, losing_value: 5, resolved_by: "system" }))).toBe(false);
    expect(isStockChangeTikTokCannotKnow(stored("inventory.sync_conflict_resolved", { conflict_id: crypto.randomUUID(), method: "tolerance", winner: "local", winning_value: 5, losing_value: 4, resolved_by: "system" }))).toBe(false);
  });
});

describe("what the stock outbox pushes", () => {
  it("sends the latest sellable count: the total less what orders hold here and TikTok's own holds", () => {
    const fromTikTok = stockSet(50, "tiktok", 1);
    const report = reported(50, 2, { campaign: 3 });
    const order = reserved("576684000000002", 4, 3);
    const manual = stockSet(40, "manual", 4);
    const state = given(fromTikTok, report, order, manual);
    expect(decideStockPush(state, manual.version, shopId)).toEqual({ action: "push", shopId, skuId, productId, total: 40, available: 33, streamVersion: manual.version });
  });

  it("coalesces: a change already covered by a push of a later version is skipped", () => {
    const first = stockSet(10, "manual", 1);
    const second = stockSet(11, "manual", 2);
    const third = stockSet(12, "manual", 3);
    const state = given(first, second, third, pushed(third.version));
    expect(decideStockPush(state, first.version, shopId)).toEqual({ action: "skip", shopId, reason: "already_pushed" });
    expect(decideStockPush(state, third.version, shopId)).toEqual({ action: "skip", shopId, reason: "already_pushed" });
    expect(stockPushPending(state)).toBe(false);
  });

  it("never goes backwards: a push recorded for a later version (by the reconciliation) covers an older change", () => {
    const older = stockSet(10, "manual", 1);
    const state = given(older, stockSet(7, "tiktok", 2), pushed(older.version + 1));
    expect(decideStockPush(state, older.version, shopId)).toEqual({ action: "skip", shopId, reason: "already_pushed" });
  });

  it("pushes again after a push when a newer change arrives, with the newest count", () => {
    const first = stockSet(10, "manual", 1);
    const afterPush = stockSet(12, "manual", 3);
    const state = given(first, pushed(first.version), afterPush);
    expect(stockPushPending(state)).toBe(true);
    expect(decideStockPush(state, afterPush.version, shopId)).toMatchObject({ action: "push", total: 12, available: 12, streamVersion: afterPush.version });
  });

  it("skips a SKU TikTok has never named (no product id): there is nothing to update", () => {
    const state = given(stored("inventory.stock_updated", { previous_total: 0, new_total: 5, source: "manual" }));
    expect(decideStockPush(state, state.version, shopId)).toEqual({ action: "skip", shopId, reason: "unknown_to_tiktok" });
  });

  it("folds the same stream twice to the same state", () => {
    const events = [stockSet(50, "tiktok", 1), stockSet(40, "manual", 2), pushed(2), stockSet(41, "manual", 3)];
    expect(JSON.stringify(given(...events))).toBe(JSON.stringify(given(...events)));
  });

  it("covers each shop on its own: a push recorded for one shop leaves the change due for another that lists the SKU", () => {
    const fromShop = (id: string) => stored("inventory.external_count_reported", { product_id: productId, inventory_status: "IN_STOCK", total: 10, available: 10, creator_reserved: 0, campaign_reserved: 0, committed: 0, tiktok_update_time: 1_800_000_000, shop_id: id });
    const change = stockSet(12, "manual", 3);
    const state = given(fromShop(shopId), fromShop(otherShopId), change, stored("inventory.external_count_pushed", { product_id: productId, total: 12, available: 12, stream_version: change.version, shop_id: shopId }));
    expect(state.listedInShops).toEqual([shopId, otherShopId]);
    expect(decideStockPush(state, change.version, shopId)).toEqual({ action: "skip", shopId, reason: "already_pushed" });
    expect(decideStockPush(state, change.version, otherShopId)).toMatchObject({ action: "push", shopId: otherShopId, total: 12 });
    expect(stockPushPending(state)).toBe(true);
  });
});
