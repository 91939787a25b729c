// What TikTok's and Shopify's webhook ingestions share once a delivery is verified: the
// decision it becomes (inbox status, reason, the appends it maps to), the appends grouped
// by stream, the sync failure a delivery nobody can fix records, and the answer its sender
// gets. Each channel decides its own deliveries; this is the part that does not depend on which.
import type { Sql } from "postgres";
import { toAppendRows, type NewEvent } from "../event-store/index.ts";
import type { EventOrigin } from "../event-catalogue.ts";
import { storeWebhookDeliveries, type DeliveryToStore, type InboxStatus, type StreamAppend } from "./webhook-delivery-store.ts";

/** How many times a delivery is decided again after its order's stream moved under it. */
export const MAX_CONCURRENCY_RETRIES = 5;

/** What a delivery's sender is answered: only a committed delivery gets 200; a failure to store, 503 (the sender retries). */
export type WebhookIngestionOutcome =
  | { status: 401; result: "invalid_signature" }
  | { status: 200; result: "duplicate" }
  | { status: 200; result: InboxStatus; inboxId: string; eventIds: string[] }
  | { status: 503; result: "unavailable"; error: unknown };

export interface DeliveryDecision {
  status: InboxStatus;
  reason?: string;
  appends: StreamAppend[];
}

/** An event mapped from a delivery, with the stream it goes to. */
export type EventForStream = NewEvent & { aggregateId: string; aggregateType: string };

/** The ids of the events a decision appends, in order. */
export function eventIdsOf(appends: StreamAppend[]): string[] {
  return appends.flatMap((append) => append.events.map((event) => event.id));
}

/** The appends for mapped events, one per stream; the order's own names the version its decision was made at. */
export function appendsByStream(
  events: EventForStream[],
  creatorId: string,
  metadata: EventOrigin,
  order?: { aggregateId: string; expected: string },
): StreamAppend[] {
  const byStream = new Map<string, EventForStream[]>();
  for (const event of events) byStream.set(event.aggregateId, [...(byStream.get(event.aggregateId) ?? []), event]);
  return [...byStream].map(([aggregateId, streamEvents]) => ({
    aggregate_id: aggregateId,
    aggregate_type: streamEvents[0].aggregateType,
    expected: order && aggregateId === order.aggregateId ? order.expected : "any",
    events: toAppendRows({ creatorId, metadata }, streamEvents),
  }));
}

/**
 * Retries cannot fix a body its sender signed as it is: keep it as unprocessable and say so,
 * as a sync failure of its creator (none when no creator is known).
 */
export function unprocessableDecision(
  reason: string,
  failure: { creatorId: string | null; metadata: EventOrigin; source: string; reference: string },
): DeliveryDecision {
  const { creatorId } = failure;
  const appends = creatorId
    ? [{
        aggregate_id: `system-${creatorId}`,
        aggregate_type: "system",
        expected: "any",
        events: toAppendRows({ creatorId, metadata: failure.metadata }, [
          { type: "system.sync_failure_detected", data: { source: failure.source, reason, reference: failure.reference.slice(0, 200) } },
        ]),
      }]
    : [];
  return { status: "unprocessable", reason, appends };
}

/** Why a delivery whose values Postgres refused as parsed is kept by its bytes alone. */
export function unstorableReason(error: unknown): string {
  return `its values could not be stored as parsed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
}

/**
 * Stores one delivery on its own, outside the group commit, as unprocessable (its raw bytes
 * under a key of its bytes: bytea takes anything). `reportedEventIds` is what the answer names.
 */
export async function keepAsUnprocessable(sql: Sql, delivery: DeliveryToStore, reportedEventIds: string[]): Promise<WebhookIngestionOutcome> {
  const [stored] = await storeWebhookDeliveries(sql, [delivery]);
  if (stored.outcome === "duplicate") return { status: 200, result: "duplicate" };
  if (stored.outcome !== "stored") throw new Error(`delivery ${delivery.dedupeKey} could not be kept as unprocessable (${stored.outcome})`);
  return { status: 200, result: "unprocessable", inboxId: stored.inboxId, eventIds: reportedEventIds };
}

/** Runs the store of a verified delivery; anything that fails is answered 503, with the error for the caller to log. */
export async function answerOnceStored(store: () => Promise<WebhookIngestionOutcome>): Promise<WebhookIngestionOutcome> {
  try {
    return await store();
  } catch (error) {
    return { status: 503, result: "unavailable", error };
  }
}
