// Accepting a TikTok Shop webhook: verify the signature over the raw bytes, keep the
// delivery in the inbox and append the events it maps to, all in one transaction, and
// answer only once that has committed. Runtime-agnostic: the Edge Function (Deno) and
// tests (Node) call the same code.
import type { Sql } from "postgres";
import { ConcurrencyError, createEventStore } from "../event-store/index.ts";
import { parseWebhook, type WebhookEnvelope } from "../tiktok/webhook-envelope.ts";
import { evolveAppliedOrderStatus, mapWebhookToEvents, orderIdOfWebhook, type DomainEventToAppend } from "../tiktok/webhook-mapping.ts";
import { createWebhookVerifier } from "../tiktok/webhook-signature.ts";
import { orderAggregateId } from "../orders/events.ts";
import type { AppliedOrderStatus } from "../tiktok/order-status.ts";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
const MAX_CONCURRENCY_RETRIES = 5;
const SHOP_CACHE_MS = 60_000;

export type InboxStatus = "processed" | "ignored" | "stale" | "unprocessable" | "unlinked_shop";

export type IngestionOutcome =
  | { status: 401; result: "invalid_signature" }
  | { status: 200; result: "duplicate" }
  | { status: 200; result: InboxStatus; inboxId: string; eventIds: string[] }
  | { status: 503; result: "unavailable"; error: unknown };

export interface TikTokWebhookIngestionOptions {
  sql: Sql;
  appKey: string;
  appSecret: string;
  now?: () => number;
}

export function createTikTokWebhookIngestion(options: TikTokWebhookIngestionOptions) {
  const verify = createWebhookVerifier({ appKey: options.appKey, appSecret: options.appSecret });
  const now = options.now ?? (() => Date.now());
  // Shops are linked once and rarely change; a short cache saves a query per delivery.
  const shopCache = new Map<string, { creatorId: string | null; until: number }>();

  async function creatorOfShop(tx: Sql, shopId: string | undefined, sellerOpenId: string | undefined): Promise<string | null> {
    const cacheKey = `${shopId ?? ""}|${sellerOpenId ?? ""}`;
    const cached = shopCache.get(cacheKey);
    if (cached && cached.until > now()) return cached.creatorId;
    const [shop] = await tx<{ creator_id: string }[]>`
      select creator_id from public.tiktok_shops
       where shop_id = ${shopId ?? null} or (${sellerOpenId ?? null}::text is not null and seller_open_id = ${sellerOpenId ?? null})
       limit 1`;
    const creatorId = shop?.creator_id ?? null;
    // Unlinked shops are not cached, so linking a shop takes effect on the next delivery.
    if (creatorId) shopCache.set(cacheKey, { creatorId, until: now() + SHOP_CACHE_MS });
    return creatorId;
  }

  async function storeDelivery(rawBody: Uint8Array<ArrayBuffer>): Promise<IngestionOutcome> {
    const parsed = await parseWebhook(rawBody);
    return options.sql.begin(async (transaction) => {
      const tx = transaction as unknown as Sql;
      const envelope = parsed.kind === "valid" ? parsed.envelope : undefined;
      const partial = envelope ?? shopFieldsOf(rawBody);
      // The unique dedupe key makes concurrent copies of one delivery wait for the first, then find it.
      const [inbox] = await tx<{ id: string }[]>`
        insert into public.webhook_inbox (dedupe_key, notification_type, shop_id, raw_body, status)
        values (${parsed.dedupeKey}, ${envelope?.type ?? null}, ${partial.shop_id ?? null}, ${rawBody}, 'processed')
        on conflict (dedupe_key) do nothing
        returning id`;
      if (!inbox) return { status: 200, result: "duplicate" } as const;

      const creatorId = await creatorOfShop(tx, partial.shop_id, partial.seller_open_id);
      const finish = async (status: InboxStatus, eventIds: string[], reason?: string) => {
        await tx`update public.webhook_inbox set status = ${status}, creator_id = ${creatorId}, event_ids = ${eventIds}::uuid[],
                 reason = ${reason ?? null} where id = ${inbox.id}`;
        return { status: 200, result: status, inboxId: inbox.id, eventIds } as const;
      };

      if (parsed.kind === "unprocessable") {
        // Retries cannot fix a body TikTok signed as it is: keep it, say so, answer 200.
        const eventIds = creatorId ? await recordSyncFailure(tx, creatorId, parsed.reason, parsed.dedupeKey) : [];
        return finish("unprocessable", eventIds, parsed.reason);
      }
      if (!creatorId) return finish("unlinked_shop", [], `no creator is linked to shop ${partial.shop_id ?? partial.seller_open_id}`);
      if (envelope!.topic === "unknown") return finish("ignored", [], `type ${envelope!.type} is not acted on`);

      const orderId = orderIdOfWebhook(envelope!);
      const store = createEventStore({ sql: tx });
      let lastApplied: AppliedOrderStatus | undefined;
      let orderVersion = 0;
      if (orderId) {
        const history = await store.readStream(orderAggregateId(orderId));
        lastApplied = history.reduce<AppliedOrderStatus | undefined>(evolveAppliedOrderStatus, undefined);
        orderVersion = history.length ? history[history.length - 1].version : 0;
      }
      const mapped = mapWebhookToEvents(envelope!, lastApplied);
      if (mapped.length === 0) return finish(orderId ? "stale" : "ignored", []);

      const eventIds: string[] = [];
      const correlationId = crypto.randomUUID();
      for (const [aggregateId, events] of groupByAggregate(mapped)) {
        const isOrder = aggregateId === (orderId && orderAggregateId(orderId));
        const result = await store.appendToStream({
          creatorId,
          aggregateId,
          aggregateType: events[0].aggregateType,
          // The order's version as read above: a concurrent delivery for the same order retries from scratch.
          expectedVersion: isOrder ? (orderVersion === 0 ? "no_stream" : orderVersion) : "any",
          events: events.map((event) => ({
            type: event.type,
            data: event.data,
            metadata: { source: "tiktok_webhook", correlation_id: correlationId, request_id: parsed.dedupeKey },
          })),
        });
        eventIds.push(...result.events.map((event) => event.id));
      }
      return finish("processed", eventIds);
    });
  }

  async function recordSyncFailure(tx: Sql, creatorId: string, reason: string, dedupeKey: string): Promise<string[]> {
    const result = await createEventStore({ sql: tx }).appendToStream({
      creatorId,
      aggregateId: `system-${creatorId}`,
      aggregateType: "system",
      events: [{ type: "system.sync_failure_detected", data: { source: "tiktok_webhook", reason, reference: dedupeKey.slice(0, 200) } }],
    });
    return result.events.map((event) => event.id);
  }

  /** Accepts one delivery. Only a committed delivery is answered 200; anything that fails to store gets 503 so TikTok retries. */
  return async function ingest(rawBody: Uint8Array<ArrayBuffer>, authorization: string | null): Promise<IngestionOutcome> {
    if (!(await verify(rawBody, authorization))) return { status: 401, result: "invalid_signature" };
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await storeDelivery(rawBody);
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < MAX_CONCURRENCY_RETRIES) continue;
        return { status: 503, result: "unavailable", error };
      }
    }
  };
}

function groupByAggregate(events: DomainEventToAppend[]): Map<string, DomainEventToAppend[]> {
  const groups = new Map<string, DomainEventToAppend[]>();
  for (const event of events) groups.set(event.aggregateId, [...(groups.get(event.aggregateId) ?? []), event]);
  return groups;
}

/** Shop fields of a body that failed validation, to attribute it to a creator if possible. */
function shopFieldsOf(rawBody: Uint8Array): Pick<WebhookEnvelope, "shop_id" | "seller_open_id"> {
  try {
    const json = JSON.parse(new TextDecoder().decode(rawBody)) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" && value.length <= 64 ? value : undefined);
    return { shop_id: text(json.shop_id), seller_open_id: text(json.seller_open_id) };
  } catch {
    return {};
  }
}
