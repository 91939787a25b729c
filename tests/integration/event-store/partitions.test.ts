import { describe, expect, it } from "vitest";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { orderReceived, orderShipped, uniqueOrderId } from "./fixtures.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

async function partitionOf(eventId: string): Promise<string> {
  const [row] = await sql<{ partition: string }[]>`select tableoid::regclass::text as partition from event_store where id = ${eventId}`;
  return row.partition;
}

describe("monthly partitions", () => {
  it("has the current month and the next three months ready", async () => {
    const rows = await sql<{ name: string }[]>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'public.event_store'::regclass`;
    const names = new Set(rows.map((row) => row.name));
    const now = new Date();
    for (let ahead = 0; ahead <= 3; ahead += 1) {
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1));
      expect(names).toContain(`event_store_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`);
    }
    expect(names).toContain("event_store_default");
  });

  it("routes events on either side of a month boundary to their own partitions", async () => {
    const orderId = uniqueOrderId();
    const now = new Date();
    const boundary = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const result = await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId: newCreatorId(),
      aggregateId: `order-${orderId}`,
      aggregateType: "order",
      events: [
        { ...orderReceived(orderId), occurredAt: new Date(boundary.getTime() - 1) },
        { ...orderShipped(orderId), occurredAt: boundary },
      ],
    });
    const label = (date: Date) => `event_store_y${date.getUTCFullYear()}m${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
    expect(await partitionOf(result.events[0].id)).toBe(label(new Date(boundary.getTime() - 1)));
    expect(await partitionOf(result.events[1].id)).toBe(label(boundary));
  });

  it("catches an event with no partition yet in DEFAULT, and maintenance moves it into a new partition", async () => {
    // A month far ahead that no other run has created, so the row must land in DEFAULT.
    const year = 2200 + Math.floor(Math.random() * 6000);
    const month = new Date(Date.UTC(year, 4, 15, 12));
    const partition = `event_store_y${year}m05`;
    const orderId = uniqueOrderId();
    const creatorId = newCreatorId();
    const result = await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId: `order-${orderId}`,
      aggregateType: "order",
      events: [{ ...orderReceived(orderId), occurredAt: month }],
    });
    const [event] = result.events;
    expect(await partitionOf(event.id)).toBe("event_store_default");

    const created = await sql<{ partition_name: string; moved_rows: string }[]>`select * from maintain_event_store_partitions(3)`;
    expect(created).toContainEqual({ partition_name: partition, moved_rows: "1" });
    expect(await partitionOf(event.id)).toBe(partition);

    const [moved] = await store.readStream(`order-${orderId}`);
    expect(moved).toMatchObject({ id: event.id, position: event.position, version: 1, creatorId });
    const [leftInDefault] = await sql`select 1 from event_store_default where occurred_at >= ${month} - interval '15 days' and occurred_at < ${month} + interval '20 days'`;
    expect(leftInDefault).toBeUndefined();
    // Running again has nothing to do for that month.
    const again = await sql<{ partition_name: string }[]>`select * from maintain_event_store_partitions(3)`;
    expect(again.map((row) => row.partition_name)).not.toContain(partition);
  });

  it("closes new partitions to direct reads by creators", async () => {
    const [row] = await sql<{ rls: boolean; anon_can_select: boolean; authenticated_can_select: boolean }[]>`
      select c.relrowsecurity as rls,
             has_table_privilege('anon', c.oid, 'select') as anon_can_select,
             has_table_privilege('authenticated', c.oid, 'select') as authenticated_can_select
        from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'public.event_store'::regclass and c.relname <> 'event_store_default'
       limit 1`;
    expect(row).toEqual({ rls: true, anon_can_select: false, authenticated_can_select: false });
  });
});
