import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/core/domain-error.ts";
import type { EventOrigin } from "../../../src/core/event-catalogue.ts";
import { createEventStore, type NewEvent } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { adminDeadLetters } from "../../../src/server/admin/dead-letters.ts";
import { readEntityHistory, readEventLinks } from "../../../src/server/admin/entity-history.ts";
import { prepareProjectionRebuild, readProjectionStatuses } from "../../../src/server/admin/projection-status.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

const newSkuId = () => uniqueNumericId("7");

const stockUpdated = (skuId: string, previous: number, next: number, extra: { occurredAt?: Date; metadata?: Partial<EventOrigin> } = {}): NewEvent => ({
  type: "inventory.stock_updated",
  data: { sku_id: skuId, previous_total: previous, new_total: next, source: "manual" },
  ...extra,
});

describe("history with time travel", () => {
  it("shows a product's timeline and its state at any version or point in time", async () => {
    const creatorId = newCreatorId();
    const skuId = newSkuId();
    const t0 = new Date(Date.now() - 3_600_000);
    await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId: inventoryAggregateId(skuId),
      aggregateType: "inventory",
      events: [
        stockUpdated(skuId, 0, 50, { occurredAt: t0 }),
        stockUpdated(skuId, 50, 42, { occurredAt: new Date(t0.getTime() + 60_000) }),
        stockUpdated(skuId, 42, 45, { occurredAt: new Date(t0.getTime() + 120_000) }),
      ],
    });

    const head = await readEntityHistory(sql, { kind: "product", id: skuId });
    expect(head).toMatchObject({ aggregateId: `inventory-${skuId}`, creatorId, headVersion: 3, stateVersion: 3, truncated: false });
    expect(head.events.map((event) => event.version)).toEqual([1, 2, 3]);
    expect(head.state).toMatchObject({ skuId, total: 45 });

    expect((await readEntityHistory(sql, { kind: "product", id: skuId, at: { version: 1 } })).state).toMatchObject({ total: 50 });
    const atTime = await readEntityHistory(sql, { kind: "product", id: skuId, at: { time: new Date(t0.getTime() + 90_000) } });
    expect(atTime).toMatchObject({ stateVersion: 2, state: expect.objectContaining({ total: 42 }) });
  });

  it("refuses an unknown order and a malformed id", async () => {
    await expect(readEntityHistory(sql, { kind: "order", id: "577000000000000000" })).rejects.toMatchObject({ code: "not_found" });
    await expect(readEntityHistory(sql, { kind: "order", id: "x'; drop" })).rejects.toBeInstanceOf(DomainError);
  });

  it("links an event to its cause, its effects and its correlation", async () => {
    const creatorId = newCreatorId();
    const skuId = newSkuId();
    const otherSku = newSkuId();
    const correlationId = crypto.randomUUID();
    const causeId = crypto.randomUUID();
    const [cause] = (
      await store.appendToStream({ metadata: { source: "automated_system" },
        creatorId,
        aggregateId: inventoryAggregateId(skuId),
        aggregateType: "inventory",
        events: [{ ...stockUpdated(skuId, 0, 10, { metadata: { correlation_id: correlationId } }), id: causeId }],
      })
    ).events;
    const effect = await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId: inventoryAggregateId(otherSku),
      aggregateType: "inventory",
      events: [stockUpdated(otherSku, 0, 3, { metadata: { correlation_id: correlationId, causation_id: causeId } })],
    });

    const links = await readEventLinks(sql, cause!.id);
    expect(links.event).toMatchObject({ id: causeId, correlationId });
    expect(links.cause).toBeNull();
    expect(links.effects.map((event) => event.id)).toEqual([effect.events[0]!.id]);
    expect(links.correlated.map((event) => event.id)).toEqual([causeId, effect.events[0]!.id]);

    const back = await readEventLinks(sql, effect.events[0]!.id);
    expect(back.cause?.id).toBe(causeId);
    await expect(readEventLinks(sql, crypto.randomUUID())).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("dead letters from the panel", () => {
  async function deadLetter(consumer: string) {
    const creatorId = newCreatorId();
    const skuId = newSkuId();
    const appended = await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: inventoryAggregateId(skuId), aggregateType: "inventory", events: [stockUpdated(skuId, 0, 4)] });
    const event = (await store.readStream(inventoryAggregateId(skuId)))[0]!;
    const [row] = await sql<{ id: string }[]>`
      insert into public.dead_letters (consumer, event_id, event_position, event_type, creator_id, event, error, attempts)
      values (${consumer}, ${event.id}::uuid, ${appended.events[0]!.position}, ${event.type}, ${creatorId}::uuid,
              ${sql.json(JSON.parse(JSON.stringify(event)))}, 'TypeError: boom', 5)
      returning id`;
    return row!.id;
  }

  it("lists, inspects, requests a retry and discards, recording who", async () => {
    const consumer = uniqueId("admin-test-");
    const letters = adminDeadLetters(sql);
    const toRetry = await deadLetter(consumer);
    const toDiscard = await deadLetter(consumer);

    const pending = await letters.list({ status: "pending", consumer });
    expect(pending.map((letter) => letter.id).sort()).toEqual([toRetry, toDiscard].sort());
    const inspected = await letters.get(toRetry);
    expect(inspected).toMatchObject({ error: "TypeError: boom", attempts: 5, lastRetry: null, event: expect.objectContaining({ type: "inventory.stock_updated" }) });

    // A request only: the consumer's runner carries it out (tests/integration/processing, .../projections/dead-letters.test.ts).
    const requested = await letters.requestRetry(toRetry, "admin@example.com");
    expect(requested).toMatchObject({ status: "retry_requested", retryRequestedBy: "admin@example.com", resolvedAt: null });
    expect(Date.parse(requested.retryRequestedAt!)).not.toBeNaN();
    await expect(letters.discard(toRetry, "admin@example.com")).rejects.toMatchObject({ code: "illegal_state" });
    await letters.discard(toDiscard, "admin@example.com");
    expect((await letters.list({ status: "retry_requested", consumer })).map((letter) => letter.id)).toEqual([toRetry]);
    expect(await letters.get(toDiscard)).toMatchObject({ status: "discarded", resolvedBy: "admin@example.com" });
    await expect(letters.discard(toDiscard, "admin@example.com")).rejects.toMatchObject({ code: "illegal_state" });
    await expect(letters.requestRetry(toDiscard, "admin@example.com")).rejects.toMatchObject({ code: "illegal_state" });
  });

  it("hides unknown ids", async () => {
    const letters = adminDeadLetters(sql);
    await expect(letters.get(crypto.randomUUID())).rejects.toMatchObject({ code: "not_found" });
    await expect(letters.get("not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
    await expect(letters.requestRetry(crypto.randomUUID(), "admin@example.com")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("projection status", () => {
  it("lists every projection with its lag behind the head of the stream", async () => {
    // One snapshot for the statuses and for the count they are checked against, while other files append.
    const { statuses, expected } = await sql.begin("isolation level repeatable read", async (tx) => {
      const read = await readProjectionStatuses(tx as unknown as typeof sql, new Date());
      const counted = await tx<{ name: string; behind: string }[]>`
        select p.name, (select count(*) from public.event_store e
                         where c.consumer is null or (e.transaction_id, e.position) > (c.transaction_id, c.position)) as behind
          from unnest(${read.map((status) => status.name)}::text[]) as p(name)
          left join public.consumer_checkpoints c on c.consumer = p.name`;
      return { statuses: read, expected: Object.fromEntries(counted.map((row) => [row.name, Number(row.behind)])) };
    });
    expect(statuses.map((status) => status.name)).toEqual(expect.arrayContaining(["projection-dashboard-metrics", "projection-sync-conflicts"]));
    for (const status of statuses) {
      expect(status.lag).toBe(expected[status.name]);
      expect(status.tables.length).toBeGreaterThan(0);
    }
  });

  it("refuses to rebuild an unknown projection or one already being rebuilt", async () => {
    await expect(prepareProjectionRebuild(sql, { projection: "no-such-projection", requestedBy: "admin@example.com" }, new Date())).rejects.toMatchObject({ code: "not_found" });
    const name = "projection-alerts";
    // As a rebuild in progress leaves the row: its lease held and the phase "building".
    await sql`insert into public.consumer_checkpoints (consumer) values (${name}) on conflict do nothing`;
    const [before] = await sql<{ lease_owner: string | null; lease_expires_at: Date | null; rebuild_progress: unknown }[]>`
      select lease_owner, lease_expires_at, rebuild_progress from public.consumer_checkpoints where consumer = ${name}`;
    await sql`update public.consumer_checkpoints set lease_owner = 'rebuild-test', lease_expires_at = now() + interval '1 minute',
                rebuild_progress = ${sql.json({ projection: name, phase: "building", processed: 1, total: 10, eventsPerSecond: 1 })}
              where consumer = ${name}`;
    try {
      await expect(prepareProjectionRebuild(sql, { projection: "alerts", requestedBy: "admin@example.com" }, new Date())).rejects.toMatchObject({ code: "illegal_state" });
    } finally {
      await sql`update public.consumer_checkpoints set lease_owner = ${before!.lease_owner}, lease_expires_at = ${before!.lease_expires_at},
                  rebuild_progress = ${before!.rebuild_progress === null ? null : sql.json(before!.rebuild_progress as never)}
                where consumer = ${name} and lease_owner = 'rebuild-test'`;
    }
  });
});
