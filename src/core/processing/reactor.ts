// A reactor is a consumer that acts on events rather than keeping a read model: it appends
// events of its own (allocations, conflicts, demand signals), or calls out (TikTok, a
// channel's API), or both. No transaction can span those, so it runs outside one, at least
// once, and what it does must be idempotent (command ids and idempotency keys derived from
// the triggering event). On a replay it does nothing: what it did when the events were new
// is already in the store, or already sent. Projections get their consumer from
// projectionConsumer (projections/projection.ts); everything else from reactorConsumer.
import type { Sql } from "postgres";
import { createEventStore, type EventStore, type StoredEvent } from "../event-store/index.ts";
import type { Consumer } from "./consumer.ts";

/** What a reactor is handed with a batch; never a replay. */
export interface ReactorContext {
  /** Outside any transaction: each statement commits on its own. */
  sql: Sql;
  /** The event store over `sql`, for the reactor's reads and appends. */
  store: EventStore;
  now(): Date;
}

export interface Reactor extends Pick<Consumer, "name" | "handles" | "lateEvents" | "retryAdvice"> {
  batchSize: number;
  /** Acts on a batch in stream order. Throwing fails the batch; the runner retries it and then finds the failing event. */
  react(events: StoredEvent[], context: ReactorContext): Promise<void>;
}

/** The consumer that runs a reactor on new events and skips replays. */
export function reactorConsumer(reactor: Reactor): Consumer {
  const { react, ...settings } = reactor;
  return {
    ...settings,
    transactional: false,
    async handleBatch(events, context) {
      if (context.replay) return;
      await react(events, { sql: context.sql, store: createEventStore({ sql: context.sql }), now: context.now });
    },
  };
}
