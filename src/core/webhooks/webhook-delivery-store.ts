// Storing a batch of verified webhook deliveries: one call to store_webhook_deliveries
// (one round trip, one transaction, one statement per table), each delivery with its own
// outcome. The SQL client is passed in, so this runs in Node and Deno alike.
import type { Sql } from "postgres";
import type { toAppendRows } from "../event-store/index.ts";

export type InboxStatus = "processed" | "ignored" | "stale" | "unprocessable" | "unlinked_shop";

export interface StreamAppend {
  aggregate_id: string;
  aggregate_type: string;
  /** "any", "no_stream" or a version number as text. */
  expected: string;
  /** Validated rows; none = only check that the stream is at `expected`. */
  events: ReturnType<typeof toAppendRows>;
}

export interface DeliveryToStore {
  dedupeKey: string;
  notificationType: number | null;
  shopId: string | null;
  creatorId: string | null;
  rawBody: Uint8Array;
  status: InboxStatus;
  reason: string | null;
  appends: StreamAppend[];
  /** When the function received the request (its clock): with the row's write time, our share of the latency. */
  requestReceivedAt?: Date;
}

export type StoreOutcome =
  | { outcome: "stored" | "wrong_tenant"; inboxId: string }
  | { outcome: "duplicate" }
  | { outcome: "conflict"; actualVersion: string }
  /** This delivery alone could not be stored (its batch was retried one by one). */
  | { outcome: "failed"; error: unknown };

interface OutcomeRow {
  ordinal: number;
  outcome: "stored" | "duplicate" | "conflict" | "wrong_tenant";
  inbox_id: string | null;
  actual_version: string | null;
}

/**
 * Stores the batch. A database that cannot be reached (or any error not caused by the
 * data) rejects, and every delivery of the batch is answered as not stored. An error the
 * data caused (SQLSTATE class 22 or 23: one delivery the checks refused) must not fail its
 * neighbours, so the batch is then stored again one delivery at a time.
 */
export async function storeWebhookDeliveries(sql: Sql, deliveries: readonly DeliveryToStore[]): Promise<StoreOutcome[]> {
  try {
    return await storeTogether(sql, deliveries);
  } catch (error) {
    if (deliveries.length === 1 || !isCausedByData(error)) throw error;
    return Promise.all(
      deliveries.map((delivery) => storeTogether(sql, [delivery]).then(([outcome]) => outcome, (single: unknown) => ({ outcome: "failed", error: single }) as const)),
    );
  }
}

async function storeTogether(sql: Sql, deliveries: readonly DeliveryToStore[]): Promise<StoreOutcome[]> {
  const payload = deliveries.map((delivery) => ({
    dedupe_key: delivery.dedupeKey,
    notification_type: delivery.notificationType,
    shop_id: delivery.shopId,
    creator_id: delivery.creatorId,
    raw_body: toBase64(delivery.rawBody),
    status: delivery.status,
    reason: delivery.reason,
    appends: delivery.appends,
    request_received_at: delivery.requestReceivedAt?.toISOString() ?? null,
  }));
  // A store stuck behind a lock gives up after 2.5 s (the function's own lock_timeout, baseline
  // migration section 5), in time to answer 503 within TikTok's 3 s: no extra round trip per batch.
  // A batch of one (most batches under steady traffic) takes the lone-delivery path, a few
  // statements instead of the batch's dozen; it hands anything unusual to the batch function.
  const rows =
    payload.length === 1
      ? await sql<OutcomeRow[]>`
          select ordinal, outcome, inbox_id, actual_version from public.store_lone_webhook_delivery(${sql.json(payload[0] as never)}::jsonb)`
      : await sql<OutcomeRow[]>`
          select ordinal, outcome, inbox_id, actual_version from public.store_webhook_deliveries(${sql.json(payload as never)}::jsonb)`;
  return rows.map((row): StoreOutcome => {
    switch (row.outcome) {
      case "stored":
      case "wrong_tenant":
        return { outcome: row.outcome, inboxId: row.inbox_id! };
      case "duplicate":
        return { outcome: "duplicate" };
      case "conflict":
        return { outcome: "conflict", actualVersion: row.actual_version ?? "no_stream" };
    }
  });
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint): the values, not the database, were at fault. */
export function isCausedByData(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** Base64 of raw bytes with Web APIs only (btoa takes a binary string). */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + chunk));
  }
  return btoa(binary);
}
