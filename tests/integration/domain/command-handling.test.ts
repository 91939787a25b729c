import { describe, expect, it } from "vitest";
import { handleCommand, SNAPSHOT_EVERY, type CommandHandlingOptions } from "../../../src/core/command-handling.ts";
import { DomainError } from "../../../src/core/domain-error.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { available, decideInventory, evolveInventory, initialInventoryState, type InventoryCommand, type InventoryState } from "../../../src/core/inventory/inventory.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase({ max: 30 });
const store = createEventStore({ sql });

type Deduplication = Pick<CommandHandlingOptions<InventoryState>, "commandId" | "expectedVersion" | "snapshotSchemaVersion">;

/** `command` on the SKU's stream, deduplicated and snapshotted as `options` say. */
function handleInventoryCommand(creatorId: string, skuId: string, command: InventoryCommand, options: Deduplication) {
  return handleCommand({
    metadata: { source: "automated_system" },
    store,
    creatorId,
    aggregateId: `inventory-${skuId}`,
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory(command, state, new Date()),
    ...options,
  });
}

function inventoryCommand(creatorId: string, skuId: string, command: InventoryCommand, commandId = crypto.randomUUID()) {
  return handleInventoryCommand(creatorId, skuId, command, { commandId, snapshotSchemaVersion: 1 });
}

describe("command handling", () => {
  it("lets exactly 10 of 50 concurrent reservations of one unit through against 10 units, never overselling", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("sku-");
    await inventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal: 10, source: "manual" });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) => inventoryCommand(creatorId, skuId, { type: "Reserve", skuId, orderId: `order-${index}`, quantity: 1 })),
    );
    const reservedCount = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(reservedCount).toBe(10);
    expect(refused).toHaveLength(40);
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
      expect(String((outcome as PromiseRejectedResult).reason.message)).toMatch(/only 0 available/);
    }
    const { state } = await store.aggregateStream({ aggregateId: `inventory-${skuId}`, initialState: initialInventoryState, evolve: evolveInventory });
    expect({ reserved: state.reserved, available: available(state) }).toEqual({ reserved: 10, available: 0 });
    const reservations = await store.readByType({ types: ["inventory.reserved"], creatorId, limit: 100 });
    expect(reservations.events).toHaveLength(10);
  });

  it("is idempotent by command id", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("sku-");
    const commandId = crypto.randomUUID();
    const first = await inventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal: 25, source: "manual" }, commandId);
    await inventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal: 30, source: "manual" });
    const again = await inventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal: 25, source: "manual" }, commandId);
    expect(again.duplicate).toBe(true);
    expect(again.appended).toEqual(first.appended);
    expect(again.state.total).toBe(30);
  });

  it("without a command id, deduplicates nothing: two distinct commands both apply", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("sku-");
    const unnamed = (newTotal: number) => handleInventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal, source: "manual" }, {});
    const first = await unnamed(12);
    const second = await unnamed(17);
    expect([first.duplicate, second.duplicate]).toEqual([false, false]);
    expect(second.state.total).toBe(17);
    const stored = await store.readStream(`inventory-${skuId}`);
    expect(stored.map((event) => (event.type === "inventory.stock_updated" ? event.data.new_total : event.type))).toEqual([12, 17]);
  });

  it("appends only at the expected version a person decided from, and never retries that away", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("sku-");
    await inventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal: 20, source: "manual" });
    const adjust = (newTotal: number, expectedVersion: number, commandId: string) =>
      handleInventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal, source: "manual" }, { commandId, expectedVersion });
    const first = await adjust(25, 1, "edit-1");
    expect(first.version).toBe(2);
    // The same request again (a double click, a retried fetch) answers as the first did, appending nothing.
    expect(await adjust(25, 1, "edit-1")).toMatchObject({ version: 2 });
    expect(await store.readStream(`inventory-${skuId}`)).toHaveLength(2);
    // Another edit made from the old number is a conflict, not silently applied.
    await expect(adjust(30, 1, "edit-2")).rejects.toMatchObject({ expected: 1, actual: 2 });
    const { state } = await store.aggregateStream({ aggregateId: `inventory-${skuId}`, initialState: initialInventoryState, evolve: evolveInventory });
    expect(state.total).toBe(25);
  });

  it("snapshots every hundred events and loads from the snapshot", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("sku-");
    for (let total = 1; total <= SNAPSHOT_EVERY + 5; total += 1) {
      await inventoryCommand(creatorId, skuId, { type: "AdjustStock", skuId, newTotal: 100 + total, source: "manual" });
    }
    const snapshot = await store.loadSnapshot<ReturnType<typeof initialInventoryState>>(`inventory-${skuId}`, { schemaVersion: 1 });
    expect(snapshot?.version).toBe(SNAPSHOT_EVERY);
    expect(snapshot?.state.total).toBe(100 + SNAPSHOT_EVERY);
    const replayedToSnapshot = await store.aggregateStream({ aggregateId: `inventory-${skuId}`, initialState: initialInventoryState, evolve: evolveInventory, at: { version: SNAPSHOT_EVERY } });
    expect(snapshot?.state).toEqual(replayedToSnapshot.state);
    const loaded = await store.aggregateStream({ aggregateId: `inventory-${skuId}`, initialState: initialInventoryState, evolve: evolveInventory, snapshotSchemaVersion: 1 });
    const replayed = await store.aggregateStream({ aggregateId: `inventory-${skuId}`, initialState: initialInventoryState, evolve: evolveInventory });
    expect(loaded).toEqual(replayed);
    expect(loaded.state.total).toBe(100 + SNAPSHOT_EVERY + 5);
  });
});
