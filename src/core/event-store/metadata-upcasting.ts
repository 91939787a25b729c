// Metadata of events stored before every event had to say where it came from, upcast on
// read like an old payload: never rewritten in the store. Such an event had at most a
// `source` naming the part of the engine that wrote it (now `component`, with `source`
// one of the specification's four), or nothing at all; its source is inferred from what
// it does carry, and is `unknown` where nothing tells.
import { eventPriority, eventSources, UNKNOWN_EVENT_SOURCE, type EventSource, type StoredEventMetadata } from "../event-catalogue.ts";

/** The value an upcast event gets for a stamp it never had (service version, environment). */
export const UNRECORDED = "unrecorded";

/** The engine's own parts that used to write their name as the source: all of them the engine acting on its own. */
const formerComponentSources = new Set(["fulfilment_saga", "saga:order_fulfilment", "sync-conflicts", "stock-outbox", "shop_import", "reconciliation"]);

/** Event types only the engine itself has ever appended (the fulfilment saga's own facts, health checks, rate limits). */
const automatedTypes = new Set([
  "order.label_created",
  "order.label_cancelled",
  "order.fulfilment_failed",
  "order.fulfilment_paused",
  "order.compensation_completed",
  "system.health_check_completed",
  "system.performance_threshold_exceeded",
  "system.recovery_completed",
  "system.api_rate_limit_approached",
]);

interface StoredRow {
  event_type: string;
  creator_id: string;
  event_data: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
}

export function upcastMetadata(row: StoredRow): StoredEventMetadata {
  const metadata = row.metadata ?? {};
  if (isCurrent(metadata)) return metadata as StoredEventMetadata;
  const { source: formerSource, ...rest } = metadata;
  return {
    priority: eventPriority(row.event_type),
    service_version: UNRECORDED,
    environment: UNRECORDED,
    ...rest,
    ...inferredSource(row, formerSource),
    creator_id: row.creator_id,
  } as StoredEventMetadata;
}

function isCurrent(metadata: Record<string, unknown>): boolean {
  return (
    isEventSource(metadata.source) &&
    typeof metadata.creator_id === "string" &&
    typeof metadata.priority === "string" &&
    typeof metadata.service_version === "string" &&
    typeof metadata.environment === "string"
  );
}

function isEventSource(value: unknown): value is EventSource {
  return typeof value === "string" && (eventSources as readonly string[]).includes(value);
}

function inferredSource(row: StoredRow, formerSource: unknown): { source: StoredEventMetadata["source"]; component?: string } {
  if (isEventSource(formerSource)) return { source: formerSource };
  if (typeof formerSource === "string" && formerComponentSources.has(formerSource)) {
    // A conflict resolved by a person was recorded under the resolver's name, with the person's id.
    const byPerson = formerSource === "sync-conflicts" && typeof row.metadata?.user_id === "string";
    return { source: byPerson ? "admin_panel" : "automated_system", component: formerSource };
  }
  // The webhook kept a delivery it could not use as a sync failure naming itself, without metadata.
  if (row.event_type === "system.sync_failure_detected") {
    return { source: row.event_data.source === "tiktok_webhook" ? "tiktok_webhook" : "automated_system" };
  }
  if (automatedTypes.has(row.event_type)) return { source: "automated_system" };
  return { source: UNKNOWN_EVENT_SOURCE };
}
