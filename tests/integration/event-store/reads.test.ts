import { describe, expect, it } from "vitest";
import { createEventStore, type StoredEvent } from "../../../src/core/event-store/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { orderReceived, orderShipped, stockUpdated, uniqueOrderId } from "./fixtures.ts";
import { storedMetadata } from "../../test-data.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

// A stock level folded from stock updates: enough state to compare replays.
interface StockLevel {
  total: number;
  updates: number;
}
const emptyStock = (): StockLevel => ({ total: 0, updates: 0 });
const evolveStock = (state: StockLevel, event: StoredEvent): StockLevel =>
  event.type === "inventory.stock_updated" ? { total: Number(event.data.new_total), updates: state.updates + 1 } : state;

describe("reads by type and time", () => {
  it("reads exact and wildcard types within a time range, paged by cursor", async () => {
    const creatorId = newCreatorId();
    const base = new Date(Date.UTC(2026, 10, 20, 12));
    const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000);
    const orders = Array.from({ length: 5 }, () => uniqueOrderId());
    for (const [index, orderId] of orders.entries()) {
      await store.appendToStream({ metadata: { source: "automated_system" },
        creatorId,
        aggregateId: `order-${orderId}`,
        aggregateType: "order",
        events: [
          { ...orderReceived(orderId), occurredAt: at(index * 10) },
          { ...orderShipped(orderId), occurredAt: at(index * 10 + 5) },
        ],
      });
    }
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `inventory-${orders[0]}`, aggregateType: "inventory", events: [{ ...stockUpdated(`sku${orders[0]}`, 0, 3), occurredAt: at(1) }] });

    const wildcard: StoredEvent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.readByType({ types: ["order.*"], creatorId, limit: 3, after: cursor });
      wildcard.push(...page.events);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    expect(wildcard).toHaveLength(10);
    expect(new Set(wildcard.map((event) => event.type))).toEqual(new Set(["order.received_from_tiktok", "order.shipped"]));

    const shippedInRange = await store.readByType({ types: ["order.shipped"], creatorId, from: at(10), to: at(30) });
    expect(shippedInRange.events.map((event) => ("order_id" in event.data ? event.data.order_id : undefined))).toEqual([orders[1], orders[2]]);

    const everything = await store.readByType({ types: ["*"], creatorId, limit: 100 });
    expect(everything.events).toHaveLength(11);
    const inventoryOnly = await store.readByType({ types: ["inventory.*"], creatorId });
    expect(inventoryOnly.events.map((event) => event.type)).toEqual(["inventory.stock_updated"]);
  });

  it("does not treat underscores in a wildcard as LIKE wildcards", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)] });
    const page = await store.readByType({ types: ["order.received_*"], creatorId });
    expect(page.events).toHaveLength(1);
    const none = await store.readByType({ types: ["order_received*"], creatorId });
    expect(none.events).toHaveLength(0);
  });

  it("rejects a forged cursor", async () => {
    await expect(store.readByType({ types: ["*"], after: "nonsense" })).rejects.toThrow(/Invalid cursor/);
  });
});

describe("aggregate state", () => {
  async function appendStockHistory(count: number) {
    const creatorId = newCreatorId();
    const aggregateId = `inventory-sku-${uniqueOrderId()}`;
    const base = new Date(Date.UTC(2026, 10, 1));
    const events = Array.from({ length: count }, (_, index) => ({
      ...stockUpdated("sku-history", index, index + 1),
      occurredAt: new Date(base.getTime() + index * 60_000),
    }));
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId, aggregateType: "inventory", expectedVersion: "no_stream", events });
    return { creatorId, aggregateId, base };
  }

  it("gives the state at a version and at a point in time", async () => {
    const { aggregateId, base } = await appendStockHistory(10);
    const atVersion = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock, at: { version: 4 } });
    expect(atVersion).toEqual({ state: { total: 4, updates: 4 }, version: 4 });
    const atTime = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock, at: { time: new Date(base.getTime() + 6 * 60_000 + 30_000) } });
    expect(atTime).toEqual({ state: { total: 7, updates: 7 }, version: 7 });
    const beforeAnything = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock, at: { time: new Date(base.getTime() - 1) } });
    expect(beforeAnything).toEqual({ state: emptyStock(), version: 0 });
  });

  it("loads from the latest snapshot plus the tail, equal to a full replay, keeping the last 5 snapshots", async () => {
    const { creatorId, aggregateId } = await appendStockHistory(250);
    for (const version of [100, 120, 140, 160, 180, 200]) {
      const atVersion = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock, at: { version } });
      await store.saveSnapshot({ aggregateId, aggregateType: "inventory", creatorId, version, state: atVersion.state, schemaVersion: 1 });
    }
    const kept = await sql<{ version: string }[]>`select version from snapshots where aggregate_id = ${aggregateId} order by version`;
    expect(kept.map((row) => Number(row.version))).toEqual([120, 140, 160, 180, 200]);

    const replayed: StoredEvent[] = [];
    const fromSnapshot = await store.aggregateStream({
      aggregateId,
      initialState: emptyStock,
      evolve: (state, event) => {
        replayed.push(event);
        return evolveStock(state, event);
      },
      snapshotSchemaVersion: 1,
    });
    const fullReplay = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock });
    expect(fromSnapshot).toEqual(fullReplay);
    expect(fullReplay).toEqual({ state: { total: 250, updates: 250 }, version: 250 });
    expect(replayed[0].version).toBe(201);
    expect(replayed).toHaveLength(50);

    const older = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock, snapshotSchemaVersion: 1, at: { version: 150 } });
    expect(older).toEqual({ state: { total: 150, updates: 150 }, version: 150 });
    // A snapshot of another state shape is ignored rather than misread.
    const otherShape = await store.aggregateStream({ aggregateId, initialState: emptyStock, evolve: evolveStock, snapshotSchemaVersion: 2 });
    expect(otherShape).toEqual(fullReplay);
  });
});

describe("upcasting on read", () => {
  it("turns an event stored at an old schema version into the current shape", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    // Version 1 of this imaginary shape called the carrier "shipper"; it is stored as such.
    await sql`
      select * from append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'no_stream',
        ${sql.json([{ event_type: "order.shipped", schema_version: 1, event_data: { order_id: orderId, shipper: "UPS" }, metadata: storedMetadata(creatorId) }] as never)}::jsonb)`;
    const upcasting = createEventStore({
      sql,
      upcasters: { "order.shipped": { 1: ({ shipper, ...rest }) => ({ ...rest, carrier: shipper }) } },
    });
    const [event] = await upcasting.readStream(`order-${orderId}`);
    expect(event.data).toEqual({ order_id: orderId, carrier: "UPS" });
    expect(event.schemaVersion).toBe(2);
    const [raw] = await store.readStream(`order-${orderId}`);
    expect(raw.data).toEqual({ order_id: orderId, shipper: "UPS" });
    expect(raw.schemaVersion).toBe(1);
  });
});
