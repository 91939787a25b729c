
import { beforeAll, describe, expect, it } from "vitest";
import { createEventStore, type StoredEvent } from "../../../src/core/event-store/index.ts";
import { createConsumerRunner, createDeadLetters, createShardLeases, type Consumer } from "../../../src/core/processing/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { orderReceived, orderShipped, uniqueOrderId } from "../event-store/fixtures.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

beforeAll(async () => {
  // A read model for these tests: no unique key, so counting twice would show.
  await sql`create table if not exists public.test_handled_events (consumer text not null, event_id uuid not null, event_type text not null, handled_at timestamptz default clock_timestamp())`;
});

const uniqueConsumerName = (label: string) => uniqueId(`test-${label}-`);

/**
 * A projection recording the events of one creator it handled, in its own transaction.
 * `failOn` sees how many failed attempts the runner has recorded for the event so far.
 */
function recordingConsumer(name: string, creatorId: string, options: { failOn?: (event: StoredEvent, failedAttempts: number) => boolean; handles?: string[] } = {}): Consumer {
  return {
    name,
    handles: options.handles ?? ["order.*"],
    transactional: true,
    batchSize: 50,
    async handleBatch(events, context) {
      for (const event of events) {
        if (event.creatorId !== creatorId) continue;
        const [retry] = await sql<{ attempts: number }[]>`select attempts from consumer_retries where consumer = ${name} and event_id = ${event.id}`;
        const failedAttempts = retry?.attempts ?? 0;
        if (options.failOn?.(event, failedAttempts)) throw new Error(`cannot handle ${event.type} (attempt ${failedAttempts + 1})`);
        await context.sql`insert into public.test_handled_events (consumer, event_id, event_type) values (${name}, ${event.id}, ${event.type})`;
      }
    },
  };
}

async function handled(consumer: string): Promise<string[]> {
  const rows = await sql<{ event_id: string }[]>`select event_id from public.test_handled_events where consumer = ${consumer} order by handled_at`;
  return rows.map((row) => row.event_id);
}

/** Places a new consumer at the end of the stream, so its first tick sees only what the test appends next. */
async function startAtEndOfStream(...consumers: string[]): Promise<void> {
  const [end] = await sql<{ transaction_id: string; position: string }[]>`
    select transaction_id::text, position from event_store order by transaction_id desc, position desc limit 1`;
  for (const consumer of consumers) {
    await sql`insert into consumer_checkpoints (consumer, transaction_id, position)
              values (${consumer}, ${end?.transaction_id ?? "0"}::xid8, ${end?.position ?? 0})`;
  }
}

/** Ticks until the runner has recorded `attempts` failures of the consumer's stuck event (other files append concurrently). */
async function tickUntilFailures(runner: ReturnType<typeof createConsumerRunner>, consumer: string, attempts: number) {
  for (let tick = 0; tick < 500; tick += 1) {
    await runner.tick();
    const [retry] = await sql<{ attempts: number; next_attempt_at: Date }[]>`select attempts, next_attempt_at from consumer_retries where consumer = ${consumer}`;
    if (retry && retry.attempts >= attempts) return retry;
  }
  throw new Error(`${consumer} never recorded ${attempts} failed attempts`);
}

async function appendOrders(creatorId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const orderId = uniqueOrderId();
    const result = await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId), orderShipped(orderId)] });
    ids.push(...result.events.map((event) => event.id));
  }
  return ids;
}

describe("consumer runner", () => {
  it("hands every event to a consumer once, in order, across batches and runs", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("once");
    const ids = await appendOrders(creatorId, 60);
    const runner = createConsumerRunner({ sql, consumers: [recordingConsumer(name, creatorId)], owner: "runner-a" });
    await runner.drain({ budgetMs: 30_000 });
    const more = await appendOrders(creatorId, 5);
    await runner.drain({ budgetMs: 30_000 });
    await runner.drain({ budgetMs: 30_000 });
    expect(await handled(name)).toEqual([...ids, ...more]);
    const [checkpoint] = await sql<{ lease_owner: string | null }[]>`select lease_owner from consumer_checkpoints where consumer = ${name}`;
    expect(checkpoint.lease_owner).toBeNull();
  });

  it("lets only one instance run a consumer at a time", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("lease");
    await appendOrders(creatorId, 3);
    const first = createShardLeases({ sql, owner: "instance-1", leaseMs: 30_000, shard: 0 });
    const second = createConsumerRunner({ sql, consumers: [recordingConsumer(name, creatorId)], owner: "instance-2" });
    expect(await first.acquire(recordingConsumer(name, creatorId))).toMatchObject({ consumer: { name } });
    const [outcome] = await second.tick();
    expect(outcome).toMatchObject({ consumer: name, skipped: true, processed: 0 });
    await first.releaseAll();
    const [afterRelease] = await second.tick();
    expect(afterRelease.skipped).toBe(false);
    expect(afterRelease.processed).toBeGreaterThan(0);
  });

  it("retries a failing event on the backoff schedule and handles it once when it succeeds", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("flaky");
    await startAtEndOfStream(name);
    const [received, shipped] = await appendOrders(creatorId, 1);
    let clock = Date.now();
    const runner = createConsumerRunner({
      sql,
      consumers: [recordingConsumer(name, creatorId, { failOn: (event, failedAttempts) => event.id === shipped && failedAttempts < 3 })],
      owner: "runner-flaky",
      now: () => new Date(clock),
    });

    const scheduled: number[] = [];
    for (let failure = 1; failure <= 3; failure += 1) {
      const retry = await tickUntilFailures(runner, name, failure);
      expect(retry.attempts).toBe(failure);
      scheduled.push(retry.next_attempt_at.getTime() - clock);
      const [waiting] = await runner.tick();
      expect(waiting.waiting).toBe(true);
      clock = retry.next_attempt_at.getTime();
    }
    expect(scheduled).toEqual([1_000, 2_000, 4_000]);
    await runner.drain({ budgetMs: 30_000 });

    expect(await handled(name)).toEqual([received, shipped]);
    const log = await sql<{ attempt: number; outcome: string }[]>`select attempt, outcome from consumer_attempt_log where consumer = ${name} order by id`;
    expect(log).toEqual([
      { attempt: 1, outcome: "failed" },
      { attempt: 2, outcome: "failed" },
      { attempt: 3, outcome: "failed" },
      { attempt: 4, outcome: "succeeded" },
    ]);
    const [retries] = await sql<{ count: string }[]>`select count(*) from consumer_retries where consumer = ${name}`;
    expect(Number(retries.count)).toBe(0);
  });

  it("dead-letters an event that always fails after 5 attempts and goes on with the next", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("poison");
    await startAtEndOfStream(name);
    const [received, poison, nextReceived, nextShipped] = await appendOrders(creatorId, 2);
    let clock = Date.now();
    const consumer = recordingConsumer(name, creatorId, { failOn: (event) => event.id === poison });
    const runner = createConsumerRunner({ sql, consumers: [consumer], owner: "runner-poison", now: () => new Date(clock) });

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const retry = await tickUntilFailures(runner, name, attempt);
      delays.push(retry.next_attempt_at.getTime() - clock);
      clock = retry.next_attempt_at.getTime();
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
    await runner.drain({ budgetMs: 30_000 });

    expect(await handled(name)).toEqual([received, nextReceived, nextShipped]);
    const deadLetters = createDeadLetters({ sql });
    const [letter] = await deadLetters.list({ consumer: name });
    expect(letter).toMatchObject({ eventId: poison, eventType: "order.shipped", attempts: 5, status: "pending", creatorId });
    expect(letter.error).toMatch(/cannot handle order\.shipped \(attempt 5\)/);
    expect(letter.event).toMatchObject({ id: poison, type: "order.shipped" });
  });

  it("carries out a requested retry under the lease at its next tick: failed again with the new error, then retried; discards another", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("letters");
    const [, firstShipped, , secondShipped] = await appendOrders(creatorId, 2);
    let healthy = false;
    const consumer = recordingConsumer(name, creatorId, { failOn: (event) => !healthy && event.type === "order.shipped" });
    const runner = createConsumerRunner({
      sql,
      consumers: [consumer],
      owner: "runner-letters",
      retryPolicy: { maxAttempts: 1, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1 },
    });
    await runner.drain({ budgetMs: 30_000 });
    const deadLetters = createDeadLetters({ sql });
    const letters = await deadLetters.list({ consumer: name, status: "pending" });
    expect(letters.map((letter) => letter.eventId).sort()).toEqual([firstShipped, secondShipped].sort());

    const first = letters.find((letter) => letter.eventId === firstShipped)!;
    const second = letters.find((letter) => letter.eventId === secondShipped)!;
    expect(await deadLetters.requestRetry(first.id, "admin@example.com")).toMatchObject({ status: "retry_requested", retryRequestedBy: "admin@example.com" });
    await expect(deadLetters.requestRetry(first.id, "admin@example.com")).rejects.toThrow(/retry requested, not pending/);
    expect(await handled(name)).not.toContain(firstShipped);

    await runner.tick();
    const failedAgain = await deadLetters.get(first.id);
    expect(failedAgain).toMatchObject({ status: "pending", attempts: first.attempts + 1, lastRetry: { outcome: "failed" } });
    expect(failedAgain.error).toMatch(/cannot handle order\.shipped \(attempt 1\)/);

    healthy = true;
    await deadLetters.requestRetry(first.id, "admin@example.com");
    await runner.tick();
    await deadLetters.discard(second.id, "admin@example.com");

    expect(await handled(name)).toContain(firstShipped);
    expect(await handled(name)).not.toContain(secondShipped);
    expect(await deadLetters.get(first.id)).toMatchObject({ status: "retried", resolvedBy: "admin@example.com", lastRetry: { outcome: "retried", message: "Applied in order" } });
    expect(await deadLetters.get(second.id)).toMatchObject({ status: "discarded" });
    await expect(deadLetters.discard(second.id, "admin@example.com")).rejects.toThrow(/no longer pending/);
  });

  it("refuses, and leaves pending, a retry the consumer would apply out of order; applies it when the consumer tolerates late events", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    const name = uniqueConsumerName("late");
    await startAtEndOfStream(name, `${name}-tolerant`);
    let healthy = false;
    const strict = recordingConsumer(name, creatorId, { failOn: (event) => !healthy && event.type === "order.received_from_tiktok" });
    const tolerant: Consumer = { ...recordingConsumer(`${name}-tolerant`, creatorId, { failOn: (event) => !healthy && event.type === "order.received_from_tiktok" }), lateEvents: "tolerated" };
    const runner = createConsumerRunner({ sql, consumers: [strict, tolerant], owner: "runner-late", retryPolicy: { maxAttempts: 1, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1 } });
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId), orderShipped(orderId)] });
    await runner.drain({ budgetMs: 30_000 });
    const [received, shipped] = (await store.readStream(`order-${orderId}`)).map((event) => event.id);
    expect(await handled(name)).toEqual([shipped]);

    const deadLetters = createDeadLetters({ sql });
    const [strictLetter] = await deadLetters.list({ consumer: name });
    const [tolerantLetter] = await deadLetters.list({ consumer: `${name}-tolerant` });
    healthy = true;
    await deadLetters.requestRetry(strictLetter.id, "admin@example.com");
    await deadLetters.requestRetry(tolerantLetter.id, "admin@example.com");
    await runner.tick();

    const refused = await deadLetters.get(strictLetter.id);
    expect(refused).toMatchObject({ status: "pending", attempts: strictLetter.attempts, lastRetry: { outcome: "refused" } });
    expect(refused.lastRetry?.message).toMatch(new RegExp(`already handled version 2 of order-${orderId}`));
    expect(await handled(name)).toEqual([shipped]);
    expect(await deadLetters.get(tolerantLetter.id)).toMatchObject({ status: "retried", lastRetry: { outcome: "retried" } });
    expect(await handled(`${name}-tolerant`)).toEqual([shipped, received]);
  });

  it("runs the consumer with the most urgent events first within a tick", async () => {
    const creatorId = newCreatorId();
    const order: string[] = [];
    /** Notes its label when it handles one of the creator's events of `type`. */
    const notingConsumer = (label: string, type: string): Consumer => ({
      name: uniqueConsumerName(label),
      handles: [type],
      transactional: true,
      async handleBatch(events) {
        for (const event of events) if (event.creatorId === creatorId && event.type === type) order.push(label);
      },
    });
    const orderConsumer = notingConsumer("orders", "order.shipped");
    const paymentsConsumer = notingConsumer("payments", "order.payment_processed");
    await startAtEndOfStream(orderConsumer.name, paymentsConsumer.name);
    const orderId = uniqueOrderId();
    await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId: `order-${orderId}`,
      aggregateType: "order",
      events: [
        orderShipped(orderId),
        { type: "order.payment_processed", data: { order_id: orderId, amount_minor: 1999, currency: "USD", payment_reference: "pay-1" } },
      ],
    });
    const runner = createConsumerRunner({ sql, consumers: [orderConsumer, paymentsConsumer], owner: "runner-priority" });
    // The orders consumer is registered first, and its event was appended first.
    await runner.drain({ budgetMs: 30_000 });
    expect(order).toEqual(["payments", "orders"]);
  });

  it("rolls back a batch whose lease was taken over, so nothing counts twice", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("fenced");
    await appendOrders(creatorId, 2);
    let stealLease: (() => Promise<void>) | undefined;
    const consumer = recordingConsumer(name, creatorId);
    const slowConsumer: Consumer = {
      ...consumer,
      async handleBatch(events, context) {
        await consumer.handleBatch(events, context);
        await stealLease?.();
      },
    };
    const victim = createConsumerRunner({ sql, consumers: [slowConsumer], owner: "victim", leaseMs: 30_000 });
    stealLease = async () => {
      stealLease = undefined;
      // Another instance found the lease expired (e.g. after a long pause) and took it.
      await sql`update consumer_checkpoints set lease_owner = 'usurper' where consumer = ${name}`;
    };
    await victim.tick();
    expect(await handled(name)).toEqual([]);
    await sql`update consumer_checkpoints set lease_owner = null where consumer = ${name}`;
    await victim.drain({ budgetMs: 30_000 });
    expect(await handled(name)).toHaveLength(4);
  });

  it("stands a consumer of a few types past the events it skipped, and never past one it has not handled", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("sparse");
    await startAtEndOfStream(name);
    let clock = Date.now();
    let failing = false;
    const runner = createConsumerRunner({
      sql,
      consumers: [recordingConsumer(name, creatorId, { handles: ["order.shipped"], failOn: () => failing })],
      owner: "runner-sparse",
      now: () => new Date(clock),
    });

    // Only events it does not handle: it comes to stand at (or past) the last of them, so its next
    // read starts after them. Ticks until then: a transaction open elsewhere holds the gap-free
    // reads back until it ends.
    const received = await appendReceivedOnly(creatorId, 3);
    await expect.poll(async () => (await runner.tick(), checkpointComparedTo(name, received.at(-1)!)), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(0);

    // Its own event fails: it stays before it, although its read saw the stream after it.
    failing = true;
    const [, shipped] = await appendOrders(creatorId, 1);
    const after = await appendReceivedOnly(creatorId, 2);
    await tickUntilFailures(runner, name, 1);
    expect(await checkpointComparedTo(name, shipped)).toBe(-1);

    // Handled at its retry, then past what followed it.
    failing = false;
    const [retry] = await sql<{ next_attempt_at: Date }[]>`select next_attempt_at from consumer_retries where consumer = ${name}`;
    clock = retry.next_attempt_at.getTime();
    await expect.poll(async () => (await runner.tick(), checkpointComparedTo(name, after.at(-1)!)), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(0);
    expect(await handled(name)).toEqual([shipped]);
  });

  it("reads a full page on from its last event, never standing past an event it has not handled", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("full-page");
    await startAtEndOfStream(name);
    const received = await appendReceivedOnly(creatorId, 5);
    const runner = createConsumerRunner({ sql, consumers: [{ ...recordingConsumer(name, creatorId, { handles: ["order.received_from_tiktok"] }), batchSize: 2 }], owner: "runner-full-page" });
    for (let round = 0; round < 500 && (await handled(name)).length < received.length; round += 1) {
      await runner.tick();
      // What it handled is exactly what stands at or behind its checkpoint.
      const behind: string[] = [];
      for (const id of received) if ((await checkpointComparedTo(name, id)) >= 0) behind.push(id);
      expect(await handled(name)).toEqual(behind);
    }
    expect(await handled(name)).toEqual(received);
  });

  it("drains past a transaction open elsewhere: it returns only once it could read what was appended before it", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName("drain-open-tx");
    await startAtEndOfStream(name);
    // A transaction that has its id before the append holds every gap-free read below it back.
    const holder = await sql.reserve();
    await holder`begin`;
    await holder`select pg_current_xact_id()`;
    const ids = await appendOrders(creatorId, 2);
    const runner = createConsumerRunner({ sql, consumers: [recordingConsumer(name, creatorId)], owner: "runner-drain-open-tx" });
    // The drain's clock is read once a round: the holder ends after three rounds found nothing readable.
    let rounds = 0;
    let ended: Promise<unknown> | null = null;
    const clock = () => {
      rounds += 1;
      if (rounds === 4) ended = holder`commit`.finally(() => holder.release());
      return performance.now();
    };
    await runner.drain({ budgetMs: 60_000, clock });
    await ended;
    expect(rounds).toBeGreaterThan(4);
    expect(await handled(name)).toEqual(ids);
  });
});

async function appendReceivedOnly(creatorId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const orderId = uniqueOrderId();
    const result = await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)] });
    ids.push(result.events[0].id);
  }
  return ids;
}

/** Where a consumer's checkpoint stands against an event of the stream: before it (-1), at it (0) or past it (1). */
async function checkpointComparedTo(consumer: string, eventId: string): Promise<number> {
  const [row] = await sql<{ compared: number }[]>`
    select case when (c.transaction_id, c.position) < (e.transaction_id, e.position) then -1
                when (c.transaction_id, c.position) = (e.transaction_id, e.position) then 0 else 1 end as compared
      from consumer_checkpoints c, event_store e
     where c.consumer = ${consumer} and e.id = ${eventId}`;
  return row.compared;
}
