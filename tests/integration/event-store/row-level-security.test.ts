import { describe, expect, it } from "vitest";
import type { Sql } from "postgres";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { asSignedInUser, connectTestDatabase, newCreatorId } from "../database.ts";
import { orderReceived, uniqueOrderId } from "./fixtures.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });
const asCreator = <T>(creatorId: string, query: (tx: Sql) => Promise<T>) => asSignedInUser(sql, { role: "creator", creator_id: creatorId }, query);

describe("row level security", () => {
  it("shows a creator only its own events, streams and idempotency keys", async () => {
    const mine = newCreatorId();
    const theirs = newCreatorId();
    const myOrder = uniqueOrderId();
    const theirOrder = uniqueOrderId();
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId: mine, aggregateId: `order-${myOrder}`, aggregateType: "order", events: [orderReceived(myOrder)], idempotencyKey: `k-${myOrder}` });
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId: theirs, aggregateId: `order-${theirOrder}`, aggregateType: "order", events: [orderReceived(theirOrder)], idempotencyKey: `k-${theirOrder}` });

    const visible = await asCreator(mine, async (tx) => ({
      events: await tx<{ aggregate_id: string }[]>`select aggregate_id from event_store where aggregate_id in (${`order-${myOrder}`}, ${`order-${theirOrder}`})`,
      streams: await tx<{ aggregate_id: string }[]>`select aggregate_id from streams where aggregate_id in (${`order-${myOrder}`}, ${`order-${theirOrder}`})`,
      keys: await tx<{ key: string }[]>`select key from idempotency_keys where key in (${`k-${myOrder}`}, ${`k-${theirOrder}`})`,
    }));
    expect(visible.events.map((row) => row.aggregate_id)).toEqual([`order-${myOrder}`]);
    expect(visible.streams.map((row) => row.aggregate_id)).toEqual([`order-${myOrder}`]);
    expect(visible.keys.map((row) => row.key)).toEqual([`k-${myOrder}`]);
  });

  it("lets a creator write nothing: no inserts, no appends, no direct partition reads", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueOrderId();
    await expect(
      asCreator(creatorId, (tx) => tx`insert into streams (aggregate_id, aggregate_type, creator_id, version) values (${`order-${orderId}`}, 'order', ${creatorId}::uuid, 1)`),
    ).rejects.toThrow(/permission denied/);
    await expect(
      asCreator(creatorId, (tx) => tx`select * from append_to_stream(${creatorId}::uuid, ${`order-${orderId}`}, 'order', 'any', '[{"event_type":"order.shipped","event_data":{}}]'::jsonb)`),
    ).rejects.toThrow(/permission denied/);
    await expect(asCreator(creatorId, (tx) => tx`select count(*) from event_store_default`)).rejects.toThrow(/permission denied/);
  });

  it("shows nothing to a request without a creator in its claims", async () => {
    const orderId = uniqueOrderId();
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId: newCreatorId(), aggregateId: `order-${orderId}`, aggregateType: "order", events: [orderReceived(orderId)] });
    const rows = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"role":"authenticated"}', true)`;
      return tx`select 1 from event_store where aggregate_id = ${`order-${orderId}`}`;
    });
    expect(rows).toHaveLength(0);
  });
});
