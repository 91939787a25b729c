// One order's (or one event's) journey through the engine, hop by hop, with how long each
// took: the TikTok delivery received and stored (our clocks), every event appended for it
// and in reaction to it (saga steps, consumers' own events, with their causation links),
// consumers' failed and retried attempts, and the realtime deltas that carried it to the
// dashboard. Pure: the facts come in, the timeline goes out; reading them is the server's.

/** An event on the journey, with what its metadata says of where it came from. */
export interface JourneyEvent {
  id: string;
  type: string;
  aggregateId: string;
  version: number;
  occurredAt: Date;
  causationId: string | null;
  source: string;
  component?: string;
  /** The webhook delivery's inbox key, for events appended for one. */
  deliveryKey?: string;
}

/** A TikTok webhook delivery behind some of the events: when our endpoint got it, when its batch wrote it, and what TikTok's body claimed. */
export interface JourneyDelivery {
  dedupeKey: string;
  requestReceivedAt: Date | null;
  storedAt: Date | null;
  /** TikTok's own `timestamp`: reported apart, never a hop (a replay or a skewed clock can set it to anything). */
  tiktokTimestamp: Date | null;
}

export interface JourneyAttempt {
  consumer: string;
  eventId: string;
  attempt: number;
  outcome: "failed" | "succeeded" | "dead_lettered";
  recordedAt: Date;
}

export interface JourneyDelta {
  sequence: number;
  sentAt: Date;
}

export interface JourneyFacts {
  events: JourneyEvent[];
  deliveries: JourneyDelivery[];
  attempts: JourneyAttempt[];
  /** Realtime deltas that named the order, oldest first. */
  deltas: JourneyDelta[];
  /** Each consumer and the last event it has handled, by global position. */
  consumers: { consumer: string; position: number }[];
  /** Global positions of the journey's events, to tell which consumers are past them. */
  positions: Record<string, number>;
}

export type HopKind = "received" | "stored" | "appended" | "saga_step" | "reaction" | "consumer_attempt" | "realtime_delta";

export interface JourneyHop {
  kind: HopKind;
  at: Date;
  label: string;
  /** The event this hop is, or is about. */
  eventId?: string;
  /** The hop it followed from (its cause, or the delivery that brought it), when on the journey. */
  after?: { label: string; eventId?: string };
  /** From the hop it followed from to this one; null when it followed from nothing on the journey. */
  tookMs: number | null;
  sinceStartMs: number;
}

export interface Journey {
  hops: JourneyHop[];
  startedAt: Date | null;
  totalMs: number;
  /** TikTok's timestamp to our receipt, per delivery, clamped at 0: their clock and the network, never a figure of ours. */
  tiktokToReceiptMs: { dedupeKey: string; ms: number }[];
  /** Consumers that have not yet handled every event of the journey. */
  consumersBehind: string[];
}

const SAGA_COMPONENT = "fulfilment_saga";
// Same instant: the order a person reads it in.
const kindOrder: Record<HopKind, number> = { received: 0, stored: 1, appended: 2, saga_step: 3, reaction: 4, consumer_attempt: 5, realtime_delta: 6 };

export function buildJourney(facts: JourneyFacts): Journey {
  const eventsById = new Map(facts.events.map((event) => [event.id, event]));
  const deliveries = new Map(facts.deliveries.map((delivery) => [delivery.dedupeKey, delivery]));
  const hops: Omit<JourneyHop, "sinceStartMs">[] = [];

  for (const delivery of facts.deliveries) {
    if (delivery.requestReceivedAt) hops.push({ kind: "received", at: delivery.requestReceivedAt, label: `webhook delivery ${delivery.dedupeKey} received`, tookMs: null });
    if (delivery.storedAt) {
      const after = delivery.requestReceivedAt ? { label: `webhook delivery ${delivery.dedupeKey} received` } : undefined;
      hops.push({ kind: "stored", at: delivery.storedAt, label: `webhook delivery ${delivery.dedupeKey} stored`, after, tookMs: after ? elapsed(delivery.requestReceivedAt!, delivery.storedAt) : null });
    }
  }
  for (const event of facts.events) hops.push(eventHop(event, eventsById, deliveries));
  for (const attempt of facts.attempts) {
    const event = eventsById.get(attempt.eventId);
    hops.push({
      kind: "consumer_attempt",
      at: attempt.recordedAt,
      label: `${attempt.consumer}: attempt ${attempt.attempt} ${attempt.outcome.replace("_", " ")}`,
      eventId: attempt.eventId,
      ...(event ? { after: { label: event.type, eventId: event.id }, tookMs: elapsed(event.occurredAt, attempt.recordedAt) } : { tookMs: null }),
    });
  }
  const firstEvent = [...facts.events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())[0];
  for (const delta of facts.deltas) {
    // The delta carries whatever changed before it: measured from the latest event it can have carried.
    const carried = facts.events.filter((event) => event.occurredAt <= delta.sentAt).sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())[0] ?? firstEvent;
    hops.push({
      kind: "realtime_delta",
      at: delta.sentAt,
      label: `realtime delta #${delta.sequence} sent`,
      ...(carried ? { after: { label: carried.type, eventId: carried.id }, tookMs: elapsed(carried.occurredAt, delta.sentAt) } : { tookMs: null }),
    });
  }

  hops.sort((a, b) => a.at.getTime() - b.at.getTime() || kindOrder[a.kind] - kindOrder[b.kind]);
  const startedAt = hops[0]?.at ?? null;
  const timed = hops.map((hop) => ({ ...hop, sinceStartMs: startedAt ? elapsed(startedAt, hop.at) : 0 }));
  return {
    hops: timed,
    startedAt,
    totalMs: timed.at(-1)?.sinceStartMs ?? 0,
    tiktokToReceiptMs: facts.deliveries
      .filter((delivery) => delivery.tiktokTimestamp && delivery.requestReceivedAt)
      .map((delivery) => ({ dedupeKey: delivery.dedupeKey, ms: elapsed(delivery.tiktokTimestamp!, delivery.requestReceivedAt!) })),
    consumersBehind: consumersBehind(facts),
  };
}

function eventHop(event: JourneyEvent, eventsById: Map<string, JourneyEvent>, deliveries: Map<string, JourneyDelivery>): Omit<JourneyHop, "sinceStartMs"> {
  const base = { at: event.occurredAt, eventId: event.id };
  const cause = event.causationId ? eventsById.get(event.causationId) : undefined;
  const delivery = event.deliveryKey ? deliveries.get(event.deliveryKey) : undefined;
  const kind: HopKind = event.component === SAGA_COMPONENT ? "saga_step" : cause ? "reaction" : "appended";
  const by = event.component ? `${event.component} (${event.source})` : event.source;
  const label = `${event.type} on ${event.aggregateId} v${event.version}, by ${by}`;
  if (cause) return { ...base, kind, label, after: { label: cause.type, eventId: cause.id }, tookMs: elapsed(cause.occurredAt, event.occurredAt) };
  if (delivery?.requestReceivedAt) {
    return { ...base, kind, label, after: { label: `webhook delivery ${delivery.dedupeKey} received` }, tookMs: elapsed(delivery.requestReceivedAt, event.occurredAt) };
  }
  return { ...base, kind, label, tookMs: null };
}

function consumersBehind(facts: JourneyFacts): string[] {
  const last = Math.max(0, ...Object.values(facts.positions));
  return facts.consumers.filter((consumer) => consumer.position < last).map((consumer) => consumer.consumer).sort();
}

/**
 * Two clocks meet in a journey (the function's and the database's): a hop they put a
 * hair out of order is shown as 0 ms, not as negative time.
 */
function elapsed(from: Date, to: Date): number {
  return Math.max(0, to.getTime() - from.getTime());
}
