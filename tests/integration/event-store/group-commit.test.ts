// Group commit of appends (src/core/event-store/grouped-appends.ts) against real Postgres:
// appends made in the same turn share one transaction, yet each keeps its own outcome.
import { describe, expect, it } from "vitest";
import {
  ConcurrencyError,
  createEventStore,
  EventValidationError,
  prepareAppend,
  WrongTenantError,
  type AppendRequest,
  type NewEvent,
} from "../../../src/core/event-store/index.ts";
import { connectTestDatabase, newCreatorId, storedEventCount } from "../database.ts";
import { orderReceived, stockUpdated, uniqueOrderId } from "./fixtures.ts";

const sql = connectTestDatabase({ max: 10 });
const store = createEventStore({ sql });
/** A client of its own for the outage, whose connection the test terminates. */
const doomedSql = connectTestDatabase({ max: 2 });

function newOrderAppend(creatorId: string, events?: NewEvent[]): AppendRequest {
  const orderId = uniqueOrderId();
  return {
    metadata: { source: "automated_system" },
    creatorId,
    aggregateId: `order-${orderId}`,
    aggregateType: "order",
    expectedVersion: "no_stream",
    events: events ?? [orderReceived(orderId)],
  };
}

async function transactionsOf(aggregateIds: string[]): Promise<string[]> {
  const rows = await sql<{ transaction_id: string }[]>`
    select distinct transaction_id::text from event_store where aggregate_id = any (${aggregateIds})`;
  return rows.map((row) => row.transaction_id);
}

/** An append as the store's writer sends it to append_to_streams. */
function batchEntry(append: AppendRequest) {
  const { rows, metadata } = prepareAppend(append, append.events);
  return {
    creator_id: append.creatorId,
    aggregate_id: append.aggregateId,
    aggregate_type: append.aggregateType,
    expected: String(append.expectedVersion ?? "any"),
    events: rows,
    idempotency_key: append.idempotencyKey ?? null,
    metadata,
  };
}

/**
 * Calls append_to_streams in a transaction of its own, counting the append_to_stream calls
 * that returned (one per append that succeeded, when it writes the batch append by append).
 */
async function appendToStreamsCounted(appends: AppendRequest[]): Promise<{ errors: (string | null)[]; perAppendCalls: number }> {
  return sql.begin(async (tx) => {
    await tx`set local track_functions = 'all'`;
    const rows = await tx<{ ordinal: number; error_code: string | null }[]>`
      select distinct on (ordinal) ordinal, error_code
        from public.append_to_streams(${tx.json(appends.map(batchEntry) as never)}::jsonb) order by ordinal`;
    const [calls] = await tx<{ calls: string }[]>`select calls from pg_stat_xact_user_functions where funcname = 'append_to_stream'`;
    return { errors: rows.map((row) => row.error_code), perAppendCalls: Number(calls?.calls ?? 0) };
  });
}

const eventCount = (aggregateId: string) => storedEventCount(sql, aggregateId);

describe("group commit of appends", () => {
  it("commits concurrent appends to different streams in one transaction, each with its own positions", async () => {
    const creatorId = newCreatorId();
    const appends = Array.from({ length: 6 }, () => newOrderAppend(creatorId));
    const results = await Promise.all(appends.map((append) => store.appendToStream(append)));

    const ids = appends.map((append) => append.aggregateId);
    expect(await transactionsOf(ids)).toHaveLength(1);
    const stored = await sql<{ id: string; aggregate_id: string; position: string; version: string }[]>`
      select id, aggregate_id, position, version from event_store where aggregate_id = any (${ids})`;
    results.forEach((result, index) => {
      expect(result.events).toHaveLength(1);
      const row = stored.find((candidate) => candidate.aggregate_id === ids[index])!;
      expect(result.events[0]).toEqual({ id: row.id, position: Number(row.position), version: 1 });
      expect(result.nextExpectedVersion).toBe(1);
    });
    expect(new Set(results.map((result) => result.events[0].position)).size).toBe(6);
  });

  it("gives every append its own transaction when the store is made without group commit", async () => {
    const ungrouped = createEventStore({ sql, groupCommit: false });
    const creatorId = newCreatorId();
    const appends = Array.from({ length: 4 }, () => newOrderAppend(creatorId));
    await Promise.all(appends.map((append) => ungrouped.appendToStream(append)));
    expect(await transactionsOf(appends.map((append) => append.aggregateId))).toHaveLength(4);
  });

  it("fails a conflicting append alone, and another creator's stream alone, while their neighbours commit", async () => {
    const creatorId = newCreatorId();
    const owned = newOrderAppend(newCreatorId());
    await store.appendToStream(owned);
    const fine = [newOrderAppend(creatorId), newOrderAppend(creatorId)];
    const conflicting = { ...newOrderAppend(creatorId), expectedVersion: 3 };
    const foreign = { ...owned, creatorId, expectedVersion: "any" as const };

    const [first, conflict, second, wrongTenant] = await Promise.allSettled([
      store.appendToStream(fine[0]),
      store.appendToStream(conflicting),
      store.appendToStream(fine[1]),
      store.appendToStream(foreign),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("fulfilled");
    expect(conflict).toMatchObject({ status: "rejected", reason: { expected: 3, actual: "no_stream" } });
    expect((conflict as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect((wrongTenant as PromiseRejectedResult).reason).toBeInstanceOf(WrongTenantError);
    expect(await transactionsOf(fine.map((append) => append.aggregateId))).toHaveLength(1);
    expect(await eventCount(conflicting.aggregateId)).toBe(0);
    expect(await eventCount(owned.aggregateId)).toBe(1);
  });

  it("fails an append with an invalid payload alone, and one whose rows the database refuses alone", async () => {
    const creatorId = newCreatorId();
    const earlier = newOrderAppend(creatorId);
    const occurredAt = new Date("2026-11-30T10:00:00Z");
    const [written] = (await store.appendToStream({ ...earlier, events: [{ ...earlier.events[0], occurredAt }] })).events;
    const fine = [newOrderAppend(creatorId), newOrderAppend(creatorId)];
    const invalid = newOrderAppend(creatorId, [{ type: "order.shipped", data: { order_id: 42 } } as unknown as NewEvent]);
    // The same event id at the same time: the primary key refuses it in the database, not in the writer.
    const reused = newOrderAppend(creatorId);
    reused.events = [{ ...reused.events[0], id: written.id, occurredAt }];

    const outcomes = await Promise.allSettled([
      store.appendToStream(fine[0]),
      store.appendToStream(invalid),
      store.appendToStream(reused),
      store.appendToStream(fine[1]),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventValidationError);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: "23505" });
    expect(await transactionsOf(fine.map((append) => append.aggregateId))).toHaveLength(1);
    expect(await eventCount(invalid.aggregateId)).toBe(0);
    expect(await eventCount(reused.aggregateId)).toBe(0);
    const [stream] = await sql`select 1 from streams where aggregate_id = ${reused.aggregateId}`;
    expect(stream).toBeUndefined();
  });

  it("writes a batch of appends to distinct streams in one statement, with each append's own outcome", async () => {
    const creatorId = newCreatorId();
    const existing = [newOrderAppend(creatorId), newOrderAppend(creatorId), newOrderAppend(creatorId)];
    for (const append of existing) await store.appendToStream(append);
    const foreign = newOrderAppend(newCreatorId());
    await store.appendToStream(foreign);
    const orderId = uniqueOrderId();
    const batch: AppendRequest[] = [
      { ...existing[0], expectedVersion: 1, events: [orderReceived(orderId), orderReceived(orderId)] },
      { ...existing[1], expectedVersion: "stream_exists" },
      { ...existing[2], expectedVersion: 4 },
      { ...newOrderAppend(creatorId), expectedVersion: "any" },
      { ...foreign, creatorId, expectedVersion: "any" },
      newOrderAppend(creatorId),
    ];
    const { errors, perAppendCalls } = await appendToStreamsCounted(batch);
    expect(errors).toEqual([null, null, "CF409", null, "CF403", null]);
    expect(perAppendCalls).toBe(0);

    const versions = await sql<{ aggregate_id: string; version: string; position: string }[]>`
      select aggregate_id, version, position from event_store where aggregate_id = any (${batch.map((append) => append.aggregateId)}) order by aggregate_id, version`;
    const versionsOf = (id: string) => versions.filter((row) => row.aggregate_id === id).map((row) => Number(row.version));
    expect(versionsOf(existing[0].aggregateId)).toEqual([1, 2, 3]);
    expect(versionsOf(existing[1].aggregateId)).toEqual([1, 2]);
    expect(versionsOf(existing[2].aggregateId)).toEqual([1]);
    expect(versionsOf(batch[3].aggregateId)).toEqual([1]);
    expect(versionsOf(foreign.aggregateId)).toEqual([1]);
    const positions = versions.filter((row) => row.aggregate_id === existing[0].aggregateId).map((row) => Number(row.position));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const [stream] = await sql<{ version: string }[]>`select version from streams where aggregate_id = ${existing[0].aggregateId}`;
    expect(Number(stream.version)).toBe(3);

    // Through the store, a conflict on an existing stream says which version it is at.
    const [conflict] = await Promise.allSettled([
      store.appendToStream({ ...existing[2], expectedVersion: 4 }),
      store.appendToStream(newOrderAppend(creatorId)),
    ]);
    expect(conflict).toMatchObject({ status: "rejected", reason: { expected: 4, actual: 1 } });
  });

  it("writes a batch append by append when the database refuses a row, two appends share a stream, or one has an idempotency key", async () => {
    const creatorId = newCreatorId();
    const earlier = newOrderAppend(creatorId);
    const occurredAt = new Date("2026-11-30T10:00:00Z");
    const [written] = (await store.appendToStream({ ...earlier, events: [{ ...earlier.events[0], occurredAt }] })).events;
    const reused = newOrderAppend(creatorId);
    reused.events = [{ ...reused.events[0], id: written.id, occurredAt }];
    const refused = await appendToStreamsCounted([newOrderAppend(creatorId), reused, newOrderAppend(creatorId)]);
    // The call that raised (the refused row) is not counted: Postgres counts calls that return.
    expect(refused).toEqual({ errors: [null, "23505", null], perAppendCalls: 2 });

    const shared = newOrderAppend(creatorId);
    const sameStream = await appendToStreamsCounted([shared, { ...shared, expectedVersion: 1 }]);
    expect(sameStream).toEqual({ errors: [null, null], perAppendCalls: 2 });
    expect(await eventCount(shared.aggregateId)).toBe(2);

    const keyed = await appendToStreamsCounted([newOrderAppend(creatorId), { ...newOrderAppend(creatorId), idempotencyKey: crypto.randomUUID() }]);
    expect(keyed).toEqual({ errors: [null, null], perAppendCalls: 2 });
  });

  it("keeps each stream's appends in the order they were made, within one commit", async () => {
    const creatorId = newCreatorId();
    const skuId = crypto.randomUUID();
    const other = newOrderAppend(creatorId);
    const appends = Array.from({ length: 10 }, (_, index): AppendRequest => ({
      metadata: { source: "automated_system" },
      creatorId,
      aggregateId: `sku-${skuId}`,
      aggregateType: "sku",
      expectedVersion: index === 0 ? "no_stream" : index,
      events: [stockUpdated(skuId, index, index + 1)],
    }));
    // Each expects the version the one before leaves: all succeed only if written in order.
    const results = await Promise.all([store.appendToStream(other), ...appends.map((append) => store.appendToStream(append))]);
    expect(results.slice(1).map((result) => result.nextExpectedVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const events = await store.readStream(`sku-${skuId}`);
    expect(events.map((event) => (event.data as { previous_total: number }).previous_total)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await transactionsOf([other.aggregateId, `sku-${skuId}`])).toHaveLength(1);
  });

  it("answers a repeated idempotency key within one commit with the first append's events", async () => {
    const append = { ...newOrderAppend(newCreatorId()), idempotencyKey: crypto.randomUUID() };
    const [first, repeat] = await Promise.all([store.appendToStream(append), store.appendToStream({ ...append, expectedVersion: "any" })]);
    expect(first.duplicate).toBe(false);
    expect(repeat).toEqual({ ...first, duplicate: true });
    expect(await eventCount(append.aggregateId)).toBe(1);
  });

  it("keeps every stream's versions in the global stream's order while batches of two stores contend for the same streams", async () => {
    // Each batch writes several streams; without the stream order locks a batch holding a
    // transaction id while it waits for a stream commits that stream's next version under an
    // older id, and a reader of the global stream sees it first (a projection would skip it).
    const other = createEventStore({ sql: doomedSql, groupCommit: { maxConcurrentCommits: 2 } });
    const creatorId = newCreatorId();
    const hot = Array.from({ length: 3 }, () => `sku-${crypto.randomUUID()}`);
    const start = await sql<{ transaction_id: string; position: string }[]>`
      select transaction_id::text, position from event_store order by transaction_id desc, position desc limit 1`;
    const writers = Array.from({ length: 16 }, async (_, writer) => {
      for (let round = 0; round < 20; round++) {
        const target = writer % 2 === 0 ? store : other;
        // A fresh stream first, so the batch has written (and holds an id) before it reaches a hot one.
        await Promise.all([
          target.appendToStream(newOrderAppend(creatorId)),
          target.appendToStream({ ...newOrderAppend(creatorId), aggregateId: hot[(writer + round) % 3], aggregateType: "sku", expectedVersion: "any", events: [stockUpdated(hot[0], round, round + 1)] }),
        ]);
      }
    });
    await Promise.all(writers);
    let checkpoint = start[0] ? { transactionId: start[0].transaction_id, position: Number(start[0].position) } : { transactionId: "0", position: 0 };
    const seen = new Map(hot.map((id) => [id, [] as number[]]));
    for (;;) {
      const page = await store.readAllAfter(checkpoint, { limit: 500 });
      if (page.events.length === 0) break;
      for (const event of page.events) seen.get(event.aggregateId)?.push(event.version);
      checkpoint = page.checkpoint;
    }
    for (const versions of seen.values()) {
      expect(versions.length).toBeGreaterThan(50);
      expect(versions).toEqual(versions.map((_, index) => index + 1));
    }
  });

  it("fails every append of a batch with the error when the database goes away mid-commit, and writes none of them", async () => {
    const creatorId = newCreatorId();
    const held = newOrderAppend(creatorId);
    await store.appendToStream(held);
    const own = createEventStore({ sql: doomedSql });
    const batch = [{ ...held, expectedVersion: 1 }, newOrderAppend(creatorId), newOrderAppend(creatorId)];
    const lockHeld = sql.reserve();
    const holder = await lockHeld;
    try {
      await holder`begin`;
      await holder`select 1 from streams where aggregate_id = ${held.aggregateId} for update`;
      const outcomes = Promise.allSettled(batch.map((append) => own.appendToStream(append)));
      // The batch is waiting on the held stream: the database "goes away" under it.
      let terminated = false;
      while (!terminated) {
        const [row] = await sql<{ terminated: boolean | null }[]>`
          select pg_terminate_backend(pid) as terminated from pg_stat_activity
           where query like '%append_to_streams(%' and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
        terminated = row?.terminated === true;
      }
      const settled = await outcomes;
      expect(settled.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
      const reasons = settled.map((outcome) => (outcome as PromiseRejectedResult).reason);
      // The server's notice (57P01) or the driver's, depending on which arrives first.
      expect(["57P01", "CONNECTION_CLOSED"]).toContain((reasons[0] as { code: string }).code);
      expect(reasons[1]).toBe(reasons[0]);
      expect(reasons[2]).toBe(reasons[0]);
    } finally {
      await holder`rollback`;
      holder.release();
    }
    for (const append of batch) expect(await eventCount(append.aggregateId)).toBe(append === batch[0] ? 1 : 0);
  });
});
