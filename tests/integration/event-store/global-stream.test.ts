import { describe, expect, it } from "vitest";
import { createEventStore, startOfGlobalStream, type GlobalCheckpoint } from "../../../src/core/event-store/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { orderReceived, uniqueOrderId } from "./fixtures.ts";
import { storedMetadata } from "../../test-data.ts";

const sql = connectTestDatabase({ max: 20 });
const store = createEventStore({ sql });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function appendInTransaction(creatorId: string, options: { holdMs?: number; rollBack?: boolean }) {
  const orderId = uniqueOrderId();
  const events = [orderReceived(orderId)];
  try {
    return await sql.begin(async (tx) => {
      const [row] = await tx<{ event_id: string; event_position: string }[]>`
        select event_id, event_position from append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'no_stream',
          ${tx.json(events.map((event) => ({ event_type: event.type, event_data: event.data, metadata: storedMetadata(creatorId) })) as never)}::jsonb)`;
      if (options.holdMs) await sleep(options.holdMs);
      if (options.rollBack) throw new Error("rolled back on purpose");
      return { id: row.event_id, position: Number(row.event_position) };
    }).then((event) => ({ ...event, committedAt: performance.now() }));
  } catch (error) {
    if (options.rollBack) return undefined;
    throw error;
  }
}

describe("reading the global stream", () => {
  it("sees every committed event exactly once while 8 writers commit out of order, some rolling back and one held open", async () => {
    const creatorId = newCreatorId();
    const committed: { id: string; position: number; committedAt: number }[] = [];
    const seen: { id: string; position: number }[] = [];
    let writersDone = false;

    const reader = (async () => {
      let checkpoint: GlobalCheckpoint = startOfGlobalStream;
      for (;;) {
        const page = await store.readAllAfter(checkpoint, { limit: 50 });
        for (const event of page.events) {
          if (event.creatorId === creatorId) seen.push({ id: event.id, position: event.position });
        }
        checkpoint = page.checkpoint;
        if (page.events.length === 0) {
          if (writersDone && seen.length >= committed.length) return;
          await sleep(5);
        }
      }
    })();

    const held = (async () => {
      await sleep(20);
      const result = await appendInTransaction(creatorId, { holdMs: 800 });
      if (result) committed.push(result);
      return result;
    })();

    const writers = Array.from({ length: 8 }, async (_, writer) => {
      for (let attempt = 0; attempt < 25; attempt += 1) {
        const rollBack = (writer + attempt) % 5 === 0;
        const result = await appendInTransaction(creatorId, { holdMs: (writer * 7 + attempt * 3) % 11, rollBack });
        if (result) committed.push(result);
      }
    });
    await Promise.all([...writers, held]);
    writersDone = true;
    const heldEvent = await held;
    await reader;

    const seenIds = seen.map((event) => event.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(new Set(seenIds)).toEqual(new Set(committed.map((event) => event.id)));
    expect(committed).toHaveLength(8 * 25 - 8 * 5 + 1);
    // The scenario really committed out of order: events with higher positions committed
    // while the held transaction (lower position) was open. A reader of position alone skips it.
    const overtaking = committed.filter((event) => event.position > heldEvent!.position && event.committedAt < heldEvent!.committedAt);
    expect(overtaking.length).toBeGreaterThan(0);
  });

  it("filters the global stream by type and keeps the checkpoint moving", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)] });
    await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId: `inventory-sku-${orderId}`,
      aggregateType: "inventory",
      events: [{ type: "inventory.stock_updated", data: { sku_id: `sku-${orderId}`, previous_total: 0, new_total: 5, source: "manual" } }],
    });
    let checkpoint = startOfGlobalStream;
    const types: string[] = [];
    for (;;) {
      const page = await store.readAllAfter(checkpoint, { types: ["inventory.*"], limit: 1000 });
      types.push(...page.events.filter((event) => event.creatorId === creatorId).map((event) => event.type));
      if (page.events.length === 0) break;
      checkpoint = page.checkpoint;
    }
    expect(types).toEqual(["inventory.stock_updated"]);
  });
});
