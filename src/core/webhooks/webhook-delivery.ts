// How an event names the TikTok webhook delivery it came from. The ingestion stamps every
// event it appends with the delivery's inbox key, so a consumer can look up when our
// endpoint accepted that delivery (webhook_inbox.received_at, by the database clock). That
// is the start of the "real-time" figure the dashboard shows; TikTok's own `timestamp` in
// the body is not, since a replayed, delayed or skewed delivery can carry any value there.
import type { EventMetadata } from "../event-catalogue.ts";

export const TIKTOK_WEBHOOK_SOURCE = "tiktok_webhook";

/** Metadata of an event appended for a delivery whose inbox row is keyed `dedupeKey`. */
export function webhookEventMetadata(dedupeKey: string, correlationId: string): EventMetadata {
  return { source: TIKTOK_WEBHOOK_SOURCE, correlation_id: correlationId, request_id: dedupeKey };
}

/** The inbox key (webhook_inbox.dedupe_key) of the delivery an event came from; null when it came from elsewhere. */
export function webhookDeliveryKeyOf(metadata: EventMetadata | null | undefined): string | null {
  if (metadata?.source !== TIKTOK_WEBHOOK_SOURCE) return null;
  return typeof metadata.request_id === "string" && metadata.request_id.length > 0 ? metadata.request_id : null;
}
