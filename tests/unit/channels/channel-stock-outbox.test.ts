// The channel stock outbox's rules, as specifications: given the SKU's stream, a pool change
// is pushed (with what the channel is expected to hold), skipped, or, when the channel moved
// meanwhile, settled without ever showing more than either side holds.
import { describe, expect, it } from "vitest";
import { allocatedToChannel, channelDisagreements } from "../../../src/core/channels/channel.ts";
import {
  afterStaleWrite,
  channelCountPushedEvent,
  channelPushConflictEvents,
  decideChannelPush,
  evolveChannelStockOutbox,
  initialChannelStockOutboxState,
} from "../../../src/core/channels/channel-stock-outbox.ts";
import { storedEvent } from "../../test-data.ts";

const sku = "SKU-POOL";
const shop = "shopify:pool.myshopify.com";
const stream = (...events: { type: string; data: unknown }[]) =>
  events.map((event, index) => storedEvent({ ...event, version: index + 1, aggregateId: `inventory-${sku}`, occurredAt: new Date(Date.UTC(2026, 11, 2, 10, 0, index)) })).reduce(evolveChannelStockOutbox, initialChannelStockOutboxState());

const stocked = { type: "inventory.stock_updated", data: { sku_id: sku, previous_total: 0, new_total: 10, source: "manual" } };
const reported = (available: number, at = "2026-12-02T10:00:30Z") => ({ type: "inventory.channel_count_reported", data: { sku_id: sku, channel: "shopify", shop_id: "pool.myshopify.com", available, handles: { inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1" }, channel_update_time: at } });
const reserved = (orderId: string) => ({ type: "inventory.reserved", data: { sku_id: sku, order_id: orderId, quantity: 1, channel: "tiktok_shop" } });
const pushed = (available: number, streamVersion: number) => ({ type: "inventory.channel_count_pushed", data: { sku_id: sku, channel: "shopify", shop_id: "pool.myshopify.com", available, expected: available + 1, stream_version: streamVersion } });

describe("pushing the pool to a channel", () => {
  it("sends the pool's available count, expecting what the channel last reported", () => {
    const state = stream(stocked, reported(10), reserved("o1"));
    expect(decideChannelPush(state, shop, 3)).toEqual({ action: "push", target: 9, expected: 10, streamVersion: 3 });
  });

  it("coalesces: a change already covered by a later push is skipped, and a channel already showing the count is left alone", () => {
    const state = stream(stocked, reported(10), reserved("o1"), reserved("o2"), pushed(8, 4));
    expect(decideChannelPush(state, shop, 3)).toEqual({ action: "skip", reason: "already_pushed" });
    expect(decideChannelPush(stream(stocked, reported(10), reserved("o1"), reported(9)), shop, 3)).toEqual({ action: "skip", reason: "in_step" });
  });

  it("keeps back the channel's buffer and never shows more than its cap", () => {
    const state = stream(stocked, reported(10), reserved("o1"));
    expect(decideChannelPush(state, shop, 3, { buffer: 2 })).toMatchObject({ target: 7 });
    expect(decideChannelPush(state, shop, 3, { cap: 4 })).toMatchObject({ target: 4 });
    expect(allocatedToChannel(1, { buffer: 3 })).toBe(0);
  });

  it("ignores a report the channel made before our last push landed", () => {
    const state = stream(stocked, reported(10), reserved("o1"), pushed(9, 3), reported(10, "2026-12-02T10:00:01Z"));
    expect(state.shops[shop]?.known).toBe(9);
  });
});

describe("a write the channel found stale", () => {
  it("is no conflict when the channel already shows the pool's count; else a conflict that never raises the channel", () => {
    expect(afterStaleWrite(7, 7)).toEqual({ action: "in_step" });
    expect(afterStaleWrite(7, 9)).toEqual({ action: "conflict", write: 7 });
    expect(afterStaleWrite(7, 5)).toEqual({ action: "conflict", write: null });
  });

  it("is recorded as a concurrent update of that shop, with its count as reported, so the next push expects what the shop holds", () => {
    const handles = { inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1" };
    const events = channelPushConflictEvents(sku, { channel: "shopify", shopId: "pool.myshopify.com" }, { conflictId: "c-1", local: 7, actual: -2, handles, triggerEventId: "e-1" });
    expect(events).toEqual([
      { type: "inventory.sync_conflict_detected", data: { conflict_id: "c-1", sku_id: sku, conflict_type: "concurrent_update", local_value: 7, external_value: 0, source: "shopify", channel: "shopify", shop_id: "pool.myshopify.com", trigger_event_id: "e-1" } },
      { type: "inventory.channel_count_reported", data: { sku_id: sku, channel: "shopify", shop_id: "pool.myshopify.com", available: -2, handles } },
    ]);
    const after = stream(stocked, reported(10), reserved("o1"), ...events);
    expect(decideChannelPush(after, shop, 3)).toMatchObject({ action: "push", target: 9, expected: -2 });
  });

  it("names the channel's own stock source", () => {
    const found = { conflictId: "c-2", local: 4, actual: 3, handles: {}, triggerEventId: "e-2" };
    expect(channelPushConflictEvents(sku, { channel: "tiktok_shop", shopId: "7000" }, found)[0].data).toMatchObject({ source: "tiktok", channel: "tiktok_shop" });
    expect(channelPushConflictEvents(sku, { channel: "shopify", shopId: "a.myshopify.com" }, found)[0].data).toMatchObject({ source: "shopify", channel: "shopify" });
  });
});

describe("a push recorded", () => {
  it("names the count written, the count expected and the pool's version, and is taken as what the shop holds", () => {
    const event = channelCountPushedEvent(sku, { channel: "shopify", shopId: "pool.myshopify.com" }, { available: 9, expected: 10, streamVersion: 3, reference: "x".repeat(250) });
    expect(event).toMatchObject({ type: "inventory.channel_count_pushed", data: { sku_id: sku, channel: "shopify", shop_id: "pool.myshopify.com", available: 9, expected: 10, stream_version: 3, reference: "x".repeat(200) } });
    const after = stream(stocked, reported(10), reserved("o1"), event);
    expect(after.shops[shop]).toMatchObject({ known: 9, pushedVersion: 3 });
    expect(decideChannelPush(after, shop, 3)).toEqual({ action: "skip", reason: "already_pushed" });
    expect(channelCountPushedEvent(sku, { channel: "shopify", shopId: "pool.myshopify.com" }, { available: 9, expected: null, streamVersion: 3 }).data).not.toHaveProperty("reference");
  });
});

describe("reconciling channels against the pool", () => {
  it("names every SKU whose channel count differs from what the pool allots it", () => {
    const pool = new Map([["A", 5], ["B", 3]]);
    expect(channelDisagreements(pool, [{ skuId: "A", available: 5, handles: {} }, { skuId: "B", available: 4, handles: {} }, { skuId: "C", available: 1, handles: {} }])).toEqual([{ skuId: "B", pool: 3, target: 3, channel: 4 }]);
  });
});
