import { describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { readConflictQueue, resolveConflictAsAdmin, resolveConflictsAsAdmin } from "../../../src/server/admin/conflict-queue.ts";
import { conflictRunner } from "../conflicts/harness.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });
const now = () => new Date();
const admin = { userId: crypto.randomUUID(), email: "admin@example.com" };

const newSkuId = () => uniqueNumericId("9");

/** A SKU with opening stock and an open conflict that needs a person (appended as detection records it). */
async function skuWithOpenConflict(creatorId: string, options: { total: number; external: number; type?: "quantity_mismatch" | "stale_data"; productId?: string; detectedAt?: Date }) {
  const skuId = newSkuId();
  const conflictId = crypto.randomUUID();
  const productId = options.productId ?? `8${newSkuId()}`;
  await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    expectedVersion: "no_stream",
    events: [
      { type: "inventory.stock_updated", data: { sku_id: skuId, product_id: productId, previous_total: 0, new_total: options.total, source: "manual", reason: "opening stock" } },
      {
        type: "inventory.sync_conflict_detected",
        occurredAt: options.detectedAt,
        data: { conflict_id: conflictId, sku_id: skuId, product_id: productId, conflict_type: options.type ?? "quantity_mismatch", local_value: options.total, external_value: options.external, source: "tiktok" },
      },
    ],
  });
  return { skuId, conflictId, productId };
}

describe("the admin conflict queue", () => {
  it("filters by creator, product or SKU, type and age, and shows each SKU's recent history newest first", async () => {
    const creatorId = newCreatorId();
    const otherCreator = newCreatorId();
    const runner = await conflictRunner(sql, [creatorId, otherCreator]);
    const old = await skuWithOpenConflict(creatorId, { total: 20, external: 14, detectedAt: new Date(Date.now() - 3 * 3_600_000) });
    const recent = await skuWithOpenConflict(creatorId, { total: 5, external: 9, type: "stale_data" });
    const foreign = await skuWithOpenConflict(otherCreator, { total: 1, external: 2 });
    await runner.drain({ budgetMs: 30_000 });

    const mine = await readConflictQueue(sql, { creatorId }, new Date());
    expect(mine.conflicts.map((conflict) => conflict.conflictId)).toEqual([old.conflictId, recent.conflictId]);
    expect(mine.creators).toEqual(expect.arrayContaining([creatorId, otherCreator]));
    const first = mine.conflicts[0]!;
    expect(first).toMatchObject({ skuId: old.skuId, productId: old.productId, localValue: 20, externalValue: 14, status: "open" });
    expect(first.recentHistory.map((entry) => entry.type)).toEqual(["inventory.sync_conflict_detected", "inventory.stock_updated"]);
    expect(first.recentHistory[1]).toMatchObject({ version: 1, data: expect.objectContaining({ new_total: 20 }), source: "automated_system" });

    expect((await readConflictQueue(sql, { product: recent.skuId }, new Date())).conflicts.map((c) => c.conflictId)).toEqual([recent.conflictId]);
    expect((await readConflictQueue(sql, { product: old.productId }, new Date())).conflicts.map((c) => c.conflictId)).toEqual([old.conflictId]);
    expect((await readConflictQueue(sql, { creatorId, type: "stale_data" }, new Date())).conflicts.map((c) => c.conflictId)).toEqual([recent.conflictId]);
    expect((await readConflictQueue(sql, { creatorId, olderThanMinutes: 60 }, new Date())).conflicts.map((c) => c.conflictId)).toEqual([old.conflictId]);
    expect((await readConflictQueue(sql, { creatorId, newerThanMinutes: 60 }, new Date())).conflicts.map((c) => c.conflictId)).toEqual([recent.conflictId]);
    expect((await readConflictQueue(sql, { creatorId: otherCreator }, new Date())).conflicts.map((c) => c.conflictId)).toEqual([foreign.conflictId]);
  });

  it("records an admin's custom count as events naming who and why, and moves the stock", async () => {
    const creatorId = newCreatorId();
    const runner = await conflictRunner(sql, [creatorId]);
    const { skuId, conflictId } = await skuWithOpenConflict(creatorId, { total: 30, external: 24 });
    await runner.drain({ budgetMs: 30_000 });

    const resolved = await resolveConflictAsAdmin({ sql, now, origin: { source: "admin_panel" } }, admin, { creatorId, conflictId, resolution: { kind: "custom", value: 27 }, reason: "Counted the shelf" });
    expect(resolved).toMatchObject({ conflictId, method: "custom", winningValue: 27, total: 27, resolvedBy: "admin@example.com" });

    const events = await store.readStream(inventoryAggregateId(skuId));
    const resolution = events.find((event) => event.type === "inventory.sync_conflict_resolved")!;
    expect(resolution.data).toMatchObject({ conflict_id: conflictId, method: "custom", winning_value: 27, resolved_by: "admin@example.com", reason: "Counted the shelf" });
    expect(resolution.userId).toBe(admin.userId);
    expect(events.some((event) => event.type === "inventory.stock_updated" && event.data.new_total === 27)).toBe(true);

    await runner.drain({ budgetMs: 30_000 });
    const settled = await readConflictQueue(sql, { creatorId, status: "resolved" }, new Date());
    expect(settled.conflicts[0]).toMatchObject({ conflictId, status: "resolved", method: "custom", resolvedBy: "admin@example.com", reason: "Counted the shelf" });
    expect((await readConflictQueue(sql, { creatorId }, new Date())).conflicts).toEqual([]);
  });

  it("resolves a selection spanning creators in bulk, each on its own, and refuses another creator's conflict as not found", async () => {
    const creatorA = newCreatorId();
    const creatorB = newCreatorId();
    const a = await skuWithOpenConflict(creatorA, { total: 10, external: 4 });
    const b = await skuWithOpenConflict(creatorB, { total: 8, external: 3 });

    const outcomes = await resolveConflictsAsAdmin({ sql, now, origin: { source: "admin_panel" } }, admin, {
      conflicts: [
        { creatorId: creatorA, conflictId: a.conflictId },
        { creatorId: creatorB, conflictId: b.conflictId },
        // Right conflict, wrong creator: never reachable by guessing.
        { creatorId: creatorA, conflictId: b.conflictId },
      ],
      resolution: { kind: "accept_external" },
      reason: "TikTok's warehouse count is right",
    });
    expect(outcomes).toEqual([
      expect.objectContaining({ ok: true, creatorId: creatorA, conflictId: a.conflictId, winningValue: 4 }),
      expect.objectContaining({ ok: false, creatorId: creatorA, conflictId: b.conflictId, code: "not_found" }),
      expect.objectContaining({ ok: true, creatorId: creatorB, conflictId: b.conflictId, winningValue: 3 }),
    ]);

    const again = await resolveConflictsAsAdmin({ sql, now, origin: { source: "admin_panel" } }, admin, {
      conflicts: [{ creatorId: creatorA, conflictId: a.conflictId }],
      resolution: { kind: "keep_local" },
      reason: "second thoughts",
    });
    expect(again).toEqual([expect.objectContaining({ ok: false, code: "illegal_state" })]);
  });
});
