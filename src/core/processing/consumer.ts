// A consumer reads the global stream from its checkpoint and hands events to its
// handlers: projections (read models), sagas, the realtime publisher. The one way to
// define one is an object of this interface; a projection gets its consumer from
// projectionConsumer (projections/projection.ts), a reactor (one that appends events or
// calls out) from reactorConsumer (reactor.ts).
import type { Sql } from "postgres";
import type { StoredEvent } from "../event-store/index.ts";

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
  /**
   * A dead letter's retry comes after the consumer has handled later events of the same
   * aggregate. "tolerated": the handler decides from current state rather than from the
   * event alone (the fulfilment saga), so the late event is sound to handle. Unset, such a
   * retry is refused and the letter stays pending (see dead-letter-retry.ts).
   */
  lateEvents?: "tolerated";
  /** What an admin should do instead when a retry is refused (a projection: rebuild it). */
  retryAdvice?: string;
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
