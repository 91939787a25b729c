// History for the admin panel: an order's or a product's (SKU's) event timeline, its state
// at any version or point in time (the event store's time travel), and the events linked
// to any one event by correlation and causation.
import type { PendingQuery, Row, Sql } from "postgres";
import { DomainError } from "@/core/domain-error.ts";
import { createEventStore, type StoredEvent } from "@/core/event-store/index.ts";
import { inventoryAggregateId } from "@/core/inventory/events.ts";
import { evolveInventory, initialInventoryState } from "@/core/inventory/inventory.ts";
import { orderAggregateId } from "@/core/orders/events.ts";
import { evolveOrder, initialOrderState } from "@/core/orders/order.ts";
import { fromSnakeCaseRow, type SnakeCaseRow } from "@/core/snake-case-rows.ts";

export type HistoryKind = "order" | "product";

export interface TimelineEvent {
  id: string;
  position: number;
  version: number;
  type: string;
  occurredAt: string;
  creatorId: string;
  aggregateId: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  correlationId: string | null;
  causationId: string | null;
  userId: string | null;
}

export interface EntityHistory {
  kind: HistoryKind;
  id: string;
  aggregateId: string;
  creatorId: string | null;
  headVersion: number;
  /** The newest events, oldest first (at most TIMELINE_LIMIT). */
  events: TimelineEvent[];
  truncated: boolean;
  /** The state at the version asked for (or the head), as plain JSON. */
  state: unknown;
  stateVersion: number;
}

export const TIMELINE_LIMIT = 500;
const entityIdPattern = /^[0-9A-Za-z_-]{1,64}$/;

export function aggregateIdFor(kind: HistoryKind, id: string): string {
  if (!entityIdPattern.test(id)) throw new DomainError("validation", "An order id or SKU id is letters, digits, - and _ (at most 64)");
  return kind === "order" ? orderAggregateId(id) : inventoryAggregateId(id);
}

/** What a timeline shows of an event, whether read through the store or by the links query. */
type EventForTimeline = Omit<TimelineEvent, "occurredAt"> & { occurredAt: Date };

export function toTimelineEvent(event: EventForTimeline): TimelineEvent {
  return {
    id: event.id,
    position: event.position,
    version: event.version,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    creatorId: event.creatorId,
    aggregateId: event.aggregateId,
    data: event.data,
    metadata: event.metadata,
    correlationId: event.correlationId,
    causationId: event.causationId,
    userId: event.userId,
  };
}

export async function readEntityHistory(
  sql: Sql,
  request: { kind: HistoryKind; id: string; at?: { version: number } | { time: Date } },
): Promise<EntityHistory> {
  const aggregateId = aggregateIdFor(request.kind, request.id);
  const store = createEventStore({ sql });
  const [stream] = await sql<{ version: string; creator_id: string }[]>`
    select version, creator_id from public.streams where aggregate_id = ${aggregateId}`;
  if (!stream) throw new DomainError("not_found", `No ${request.kind === "order" ? "order" : "product"} with id ${request.id}`);
  const headVersion = Number(stream.version);
  const fromVersion = Math.max(1, headVersion - TIMELINE_LIMIT + 1);
  const events = await store.readStream(aggregateId, { fromVersion });
  // Time travel: the state folded up to the version (or the last event at or before the time) asked for.
  const folded =
    request.kind === "order"
      ? await store.aggregateStream({ aggregateId, initialState: initialOrderState, evolve: evolveOrder, at: request.at })
      : await store.aggregateStream({ aggregateId, initialState: initialInventoryState, evolve: evolveInventory, at: request.at });
  return {
    kind: request.kind,
    id: request.id,
    aggregateId,
    creatorId: stream.creator_id,
    headVersion,
    events: events.map(toTimelineEvent),
    truncated: fromVersion > 1,
    state: JSON.parse(JSON.stringify(folded.state)) as unknown,
    stateVersion: folded.version,
  };
}

export interface EventLinks {
  event: TimelineEvent;
  /** The event that caused this one, when it is in the store. */
  cause: TimelineEvent | null;
  /** Events this one caused. */
  effects: TimelineEvent[];
  /** Every event sharing its correlation id (the whole conversation), oldest first. */
  correlated: TimelineEvent[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LINKS_LIMIT = 100;
/** Effects follow their cause within this long; bounding the scan lets Postgres prune partitions (causation_id has no index). */
const EFFECT_HORIZON = "7 days";

/** The timeline fields the event_store keeps under their own names in snake_case. */
type FieldsAsColumns = Omit<EventForTimeline, "type" | "data" | "position" | "version">;

/** A row of the links query: the fields above, and the rest under the event_store's names and types. */
type LinkedEventRow = SnakeCaseRow<FieldsAsColumns> & {
  event_type: string;
  event_data: Record<string, unknown>;
  position: string;
  version: string;
};

async function eventsWhere(sql: Sql, condition: PendingQuery<Row[]>): Promise<EventForTimeline[]> {
  const rows = await sql<LinkedEventRow[]>`
    select id, position, version, event_type, occurred_at, creator_id, aggregate_id, event_data, metadata, correlation_id, causation_id, user_id
      from public.event_store where ${condition} order by position limit ${LINKS_LIMIT}`;
  return rows.map(({ event_type, event_data, position, version, ...fields }) => ({
    ...fromSnakeCaseRow<FieldsAsColumns>(fields),
    type: event_type,
    data: event_data,
    position: Number(position),
    version: Number(version),
  }));
}

export async function readEventLinks(sql: Sql, eventId: string): Promise<EventLinks> {
  if (!uuidPattern.test(eventId)) throw new DomainError("not_found", `No event ${eventId}`);
  const [event] = await eventsWhere(sql, sql`id = ${eventId}::uuid`);
  if (!event) throw new DomainError("not_found", `No event ${eventId}`);
  const [cause] = event.causationId ? await eventsWhere(sql, sql`id = ${event.causationId}::uuid`) : [];
  const effects = await eventsWhere(
    sql,
    sql`causation_id = ${event.id}::uuid and occurred_at >= ${event.occurredAt} - interval '1 minute' and occurred_at < ${event.occurredAt} + ${EFFECT_HORIZON}::interval`,
  );
  const correlated = event.correlationId ? await eventsWhere(sql, sql`correlation_id = ${event.correlationId}::uuid`) : [];
  return {
    event: toTimelineEvent(event),
    cause: cause ? toTimelineEvent(cause) : null,
    effects: effects.map(toTimelineEvent),
    correlated: correlated.map(toTimelineEvent),
  };
}
