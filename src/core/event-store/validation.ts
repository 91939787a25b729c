// Validation of events before anything is written: the type must be in the catalogue
// and the payload must satisfy its schema. Errors name the offending field.
import type { z } from "zod";
import { eventCatalogue, eventMetadataSchema, isEventType, type EventMetadata } from "../event-catalogue.ts";
import { EventValidationError } from "./errors.ts";

export interface ValidatedEvent {
  type: string;
  data: unknown;
  metadata: EventMetadata;
  schemaVersion: number;
}

export function validateEvent(event: { type: string; data: unknown; metadata?: unknown }): ValidatedEvent {
  if (!isEventType(event.type)) {
    throw new EventValidationError(`Unknown event type "${event.type}"`, event.type, ["type"]);
  }
  const entry = eventCatalogue[event.type];
  const data = parseOrThrow(entry.schema, event.data, event.type, "event_data");
  const metadata = parseOrThrow(eventMetadataSchema, event.metadata ?? {}, event.type, "metadata");
  return { type: event.type, data, metadata, schemaVersion: entry.version };
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
