// What every event says about where it came from (the seed specification's EventMetadata,
// S002). A writer names the source and what it knows of the request; the event store
// adds the rest (creator, priority, service version, environment) on append, and refuses
// an event whose metadata does not fit, as it refuses a bad payload.
import { z } from "zod";

/** Who made the event happen: TikTok's webhook, a person in the admin panel, the engine itself, or a caller of the API (a creator's dashboard). */
export const eventSources = ["tiktok_webhook", "shopify_webhook", "admin_panel", "automated_system", "api_call"] as const;
export type EventSource = (typeof eventSources)[number];

/** The source of an event stored before metadata was required, when nothing in it tells where it came from. */
export const UNKNOWN_EVENT_SOURCE = "unknown";

export const eventPriorities = ["critical", "high", "normal", "low"] as const;
export type EventPriority = (typeof eventPriorities)[number];

/**
 * W3C Trace Context `traceparent` (version-traceid-parentid-flags, lower-case hex). A
 * later version may append fields after the flags; an all-zero trace or parent id is invalid.
 */
const traceparentPattern = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(-[\w.-]*)?$/;

const eventMetadataShape = {
  source: z.enum(eventSources),
  creator_id: z.uuid(),
  priority: z.enum(eventPriorities),
  service_version: z.string().min(1).max(50),
  environment: z.string().min(1).max(50),
  /** The finer name of the part of the engine that appended it (`fulfilment_saga`, `sync-conflicts`, ...): consumers tell their own events apart by it. */
  component: z.string().min(1).max(100).optional(),
  request_id: z.string().min(1).max(200).optional(),
  correlation_id: z.uuid().optional(),
  causation_id: z.uuid().optional(),
  idempotency_key: z.string().min(1).max(300).optional(),
  source_ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: z.string().max(500).optional(),
  /** How long the writer worked on the request or event before appending, by its own clock. */
  processing_time_ms: z.number().nonnegative().max(86_400_000).optional(),
  user_id: z.uuid().optional(),
  traceparent: z.string().max(512).regex(traceparentPattern).optional(),
  replay: z.boolean().optional(),
};

/** Further fields a part of the engine records for itself (e.g. `reflects_tiktok_update_time`) are kept. */
export const eventMetadataSchema = z.looseObject(eventMetadataShape);
type KnownMetadata = z.infer<z.ZodObject<typeof eventMetadataShape>>;
type FurtherFields = { [field: string]: unknown };
export type EventMetadata = KnownMetadata & FurtherFields;

/** Filled by the event store from the append itself and the running service, so a writer never repeats them. */
type StampedField = "creator_id" | "priority" | "service_version" | "environment";

/** What a writer says about the events it appends: at least their source. A priority given here overrides the type's. */
export type EventOrigin = Omit<KnownMetadata, StampedField> & Partial<Pick<KnownMetadata, "priority">> & FurtherFields;

/** Metadata as read back: an event stored before metadata was required is upcast, with `unknown` where its source cannot be told. */
export type StoredEventMetadata = Omit<KnownMetadata, "source"> & { source: EventSource | typeof UNKNOWN_EVENT_SOURCE } & FurtherFields;

/** The origin of events a part of the engine appends on its own (a consumer, a saga, a scheduled job), named by `component`. */
export function automatedOrigin(component: string, more: Omit<EventOrigin, "source" | "component"> = {}): EventOrigin {
  return { source: "automated_system", component, ...more };
}

/**
 * What an event appended in reaction to `cause` carries over from it: the cause itself,
 * the correlation of the whole chain (the first event's id when it named none), and the
 * trace context, so one order's journey can be followed hop by hop.
 */
export function reactionTo(cause: { id: string; metadata: StoredEventMetadata }): Pick<EventOrigin, "correlation_id" | "causation_id" | "traceparent"> {
  return {
    causation_id: cause.id,
    correlation_id: cause.metadata.correlation_id ?? cause.id,
    ...(cause.metadata.traceparent === undefined ? {} : { traceparent: cause.metadata.traceparent }),
  };
}
