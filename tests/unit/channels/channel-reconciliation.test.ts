// Reconciling a channel store against the pool, as specifications: given the SKU's stream and
// the store's count as read, the store agrees, is left to the stock outbox, or disagrees and a
// conflict naming the channel and the store is raised, once while it stays open.
import { describe, expect, it } from "vitest";
import {
  channelConflictEvents,
  countReconciledSku,
  decideChannelReconciliation,
  emptyChannelReconciliationReport,
  evolveChannelReconciliation,
  initialChannelReconciliationState,
} from "../../../src/core/channels/channel-reconciliation.ts";
import type { ChannelStockLevel } from "../../../src/core/channels/channel.ts";
import { storedEvent } from "../../test-data.ts";

const sku = "SKU-RECON";
const shopId = "recon.myshopify.com";
const store = { channel: "shopify" as const, shopId, allocation: {} };
const startedAt = Date.UTC(2026, 11, 2, 10, 0, 0);
const stream = (...events: { type: string; data: unknown; atSeconds?: number }[]) =>
  events
    .map((event, index) => storedEvent({ type: event.type, data: event.data, version: index + 1, aggregateId: `inventory-${sku}`, occurredAt: new Date(startedAt + (event.atSeconds ?? index) * 1000) }))
    .reduce(evolveChannelReconciliation, initialChannelReconciliationState());

const stocked = (total: number, atSeconds = 0) => ({ type: "inventory.stock_updated", data: { sku_id: sku, previous_total: 0, new_total: total, source: "manual" }, atSeconds });
const pushed = (available: number, streamVersion: number, atSeconds: number) => ({
  type: "inventory.channel_count_pushed",
  data: { sku_id: sku, channel: "shopify", shop_id: shopId, available, expected: null, stream_version: streamVersion },
  atSeconds,
});
const conflictOf = (conflictId: string, atSeconds: number) => ({
  type: "inventory.sync_conflict_detected",
  data: { conflict_id: conflictId, sku_id: sku, conflict_type: "quantity_mismatch", local_value: 10, external_value: 7, source: "shopify", channel: "shopify", shop_id: shopId },
  atSeconds,
});
const resolved = (conflictId: string, atSeconds: number) => ({
  type: "inventory.sync_conflict_resolved",
  data: { conflict_id: conflictId, sku_id: sku, method: "keep_local", winning_value: 10, losing_value: 7, resolved_by: "admin", winner: "local" },
  atSeconds,
});
const read = (available: number): ChannelStockLevel => ({ skuId: sku, available, handles: { inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1" } });
const later = { now: new Date(startedAt + 3_600_000), readStartedAt: new Date(startedAt + 3_600_000) };

describe("reconciling a channel store with the pool", () => {
  it("agrees when the store shows the pool's count (less its buffer)", () => {
    const state = stream(stocked(10), pushed(10, 1, 1));
    expect(decideChannelReconciliation(state, store, read(10), later)).toEqual({ outcome: "agrees" });
    expect(decideChannelReconciliation(state, { ...store, allocation: { buffer: 3 } }, read(7), later)).toEqual({ outcome: "agrees" });
  });

  it("raises a conflict of the store when it shows another count, with the store's count as read", () => {
    const state = stream(stocked(10), pushed(10, 1, 1));
    const decision = decideChannelReconciliation(state, store, read(7), later);
    expect(decision).toEqual({ outcome: "conflict", pool: 10, target: 10, channel: 7 });
    if (decision.outcome !== "conflict") return;
    expect(channelConflictEvents(store, read(7), decision, "c-1")).toEqual([
      { type: "inventory.sync_conflict_detected", data: { conflict_id: "c-1", sku_id: sku, conflict_type: "quantity_mismatch", local_value: 10, external_value: 7, source: "shopify", channel: "shopify", shop_id: shopId } },
      { type: "inventory.channel_count_reported", data: { sku_id: sku, channel: "shopify", shop_id: shopId, available: 7, handles: read(7).handles } },
    ]);
  });

  it("leaves a pool change the outbox has not pushed yet to the outbox, for a while", () => {
    const state = stream(stocked(10, 0), pushed(10, 1, 1), stocked(12, 60));
    expect(decideChannelReconciliation(state, store, read(10), { now: new Date(startedAt + 90_000), readStartedAt: new Date(startedAt + 90_000) })).toEqual({ outcome: "left_to_outbox" });
    expect(decideChannelReconciliation(state, store, read(10), later)).toMatchObject({ outcome: "conflict", target: 12 });
  });

  it("sets aside a count read before the outbox's newest push was recorded", () => {
    const state = stream(stocked(10, 0), pushed(10, 1, 100));
    expect(decideChannelReconciliation(state, store, read(9), { now: later.now, readStartedAt: new Date(startedAt + 50_000) })).toEqual({ outcome: "read_predates_push" });
  });

  it("raises no second conflict while one of the store is open, and raises again once it is resolved", () => {
    const open = stream(stocked(10), pushed(10, 1, 1), conflictOf("c-1", 2));
    expect(decideChannelReconciliation(open, store, read(7), later)).toEqual({ outcome: "already_open", conflictId: "c-1" });
    const settled = stream(stocked(10), pushed(10, 1, 1), conflictOf("c-1", 2), resolved("c-1", 3));
    expect(decideChannelReconciliation(settled, store, read(7), later)).toMatchObject({ outcome: "conflict" });
    // Another store's open conflict is not this store's.
    expect(decideChannelReconciliation(open, { ...store, shopId: "other.myshopify.com" }, read(7), later)).toMatchObject({ outcome: "conflict" });
  });
});

describe("a reconciliation run's report", () => {
  const store = { creatorId: "creator-1", channel: "shopify" as const, shopId };
  const level = { skuId: sku, available: 7, handles: {} };

  it("counts each SKU's outcome, and a conflict raised now with its drift", () => {
    const report = emptyChannelReconciliationReport();
    countReconciledSku(report, store, level, { decision: { outcome: "agrees" }, conflictId: "c-0", duplicate: false });
    countReconciledSku(report, store, level, { decision: { outcome: "already_open", conflictId: "c-9" }, conflictId: "c-0", duplicate: false });
    countReconciledSku(report, store, level, { decision: { outcome: "left_to_outbox" }, conflictId: "c-0", duplicate: false });
    countReconciledSku(report, store, level, { decision: { outcome: "read_predates_push" }, conflictId: "c-0", duplicate: false });
    countReconciledSku(report, store, level, { decision: { outcome: "conflict", pool: 12, target: 10, channel: 7 }, conflictId: "c-1", duplicate: false });
    expect(report).toEqual({
      stores: 0, skusChecked: 0, agreed: 1, alreadyOpen: 1, leftToOutbox: 2, conflictsRaised: 1, failures: [],
      drift: [{ creatorId: "creator-1", channel: "shopify", shopId, skuId: sku, pool: 10, channelCount: 7, conflictId: "c-1" }],
    });
  });

  it("does not count again a conflict an earlier try of the same run raised", () => {
    const report = emptyChannelReconciliationReport();
    countReconciledSku(report, store, level, { decision: { outcome: "conflict", pool: 12, target: 10, channel: 7 }, conflictId: "c-1", duplicate: true });
    expect(report).toEqual(emptyChannelReconciliationReport());
  });
});
