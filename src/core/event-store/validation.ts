// Validation of events before anything is written: the type must be in the catalogue,
// the payload must satisfy its schema, and the metadata must say where the event came
// from. Errors name the offending field.
import type { z } from "zod";
import { eventCatalogue, eventMetadataSchema, eventPriority, isEventType, type EventMetadata, type EventOrigin } from "../event-catalogue.ts";
import { deploymentEnvironment, SERVICE_VERSION } from "../service-identity.ts";
import { EventValidationError } from "./errors.ts";

export interface ValidatedEvent {
  type: string;
  data: unknown;
  metadata: EventMetadata;
  schemaVersion: number;
}

/** What the append knows about every event in it, stamped into their metadata. */
export interface AppendContext {
  creatorId: string;
  /** Where the events come from; an event's own metadata is laid over it. */
  metadata: EventOrigin;
  /** The append's idempotency key, recorded unless the writer named one of its own. */
  idempotencyKey?: string;
}

export function validateEvent(event: { type: string; data: unknown; metadata?: unknown }, context: AppendContext): ValidatedEvent {
  const { data, schemaVersion } = validatePayload(event);
  const metadata = parseOrThrow(eventMetadataSchema, stampedMetadata(event.type, event.metadata, context), event.type, "metadata");
  return { type: event.type, data, metadata, schemaVersion };
}

/**
 * Validates the events of one append. An event with no metadata of its own gets the
 * append's (`shared`, e.g. the active span's trace context), stamped with its type's
 * priority: that metadata is built and checked once per priority and the events share
 * the object, so a batch of 1,000 alike events parses it once, not 1,000 times (and the
 * writer sends it once, see prepareAppend). Every payload, and every event's own
 * metadata, is still checked one by one.
 */
export function validateEvents(
  events: readonly { type: string; data: unknown; metadata?: unknown }[],
  context: AppendContext,
  shared: Readonly<Record<string, unknown>> = {},
): ValidatedEvent[] {
  const sharedByPriority = new Map<string, EventMetadata>();
  return events.map((event) => {
    if (event.metadata !== undefined) return validateEvent(event, context);
    const { data, schemaVersion } = validatePayload(event);
    const priority = eventPriority(event.type);
    let metadata = sharedByPriority.get(priority);
    if (metadata === undefined) {
      metadata = parseOrThrow(eventMetadataSchema, stampedMetadata(event.type, shared, context), event.type, "metadata");
      sharedByPriority.set(priority, metadata);
    }
    return { type: event.type, data, metadata, schemaVersion };
  });
}

function validatePayload(event: { type: string; data: unknown }): { data: unknown; schemaVersion: number } {
  if (!isEventType(event.type)) {
    throw new EventValidationError(`Unknown event type "${event.type}"`, event.type, ["type"]);
  }
  const entry = eventCatalogue[event.type];
  return { data: parseOrThrow(entry.schema, event.data, event.type, "event_data"), schemaVersion: entry.version };
}

function stampedMetadata(type: string, own: unknown, context: AppendContext): unknown {
  const isRecord = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  // Plain JavaScript callers can pass anything: a non-object is left for the schema to refuse.
  const base: unknown = context.metadata ?? {};
  if (!isRecord(base)) return base;
  if (own !== undefined && !isRecord(own)) return own;
  const origin: Record<string, unknown> = { ...(base as object), ...(own as object | undefined) };
  if (origin.creator_id !== undefined && String(origin.creator_id).toLowerCase() !== context.creatorId.toLowerCase()) {
    throw new EventValidationError(`Invalid ${type}: metadata.creator_id names another creator than the stream's`, type, ["metadata.creator_id"]);
  }
  return {
    priority: eventPriority(type),
    ...(context.idempotencyKey === undefined ? {} : { idempotency_key: context.idempotencyKey }),
    ...origin,
    // As Postgres writes the row's uuid, which the database checks it against.
    creator_id: context.creatorId.toLowerCase(),
    service_version: SERVICE_VERSION,
    environment: deploymentEnvironment(),
  };
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, eventType: string, root: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = [root, ...issue.path.map(String)].join(".");
    return { field, message: `${field}: ${issue.message}` };
  });
  throw new EventValidationError(
    `Invalid ${eventType}: ${problems.map((problem) => problem.message).join("; ")}`,
    eventType,
    [...new Set(problems.map((problem) => problem.field))],
  );
}
