// The process-events Edge Function in real Deno behind the gateway: a service-role call
// brings the read models up to date, starts the fulfilment saga and publishes the
// creator's delta; nobody else may call it. On a database of its own: in the shared one,
// the saga would first work through every other test file's orders.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { FULFILMENT_SAGA_NAME } from "../../../src/core/fulfilment/index.ts";
import { adminDeadLetters } from "../../../src/server/admin/dead-letters.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { orderReceived, uniqueOrderId } from "../event-store/fixtures.ts";
import { seedUser, signedInClient, startTestStandIn } from "../stand-in/stand-in-harness.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const { url: databaseUrl, sql } = await ownTestDatabase("process-events", 8, { max: 4 });
const standIn = await startTestStandIn({
  databaseUrl,
  functions: { dir: path.join(repoRoot, "supabase/functions"), env: { TIKTOK_APP_KEY: "k", TIKTOK_APP_SECRET: "s" } },
});
const url = `${standIn.url}/functions/v1/process-events?budget_ms=20000`;

describe("process-events Edge Function", () => {
  it("projects appended events, starts the fulfilment saga and publishes a delta to the creator's topic", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    await createEventStore({ sql }).appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)] });

    let summary: { status: string }[] = [];
    let started: readonly unknown[] = [];
    // A call may end before the saga's group reaches the order: call until both have happened.
    for (let call = 0; call < 20 && (summary.length === 0 || started.length === 0); call += 1) {
      const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${standIn.serviceRoleKey}` } });
      expect(response.status).toBe(200);
      const result = (await response.json()) as { processed: number; moreWaiting: boolean };
      expect(result).toMatchObject({ processed: expect.any(Number), moreWaiting: expect.any(Boolean) });
      summary = await sql<{ status: string }[]>`select status from order_summaries where creator_id = ${creatorId} and order_id = ${orderId}`;
      started = await sql`select 1 from event_store where aggregate_id = ${`order-${orderId}`} and event_type = 'order.validation_started'`;
    }
    expect(summary).toHaveLength(1);
    expect(started).toHaveLength(1);
    const messages = await sql<{ event: string; payload: { seq: number } }[]>`
      select event, payload from realtime.messages where topic = ${`creator:${creatorId}`} and private`;
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0].event).toBe("delta");
    expect(messages[0].payload.seq).toBe(1);
  });

  it("carries out a fulfilment-saga dead letter's retry requested from the admin panel, with the saga's own ports", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    const aggregateId = `order-${orderId}`;
    // What the runner does when it gives up on an event: under the saga's lease, a dead letter and the checkpoint moved past it.
    const holder = `test-${crypto.randomUUID()}`;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      await sql`insert into consumer_checkpoints (consumer) values (${FULFILMENT_SAGA_NAME}) on conflict do nothing`;
      const taken = await sql`update consumer_checkpoints set lease_owner = ${holder}, lease_expires_at = now() + interval '1 minute'
                               where consumer = ${FULFILMENT_SAGA_NAME} and (lease_owner is null or lease_expires_at < now())`;
      if (taken.count === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await createEventStore({ sql }).appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId, aggregateType: "order", events: [orderReceived(orderId)] });
    const [event] = await createEventStore({ sql }).readStream(aggregateId);
    const [letter] = await sql<{ id: string }[]>`
      with moved as (
        update consumer_checkpoints set transaction_id = ${event!.transactionId}::xid8, position = ${event!.position}, lease_owner = null, lease_expires_at = null
         where consumer = ${FULFILMENT_SAGA_NAME} and lease_owner = ${holder})
      insert into dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts)
      values (${FULFILMENT_SAGA_NAME}, ${event!.id}::uuid, ${event!.position}, ${event!.type}, ${creatorId}::uuid,
              ${sql.json(JSON.parse(JSON.stringify(event)))}, 'Error: TikTok unreachable', 5)
      returning id`;
    const started = () => sql`select 1 from event_store where aggregate_id = ${aggregateId} and event_type = 'order.validation_started'`;
    expect(await started()).toHaveLength(0);

    const letters = adminDeadLetters(sql);
    await letters.requestRetry(letter!.id, "admin@example.com");
    // The request wakes the fulfilment lane through pg_net; these calls make sure a call runs whatever the timing.
    let settled = await letters.get(letter!.id);
    for (let call = 0; call < 20 && settled.status === "retry_requested"; call += 1) {
      const response = await fetch(`${url}&lane=fulfilment`, { method: "POST", headers: { authorization: `Bearer ${standIn.serviceRoleKey}` } });
      expect(response.status).toBe(200);
      settled = await letters.get(letter!.id);
    }
    expect(settled).toMatchObject({ status: "retried", resolvedBy: "admin@example.com", lastRetry: { outcome: "retried", message: "Applied in order" } });
    expect(await started()).toHaveLength(1);
  });

  it("refuses the anon key and a signed-in user's token", async () => {
    const anon = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${standIn.anonKey}` } });
    expect(anon.status).toBe(403);
    const creator = await signedInClient(standIn, await seedUser(sql, { role: "creator", creator_id: newCreatorId() }));
    const { data } = await creator.auth.getSession();
    const userToken = data.session!.access_token;
    const signedIn = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${userToken}`, apikey: standIn.anonKey } });
    expect(signedIn.status).toBe(403);
    const missing = await fetch(url, { method: "POST" });
    expect(missing.status).toBe(401);
  });
});
