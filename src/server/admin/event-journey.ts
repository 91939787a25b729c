// The facts behind one order's journey (src/core/journey/event-journey.ts), read for the
// admin panel: the order's events and those correlated with or caused by them, the webhook
// deliveries they came from, consumers' recorded attempts, the realtime deltas that named
// the order, and where each consumer stands. Starting from any event, its order's journey;
// an event on no order's stream gets its own: it, the events sharing its correlation, and
// what it caused.
import type { Sql } from "postgres";
import { DomainError } from "@/core/domain-error.ts";
import { createEventStore, type StoredEvent } from "@/core/event-store/index.ts";
import { buildJourney, type Journey, type JourneyEvent, type JourneyFacts } from "@/core/journey/event-journey.ts";
import { orderAggregateId } from "@/core/orders/events.ts";
import { topicFor } from "@/core/realtime/realtime-publisher.ts";
import { webhookDeliveryKeyOf } from "@/core/webhooks/webhook-delivery.ts";

export interface EventJourney extends Journey {
  /** The order it is the journey of; null for an event about no order. */
  orderId: string | null;
  creatorId: string;
  rootEventId: string;
  truncated: boolean;
}

/** Enough for any order's life; a longer one shows its first events and says so. */
const JOURNEY_LIMIT = 300;
/** Reactions follow their cause within this long; the bound lets Postgres use the creator's time index. */
const REACTION_HORIZON = "1 day";
const orderIdPattern = /^[0-9A-Za-z_-]{1,64}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function readEventJourney(sql: Sql, start: { orderId: string } | { eventId: string }): Promise<EventJourney> {
  const store = createEventStore({ sql });
  let orderId: string | null;
  let roots: StoredEvent[];
  if ("orderId" in start) {
    if (!orderIdPattern.test(start.orderId)) throw new DomainError("validation", "An order id is letters, digits, - and _ (at most 64)");
    orderId = start.orderId;
    roots = await store.readStream(orderAggregateId(orderId), { toVersion: JOURNEY_LIMIT });
    if (roots.length === 0) throw new DomainError("not_found", `No order with id ${orderId}`);
  } else {
    if (!uuidPattern.test(start.eventId)) throw new DomainError("not_found", "That is not an event id");
    const event = await eventById(sql, store, start.eventId);
    if (!event) throw new DomainError("not_found", `No event ${start.eventId}`);
    orderId = event.aggregateId.startsWith("order-") ? event.aggregateId.slice("order-".length) : null;
    roots = orderId ? await store.readStream(event.aggregateId, { toVersion: JOURNEY_LIMIT }) : [event];
  }
  const creatorId = roots[0].creatorId;
  const events = await withFollowers(sql, store, roots);
  const facts = await factsOf(sql, creatorId, orderId, events);
  return { ...buildJourney(facts), orderId, creatorId, rootEventId: roots[0].id, truncated: events.length >= JOURNEY_LIMIT };
}

async function eventById(sql: Sql, store: ReturnType<typeof createEventStore>, eventId: string): Promise<StoredEvent | undefined> {
  const [row] = await sql<{ aggregate_id: string; version: string }[]>`select aggregate_id, version from public.event_store where id = ${eventId}::uuid`;
  if (!row) return undefined;
  const [event] = await store.readStream(row.aggregate_id, { fromVersion: Number(row.version), toVersion: Number(row.version) });
  return event;
}

/** The events plus those sharing their correlation or caused by one of them (the saga's steps, consumers' reactions on other streams). */
async function withFollowers(sql: Sql, store: ReturnType<typeof createEventStore>, roots: StoredEvent[]): Promise<StoredEvent[]> {
  const byId = new Map(roots.map((event) => [event.id, event]));
  const creatorId = roots[0].creatorId;
  const correlations = [...new Set(roots.map((event) => event.correlationId).filter((id): id is string => id !== null))];
  const since = roots[0].occurredAt;
  const rows = await sql<{ aggregate_id: string; version: string }[]>`
    select aggregate_id, version from public.event_store
     where creator_id = ${creatorId}::uuid
       and occurred_at >= ${since}::timestamptz - interval '1 minute'
       and (correlation_id = any(${correlations}::uuid[])
            or (causation_id = any(${[...byId.keys()]}::uuid[]) and occurred_at < ${since}::timestamptz + ${REACTION_HORIZON}::interval))
     order by position
     limit ${JOURNEY_LIMIT}`;
  for (const row of rows) {
    const [event] = await store.readStream(row.aggregate_id, { fromVersion: Number(row.version), toVersion: Number(row.version) });
    if (event && !byId.has(event.id)) byId.set(event.id, event);
  }
  return [...byId.values()].sort((a, b) => a.position - b.position);
}

async function factsOf(sql: Sql, creatorId: string, orderId: string | null, events: StoredEvent[]): Promise<JourneyFacts> {
  const ids = events.map((event) => event.id);
  const deliveryKeys = [...new Set(events.map((event) => webhookDeliveryKeyOf(event.metadata)).filter((key): key is string => key !== null))];
  const [deliveries, attempts, deltas, consumers] = await Promise.all([
    sql<{ dedupe_key: string; request_received_at: Date | null; stored_at: Date | null; raw_body: Uint8Array }[]>`
      select dedupe_key, request_received_at, stored_at, raw_body from public.webhook_inbox where dedupe_key = any(${deliveryKeys}::text[])`,
    sql<{ consumer: string; event_id: string; attempt: number; outcome: "failed" | "succeeded" | "dead_lettered"; recorded_at: Date }[]>`
      select consumer, event_id, attempt, outcome, recorded_at from public.consumer_attempt_log where event_id = any(${ids}::uuid[]) order by recorded_at`,
    orderId ? realtimeDeltasNaming(sql, creatorId, orderId, events[0].occurredAt) : Promise.resolve([]),
    sql<{ consumer: string; position: string }[]>`select consumer, position from public.consumer_checkpoints order by consumer`,
  ]);
  return {
    events: events.map(toJourneyEvent),
    deliveries: deliveries.map((row) => ({
      dedupeKey: row.dedupe_key,
      requestReceivedAt: row.request_received_at,
      storedAt: row.stored_at,
      tiktokTimestamp: tiktokTimestampOf(row.raw_body),
    })),
    attempts: attempts.map((row) => ({ consumer: row.consumer, eventId: row.event_id, attempt: row.attempt, outcome: row.outcome, recordedAt: row.recorded_at })),
    deltas,
    consumers: consumers.map((row) => ({ consumer: row.consumer, position: Number(row.position) })),
    positions: Object.fromEntries(events.map((event) => [event.id, event.position])),
  };
}

/** The realtime deltas whose changed orders named this one (realtime.messages keeps what realtime.send() sent). */
async function realtimeDeltasNaming(sql: Sql, creatorId: string, orderId: string, since: Date) {
  const rows = await sql<{ sequence: number; sent_at: string }[]>`
    select (payload ->> 'seq')::bigint as sequence, payload ->> 'sentAt' as sent_at from realtime.messages
     where topic = ${topicFor(creatorId)} and inserted_at >= ${since}::timestamptz - interval '1 minute'
       and payload -> 'orders' @> ${sql.json([{ orderId }])}::jsonb
     order by inserted_at limit 50`;
  return rows.map((row) => ({ sequence: Number(row.sequence), sentAt: new Date(row.sent_at) }));
}

function toJourneyEvent(event: StoredEvent): JourneyEvent {
  const deliveryKey = webhookDeliveryKeyOf(event.metadata);
  return {
    id: event.id,
    type: event.type,
    aggregateId: event.aggregateId,
    version: event.version,
    occurredAt: event.occurredAt,
    causationId: event.causationId,
    source: event.metadata.source,
    ...(event.metadata.component ? { component: event.metadata.component } : {}),
    ...(deliveryKey ? { deliveryKey } : {}),
  };
}

/** TikTok's `timestamp` (seconds) from the stored body, when it has one. */
function tiktokTimestampOf(rawBody: Uint8Array): Date | null {
  try {
    const body = JSON.parse(new TextDecoder().decode(rawBody)) as { timestamp?: unknown };
    return typeof body.timestamp === "number" && Number.isFinite(body.timestamp) ? new Date(body.timestamp * 1000) : null;
  } catch {
    return null;
  }
}
