// Every event says where it came from: the store stamps and checks it before the one round
// trip, and the database refuses a row without it whichever path writes (append_to_stream
// called directly, the webhook's group commit), while events stored before it was required
// still move and read back upcast.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createEventStore, EventValidationError, toAppendRows, type AppendRequest } from "../../../src/core/event-store/index.ts";
import { SERVICE_VERSION } from "../../../src/core/service-identity.ts";
import { storeWebhookDeliveries } from "../../../src/core/webhooks/webhook-delivery-store.ts";
import { storedMetadata } from "../../test-data.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { orderReceived, orderShipped, uniqueOrderId } from "./fixtures.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

async function eventsOf(aggregateId: string) {
  return sql<{ metadata: Record<string, unknown> }[]>`select metadata from public.event_store where aggregate_id = ${aggregateId} order by version`;
}

async function streamExists(aggregateId: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`select exists (select 1 from public.streams where aggregate_id = ${aggregateId} and version > 0) as found`;
  return row.found;
}

const rawRow = (orderId: string, metadata: Record<string, unknown> | undefined) => ({
  event_type: "order.shipped",
  event_data: { order_id: orderId, carrier: "USPS" },
  ...(metadata ? { metadata } : {}),
});

describe("event metadata on append", () => {
  it("stores what the writer said with the creator, priority, service version and environment stamped", async () => {
    const orderId = uniqueOrderId();
    const creatorId = newCreatorId();
    await store.appendToStream({
      creatorId,
      aggregateId: `order-${orderId}`,
      aggregateType: "order",
      events: [orderReceived(orderId)],
      metadata: { source: "api_call", request_id: "req-metadata-1", source_ip: "198.51.100.4", user_agent: "integration-test" },
      idempotencyKey: `metadata:${orderId}`,
    });
    const [row] = await eventsOf(`order-${orderId}`);
    expect(row.metadata).toEqual({
      source: "api_call",
      creator_id: creatorId,
      priority: "high",
      service_version: SERVICE_VERSION,
      environment: expect.any(String),
      request_id: "req-metadata-1",
      source_ip: "198.51.100.4",
      user_agent: "integration-test",
      idempotency_key: `metadata:${orderId}`,
    });
    const [read] = await store.readStream(`order-${orderId}`);
    expect(read.metadata).toEqual(row.metadata);
  });

  it("sends the metadata the events share once, and stores each event's own where it differs, as the self-contained rows would", async () => {
    const orderId = uniqueOrderId();
    const creatorId = newCreatorId();
    const causeId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    const request: AppendRequest = {
      creatorId,
      aggregateId: `order-${orderId}`,
      aggregateType: "order",
      // High, normal, and an event with its own causation: three different metadata.
      events: [orderReceived(orderId), orderShipped(orderId), { ...orderShipped(orderId), metadata: { causation_id: causeId } }],
      metadata: { source: "api_call", correlation_id: correlationId },
    };
    await store.appendToStream(request);
    const rows = await sql<{ metadata: Record<string, unknown>; correlation_id: string | null; causation_id: string | null }[]>`
      select metadata, correlation_id, causation_id from public.event_store where aggregate_id = ${`order-${orderId}`} order by version`;
    const shared = { source: "api_call", correlation_id: correlationId, creator_id: creatorId, service_version: SERVICE_VERSION, environment: expect.any(String) };
    expect(rows).toEqual([
      { metadata: { ...shared, priority: "high" }, correlation_id: correlationId, causation_id: null },
      { metadata: { ...shared, priority: "normal" }, correlation_id: correlationId, causation_id: null },
      { metadata: { ...shared, priority: "normal", causation_id: causeId }, correlation_id: correlationId, causation_id: causeId },
    ]);
    // The webhooks' group commit and the shop import send every row whole: the same metadata.
    expect(toAppendRows(request, request.events).map((row) => ({ metadata: row.metadata, correlation_id: row.correlation_id ?? null, causation_id: row.causation_id ?? null }))).toEqual(rows);
  });

  it("refuses an append whose writer named no source, like a bad payload, and writes nothing", async () => {
    const orderId = uniqueOrderId();
    const request = { creatorId: newCreatorId(), aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId), orderShipped(orderId)] } as unknown as AppendRequest;
    const refused = await store.appendToStream(request).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventValidationError);
    expect((refused as EventValidationError).fields).toEqual(["metadata.source"]);
    expect((refused as Error).message).toMatch(/^Invalid order\.received_from_tiktok: metadata\.source: /);
    expect(await eventsOf(`order-${orderId}`)).toEqual([]);
    expect(await streamExists(`order-${orderId}`)).toBe(false);
  });
});

describe("the database behind the store", () => {
  it("refuses rows without metadata, or naming another creator, sent to append_to_stream directly", async () => {
    const orderId = uniqueOrderId();
    const creatorId = newCreatorId();
    const append = (rows: unknown[]) => sql`select * from public.append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'any', ${sql.json(rows as never)}::jsonb)`;
    await expect(append([rawRow(orderId, undefined)])).rejects.toMatchObject({ code: "23514", constraint_name: "event_store_metadata_says_where_from" });
    await expect(append([rawRow(orderId, { ...storedMetadata(creatorId), source: "saga" })])).rejects.toMatchObject({ code: "23514" });
    await expect(append([rawRow(orderId, storedMetadata(newCreatorId()))])).rejects.toMatchObject({ code: "23514" });
    const { environment: _missing, ...withoutEnvironment } = storedMetadata(creatorId);
    await expect(append([rawRow(orderId, withoutEnvironment)])).rejects.toMatchObject({ code: "23514" });
    expect(await eventsOf(`order-${orderId}`)).toEqual([]);
    await append([rawRow(orderId, storedMetadata(creatorId))]);
    expect(await eventsOf(`order-${orderId}`)).toHaveLength(1);
  });

  it("checks the metadata sent once for the whole append on every row it fills, and a row's own over it", async () => {
    const orderId = uniqueOrderId();
    const creatorId = newCreatorId();
    const append = (rows: unknown[], metadata: Record<string, unknown>) =>
      sql`select * from public.append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'any', ${sql.json(rows as never)}::jsonb, null, ${sql.json(metadata as never)}::jsonb)`;
    const { environment: _missing, ...withoutEnvironment } = storedMetadata(creatorId);
    await expect(append([rawRow(orderId, undefined), rawRow(orderId, undefined)], withoutEnvironment)).rejects.toMatchObject({ code: "23514", constraint_name: "event_store_metadata_says_where_from" });
    await expect(append([rawRow(orderId, undefined)], storedMetadata(newCreatorId()))).rejects.toMatchObject({ code: "23514" });
    await expect(append([rawRow(orderId, undefined)], { ...storedMetadata(creatorId), priority: "urgent" })).rejects.toMatchObject({ code: "23514" });
    // A row's own metadata replaces the shared one whole: it must say where it came from by itself.
    await expect(append([rawRow(orderId, undefined), rawRow(orderId, { causation_id: crypto.randomUUID() })], storedMetadata(creatorId))).rejects.toMatchObject({ code: "23514" });
    expect(await eventsOf(`order-${orderId}`)).toEqual([]);
    expect(await streamExists(`order-${orderId}`)).toBe(false);

    const causeId = crypto.randomUUID();
    await append([rawRow(orderId, undefined), rawRow(orderId, storedMetadata(creatorId, { causation_id: causeId, source: "api_call" }))], storedMetadata(creatorId));
    const stored = await sql<{ metadata: Record<string, unknown>; causation_id: string | null }[]>`
      select metadata, causation_id from public.event_store where aggregate_id = ${`order-${orderId}`} order by version`;
    expect(stored).toEqual([
      { metadata: storedMetadata(creatorId), causation_id: null },
      { metadata: storedMetadata(creatorId, { causation_id: causeId, source: "api_call" }), causation_id: causeId },
    ]);
  });

  it("refuses a webhook delivery whose events carry no metadata, and stores its neighbours in the batch", async () => {
    const creatorId = newCreatorId();
    const [bad, good] = [uniqueOrderId(), uniqueOrderId()];
    const delivery = (orderId: string, metadata: Record<string, unknown> | undefined) => ({
      dedupeKey: `metadata-${orderId}`,
      notificationType: 1,
      shopId: "9100000000000000001",
      creatorId,
      rawBody: new TextEncoder().encode(`{"order":"${orderId}"}`),
      status: "processed" as const,
      reason: null,
      appends: [{ aggregate_id: `order-${orderId}`, aggregate_type: "order", expected: "no_stream", events: [rawRow(orderId, metadata)] as never }],
    });
    const outcomes = await storeWebhookDeliveries(sql, [delivery(bad, undefined), delivery(good, storedMetadata(creatorId, { source: "tiktok_webhook" }))]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["failed", "stored"]);
    expect(await eventsOf(`order-${bad}`)).toEqual([]);
    expect(await eventsOf(`order-${good}`)).toHaveLength(1);
  });

  it("lets events stored before metadata was required stay, move and read back upcast", async () => {
    // Such rows exist only in databases migrated before the squash into the baseline
    // (docs/MIGRATIONS.md): their constraint exempts the positions handed out before metadata
    // was required. Rebuilt here from the baseline's own check, with that exemption.
    const orderId = uniqueOrderId();
    const creatorId = newCreatorId();
    class Undo extends Error {}
    // The constraint as a database upgraded with old events has it; undone at the end, so the shared database is as it was.
    await sql
      .begin(async (tx) => {
        const [{ check }] = await tx<{ check: string }[]>`
          select pg_get_constraintdef(oid) as check from pg_constraint
           where conrelid = 'public.event_store'::regclass and conname = 'event_store_metadata_says_where_from'`;
        await tx`alter table public.event_store drop constraint event_store_metadata_says_where_from`;
        await tx`select * from public.append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'no_stream',
                   ${tx.json([rawRow(orderId, { source: "fulfilment_saga" })] as never)}::jsonb)`;
        const [{ last }] = await tx<{ last: string }[]>`select max(position)::text as last from public.event_store`;
        await tx.unsafe(`alter table public.event_store add constraint event_store_metadata_says_where_from
                           check (position <= ${last} or ${check.replace(/^CHECK /, "")})`);
        // A move (an archived month restored, the DEFAULT partition drained) inserts the old row again.
        await tx`with moved as (delete from public.event_store where aggregate_id = ${`order-${orderId}`} returning *)
                 insert into public.event_store select * from moved`;
        const [old] = await createEventStore({ sql: tx as unknown as typeof sql }).readStream(`order-${orderId}`);
        expect(old.metadata).toEqual({ source: "automated_system", component: "fulfilment_saga", creator_id: creatorId, priority: "normal", service_version: "unrecorded", environment: "unrecorded" });
        await expect(
          tx`select * from public.append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'any', ${tx.json([rawRow(orderId, { source: "fulfilment_saga" })] as never)}::jsonb)`,
        ).rejects.toMatchObject({ code: "23514" });
        throw new Undo();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Undo)) throw error;
      });
    expect(await eventsOf(`order-${orderId}`)).toEqual([]);
  });

  it("keeps a database's exemption for old events when the metadata check moves into a function", async () => {
    // The part of migration 20261203001700 that replaces the check, run on the check as a
    // database migrated before the squash has it (inline, exempting the positions written
    // before metadata was required), then on the check as the baseline made it; undone at the end.
    const migration = readFileSync(new URL("../../../supabase/migrations/20261203001700_lean_single_append.sql", import.meta.url), "utf8");
    const replaceCheck = migration.slice(migration.indexOf("do $migration$"), migration.indexOf("$migration$;") + "$migration$;".length);
    const checkNow = async (tx: typeof sql) =>
      (await tx<{ check: string }[]>`select pg_get_constraintdef(oid) as check from pg_constraint
         where conrelid = 'public.event_store'::regclass and conname = 'event_store_metadata_says_where_from'`)[0].check;
    class Undo extends Error {}
    await sql
      .begin(async (tx) => {
        await tx`alter table public.event_store drop constraint event_store_metadata_says_where_from`;
        await tx`alter table public.event_store add constraint event_store_metadata_says_where_from
                   check (position <= 41 or coalesce(metadata ->> 'source' in ('tiktok_webhook', 'api_call'), false)) not valid`;
        await tx.unsafe(replaceCheck);
        expect(await checkNow(tx as unknown as typeof sql)).toBe('CHECK ((("position" <= 41) OR event_metadata_says_where_from(metadata, creator_id))) NOT VALID');
        await tx`alter table public.event_store drop constraint event_store_metadata_says_where_from`;
        await tx`alter table public.event_store add constraint event_store_metadata_says_where_from
                   check (coalesce(metadata ->> 'source' in ('tiktok_webhook', 'api_call'), false)) not valid`;
        await tx.unsafe(replaceCheck);
        expect(await checkNow(tx as unknown as typeof sql)).toBe("CHECK (event_metadata_says_where_from(metadata, creator_id)) NOT VALID");
        throw new Undo();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Undo)) throw error;
      });
    expect(await checkNow(sql)).toBe("CHECK (event_metadata_says_where_from(metadata, creator_id))");
  });
});
