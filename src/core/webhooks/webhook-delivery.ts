// How an event names the TikTok webhook delivery it came from. The ingestion stamps every
// event it appends with the delivery's inbox key, so a consumer can look up when our
// endpoint accepted that delivery (webhook_inbox.received_at, by the database clock). That
// is the start of the "real-time" figure the dashboard shows; TikTok's own `timestamp` in
// the body is not, since a replayed, delayed or skewed delivery can carry any value there.
import type { EventOrigin, StoredEventMetadata } from "../event-catalogue.ts";

export const TIKTOK_WEBHOOK_SOURCE = "tiktok_webhook";

export interface WebhookDelivery {
  /** The delivery's inbox key (webhook_inbox.dedupe_key): TikTok's retries of it share it. */
  dedupeKey: string;
  /** Shared by every event the delivery becomes. */
  correlationId: string;
  /** From the request's receipt to its events being decided; absent for a delivery decided again later (a shop linked since). */
  processingTimeMs?: number;
}

/** Metadata of the events appended for a delivery. */
export function webhookEventMetadata(delivery: WebhookDelivery): EventOrigin {
  return {
    source: TIKTOK_WEBHOOK_SOURCE,
    correlation_id: delivery.correlationId,
    request_id: delivery.dedupeKey,
    idempotency_key: delivery.dedupeKey,
    ...(delivery.processingTimeMs === undefined ? {} : { processing_time_ms: delivery.processingTimeMs }),
  };
}

/** The inbox key (webhook_inbox.dedupe_key) of the delivery an event came from; null when it came from elsewhere. */
export function webhookDeliveryKeyOf(metadata: StoredEventMetadata | null | undefined): string | null {
  if (metadata?.source !== TIKTOK_WEBHOOK_SOURCE && metadata?.source !== "shopify_webhook") return null;
  return typeof metadata.request_id === "string" && metadata.request_id.length > 0 ? metadata.request_id : null;
}
