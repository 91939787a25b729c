// Events shaped as the store's SQL functions take them: validated against the catalogue,
// with the metadata an append's events share sent once, new ids time-ordered; and the SQL
// functions' answers and errors turned back into the store's result and typed errors.
// Plain functions, no database: what an append decides is tested without one.
import type { EventMetadata } from "../event-catalogue.ts";
import { withTraceContext } from "../tracing.ts";
import { ConcurrencyError, EventStoreError, EventValidationError, WrongTenantError, type ActualVersion, type ExpectedVersion } from "./errors.ts";
import type { AppendRequest, AppendResult, NewEvent } from "./event-store.ts";
import type { WrittenEvent } from "./grouped-appends.ts";
import { validateEvents, type AppendContext } from "./validation.ts";

/** An event as append_to_stream takes it; without `metadata` it gets the append's. */
export interface AppendRow {
  id: string;
  event_type: string;
  event_data: unknown;
  schema_version: number;
  occurred_at?: string;
  metadata?: EventMetadata;
}

/**
 * Validates events against the catalogue and shapes them as append_to_stream takes them:
 * the metadata most of them share once, and a row's own only where it differs (another
 * priority, its own causation). Sending the shared metadata once is what keeps a batch
 * append lean: Postgres parses every row's JSON (see docs/BENCHMARKS.md, issue 14).
 */
export function prepareAppend(context: AppendContext, events: NewEvent[]): { metadata: EventMetadata; rows: AppendRow[] } {
  if (events.length === 0) throw new EventValidationError("Nothing to append: events is empty", "", ["events"]);
  // The span active at the append (the delivery's, a route handler's, a consumer's) goes in the metadata, for the event's consumers.
  const valid = validateEvents(
    events.map((event) => ({ type: event.type, data: event.data, metadata: event.metadata === undefined ? undefined : withTraceContext(event.metadata) })),
    context,
    withTraceContext({}),
  );
  const shared = valid[0].metadata;
  const rows = events.map((event, index): AppendRow => {
    const { type, data, metadata, schemaVersion } = valid[index];
    const row: AppendRow = { id: event.id ?? newEventId(), event_type: type, event_data: data, schema_version: schemaVersion };
    if (event.occurredAt !== undefined) row.occurred_at = event.occurredAt.toISOString();
    if (metadata !== shared) row.metadata = metadata;
    return row;
  });
  return { metadata: shared, rows };
}

/** Validated rows that each carry their whole metadata and its ids, for the SQL functions that take them that way (the webhooks' group commit, the shop import). */
export function toAppendRows(context: AppendContext, events: NewEvent[]) {
  // An append with no events is a version check alone (the webhooks' group commit takes those).
  if (events.length === 0) return [];
  const { metadata: shared, rows } = prepareAppend(context, events);
  return rows.map((row) => {
    const metadata = row.metadata ?? shared;
    return {
      id: row.id,
      event_type: row.event_type,
      event_data: row.event_data,
      schema_version: row.schema_version,
      occurred_at: row.occurred_at,
      metadata,
      correlation_id: metadata.correlation_id,
      causation_id: metadata.causation_id,
      user_id: metadata.user_id,
    };
  });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What is refused before any event is looked at: a creator id that is not a uuid, an append of nothing. */
export function checkAppendRequest(request: Pick<AppendRequest, "creatorId" | "events">): void {
  if (!uuidPattern.test(request.creatorId)) {
    throw new EventValidationError(`creator_id must be a uuid, got "${request.creatorId}"`, "", ["creator_id"]);
  }
  if (request.events.length === 0) {
    throw new EventValidationError("Nothing to append: events is empty", "", ["events"]);
  }
}

/** The append's answer from append_to_stream's rows: the events' places, the stream's new version, and whether the key had been used. */
export function toAppendResult(written: readonly WrittenEvent[]): AppendResult {
  const events = written.map((row) => ({
    id: row.event_id,
    position: Number(row.event_position),
    version: Number(row.event_version),
  }));
  return {
    events,
    nextExpectedVersion: events.length ? events[events.length - 1].version : 0,
    duplicate: written[0]?.duplicate ?? false,
  };
}

/** Turns the SQL function's errors (CF409, CF403, bad input) into the store's typed errors. */
export function translateAppendError(error: unknown, aggregateId: string, expected: ExpectedVersion): unknown {
  const code = (error as { code?: string }).code;
  if (code === "CF409") {
    const detail = JSON.parse((error as { detail?: string }).detail ?? "{}") as { actual?: string };
    const actual: ActualVersion = detail.actual === undefined || detail.actual === "no_stream" ? "no_stream" : Number(detail.actual);
    return new ConcurrencyError(aggregateId, expected, actual);
  }
  if (code === "CF403") return new WrongTenantError(aggregateId);
  if (code === "22023" || code === "22P02" || code === "23514") {
    return new EventStoreError("validation", (error as Error).message);
  }
  return error;
}

/**
 * A UUIDv7 (RFC 9562: 48-bit Unix milliseconds, then random bits) for a new event.
 * Made here rather than by gen_random_uuid() in append_to_stream because (measured with
 * `npm run bench -- store`, see docs/BENCHMARKS.md) time-ordered ids land on the right
 * edge of the event_store primary key index instead of on a random leaf, and the
 * database no longer spends CPU on a strong random number per row. Still a plain uuid
 * to everything that reads it; the SQL function keeps gen_random_uuid() for direct callers.
 */
let idPrefixMs = -1;
let idPrefix = "";
function newEventId(): string {
  // randomUUID() draws from a pooled entropy buffer, far cheaper per id than a
  // getRandomValues() call; its 48 leading random bits become the timestamp and its
  // version digit becomes 7. The variant bits (RFC 9562) are already set.
  const random = crypto.randomUUID();
  const now = Date.now();
  if (now !== idPrefixMs) {
    // Formatting the timestamp costs more than the uuid itself: once per millisecond.
    const time = now.toString(16).padStart(12, "0");
    idPrefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    idPrefixMs = now;
  }
  return idPrefix + random.slice(15);
}
