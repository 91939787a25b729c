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
  if (!isEventType(event.type)) {
    throw new EventValidationError(`Unknown event type "${event.type}"`, event.type, ["type"]);
  }
  const entry = eventCatalogue[event.type];
  const data = parseOrThrow(entry.schema, event.data, event.type, "event_data");
  const metadata = parseOrThrow(eventMetadataSchema, stampedMetadata(event.type, event.metadata, context), event.type, "metadata");
  return { type: event.type, data, metadata, schemaVersion: entry.version };
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
