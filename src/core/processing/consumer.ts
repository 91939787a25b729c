// A consumer reads the global stream from its checkpoint and hands events to its
// handlers: projections (read models), sagas, the realtime publisher.
import type { Sql } from "postgres";
import type { StoredEvent } from "../event-store/index.ts";
import { typeMatches } from "../event-store/index.ts";

export interface ConsumerContext {
  /** For a transactional consumer, the transaction that also moves its checkpoint. */
  sql: Sql;
  /** True when events are replayed: side effects (TikTok calls, realtime sends) must be skipped. */
  replay: boolean;
  now(): Date;
}

export interface Consumer {
  name: string;
  /** Event types it wants, exact or wildcard ("order.*"). */
  handles: readonly string[];
  /**
   * Transactional consumers write read models in the same transaction as their
   * checkpoint, so a crash never counts twice. Others (sagas calling out) run outside
   * any transaction, at least once, and must be idempotent.
   */
  transactional: boolean;
  batchSize?: number;
  /** Applies a batch in stream order. Throwing fails the batch; the runner then finds the failing event. */
  handleBatch(events: StoredEvent[], context: ConsumerContext): Promise<void>;
}

/**
 * A failure no retry can mend (TikTok refused the request as invalid, the SKU is not the
 * shop's): the runner dead-letters the event at once, with this message as the reason.
 */
export class PermanentConsumerFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentConsumerFailure";
  }
}

export type EventHandler = (event: StoredEvent, context: ConsumerContext) => Promise<void>;

/** A consumer from handlers registered by event type, exact or wildcard; every matching handler runs, in registration order. */
export function consumerFromHandlers(options: {
  name: string;
  transactional: boolean;
  batchSize?: number;
  handlers: Record<string, EventHandler>;
}): Consumer {
  const registrations = Object.entries(options.handlers);
  return {
    name: options.name,
    handles: registrations.map(([pattern]) => pattern),
    transactional: options.transactional,
    batchSize: options.batchSize,
    async handleBatch(events, context) {
      for (const event of events) {
        for (const [pattern, handler] of registrations) {
          if (typeMatches([pattern], event.type)) await handler(event, context);
        }
      }
    },
  };
}
