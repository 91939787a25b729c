// The wake-up path production uses, end to end: an append's trigger queues a pg_net
// request to process-events (the local pg_net stand-in sends it after commit), the real
// function in Deno drains its lane, and the pg_cron safety net catches what a lost
// wake-up missed. On a database of its own, with the stand-in's database workers.
import type postgres from "postgres";
import { beforeEach, describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { newCreatorId } from "../database.ts";
import { orderReceived, uniqueOrderId } from "../event-store/fixtures.ts";
import { ownProcessingStand } from "./processing-stand.ts";

const { sql, standIn } = await ownProcessingStand("wakeup", 9);
const workers = standIn.databaseWorkers!;
const store = createEventStore({ sql });
const PROCESS_EVENTS = "/functions/v1/process-events";
const SAFETY_NET = "process-events-safety-net";

async function appendOrders(creatorId: string, count: number, writers = 10): Promise<string[]> {
  const orderIds = Array.from({ length: count }, () => uniqueOrderId());
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < orderIds.length) {
        const orderId = orderIds[next++];
        await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)] });
      }
    }),
  );
  return orderIds;
}

/** Polls the read model until it holds `expected` orders of the creator, or the deadline passes. */
async function projectedOrders(creatorId: string, expected: number, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from order_summaries where creator_id = ${creatorId}`;
    if (count >= expected || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until no lane is woken or running: every call has stopped and released its flag. */
async function lanesAtRest(withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const [{ busy }] = await sql<{ busy: number }[]>`select count(*)::int as busy from event_processing_lanes where wakeup_requested`;
    const [{ queued }] = await sql<{ queued: number }[]>`select count(*)::int as queued from net.http_request_queue`;
    if (busy === 0 && queued === 0) return;
    if (Date.now() > deadline) throw new Error("lanes still busy");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setSafetyNet(active: boolean, schedule = "5 seconds"): Promise<void> {
  await sql`update cron.job set active = ${active}, schedule = ${schedule} where jobname = ${SAFETY_NET}`;
}

describe("waking process-events after an append", () => {
  beforeEach(async () => {
    // Only the appends' own wake-ups run, unless a test turns the safety net back on.
    await setSafetyNet(false);
    await lanesAtRest();
  });

  it("queues one request per lane, sent only after the append commits, and none for a rolled-back append", async () => {
    await workers.stopNet();
    try {
      const before = await sql<{ id: string }[]>`select id::text from net.http_request_queue`;
      expect(before).toEqual([]);
      const creatorId = newCreatorId();
      await sql
        .begin(async (tx) => {
          const orderId = uniqueOrderId();
          await createEventStore({ sql: tx as unknown as postgres.Sql }).appendToStream({ metadata: { source: "automated_system" },
            creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)],
          });
          throw new Error("roll back");
        })
        .catch(() => {});
      expect(await sql`select 1 from net.http_request_queue`).toHaveLength(0);
      expect(await sql`select 1 from event_processing_lanes where wakeup_requested`).toHaveLength(0);

      await appendOrders(creatorId, 3, 1);
      const queued = await sql<{ url: string }[]>`select url from net.http_request_queue order by id`;
      expect(queued.map((request) => new URL(request.url).searchParams.get("lane")).sort()).toEqual(["fulfilment", "live"]);
      expect(queued.every((request) => new URL(request.url).pathname === PROCESS_EVENTS)).toBe(true);
    } finally {
      await workers.startNet();
    }
  });

  it("projects an append through the woken function, with no safety net running", async () => {
    const creatorId = newCreatorId();
    const callsBefore = workers.netRequestCount(PROCESS_EVENTS);
    await appendOrders(creatorId, 1, 1);
    expect(await projectedOrders(creatorId, 1, 15_000)).toBe(1);
    expect(workers.netRequestCount(PROCESS_EVENTS) - callsBefore).toBeGreaterThan(0);
  });

  it("serves a burst of 1,000 appends with a bounded number of calls: per lane, one per budget (5 s) plus one", async () => {
    const creatorId = newCreatorId();
    const callsBefore = workers.netRequestCount(PROCESS_EVENTS);
    const started = Date.now();
    await appendOrders(creatorId, 1_000);
    const burstMs = Date.now() - started;
    expect(await projectedOrders(creatorId, 1_000, 60_000)).toBe(1_000);
    await lanesAtRest();
    const calls = workers.netRequestCount(PROCESS_EVENTS) - callsBefore;
    const [{ budget }] = await sql<{ budget: number }[]>`select max(budget_ms)::int as budget from event_processing_lanes`;
    // A call stays while appends keep coming and stops only after its budget or a 500 ms lull.
    const bound = 2 * (Math.ceil(burstMs / budget) + 1);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(bound);
  });

  it("loses nothing when the running call dies mid-burst: the flag stays set, and the safety net projects every event", async () => {
    await setSafetyNet(true, "1 seconds");
    const creatorId = newCreatorId();
    const first = appendOrders(creatorId, 150, 2);
    // Kill the function while it works through the burst: its call never releases the flag.
    while ((await projectedOrders(creatorId, 1, 0)) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await standIn.functions.stopFunction("process-events");
    await first;
    const [{ stuck }] = await sql<{ stuck: number }[]>`select count(*)::int as stuck from event_processing_lanes where wakeup_requested`;
    expect(stuck).toBeGreaterThan(0);
    const safetyNetRunsBefore = await sql`select 1 from cron.job_run_details d join cron.job j using (jobid) where j.jobname = ${SAFETY_NET} and d.status = 'succeeded'`;
    await standIn.functions.restartFunction("process-events");
    // These see the flag set by the dead call and wake nobody.
    await appendOrders(creatorId, 150, 2);
    expect(await projectedOrders(creatorId, 300, 30_000)).toBe(300);
    const safetyNetRunsAfter = await sql`select 1 from cron.job_run_details d join cron.job j using (jobid) where j.jobname = ${SAFETY_NET} and d.status = 'succeeded'`;
    expect(safetyNetRunsAfter.length).toBeGreaterThan(safetyNetRunsBefore.length);
  });
});
