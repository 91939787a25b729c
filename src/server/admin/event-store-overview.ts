// What the live event store page shows: totals per event type and the newest events.
// Metadata only (no payloads), so the page never renders a creator's order contents.
import type { Sql } from "postgres";

export const LATEST_EVENTS_LIMIT = 20;

export interface EventTypeCount {
  eventType: string;
  count: number;
}

export interface LatestEvent {
  id: string;
  /** bigint in Postgres; kept as a string so it never loses precision in JSON. */
  position: string;
  eventType: string;
  aggregateType: string;
  aggregateId: string;
  creatorId: string;
  occurredAt: string;
}

export interface EventStoreOverview {
  totalEvents: number;
  eventsPerType: EventTypeCount[];
  latestEvents: LatestEvent[];
  readAt: string;
}

export async function readEventStoreOverview(sql: Sql): Promise<EventStoreOverview> {
  // One snapshot for both queries, so the total and the latest rows always agree.
  return sql.begin("isolation level repeatable read read only", async (tx) => {
    const typeRows = await tx<{ event_type: string; count: string }[]>`
      select event_type, count(*) as count
        from public.event_store
       group by event_type
       order by count(*) desc, event_type`;
    const latestRows = await tx<
      {
        id: string;
        position: string;
        event_type: string;
        aggregate_type: string;
        aggregate_id: string;
        creator_id: string;
        occurred_at: Date;
      }[]
    >`
      select id, position, event_type, aggregate_type, aggregate_id, creator_id, occurred_at
        from public.event_store
       order by position desc
       limit ${LATEST_EVENTS_LIMIT}`;
    const eventsPerType = typeRows.map((row) => ({ eventType: row.event_type, count: Number(row.count) }));
    return {
      totalEvents: eventsPerType.reduce((total, row) => total + row.count, 0),
      eventsPerType,
      latestEvents: latestRows.map((row) => ({
        id: row.id,
        position: String(row.position),
        eventType: row.event_type,
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        creatorId: row.creator_id,
        occurredAt: row.occurred_at.toISOString(),
      })),
      readAt: new Date().toISOString(),
    };
  });
}
