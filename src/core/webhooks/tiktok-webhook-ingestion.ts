// Accepting a TikTok Shop webhook: verify the signature over the raw bytes, keep the
// delivery in the inbox and append the events it maps to, in one statement (one
// transaction, one round trip), and answer only once that has committed. Runtime-agnostic: the Edge Function (Deno) and
// tests (Node) call the same code.
import type { Sql } from "postgres";
import { createEventStore, toAppendRows } from "../event-store/index.ts";
import { parseWebhook, type ParsedWebhook, type WebhookEnvelope } from "../tiktok/webhook-envelope.ts";
import { evolveAppliedOrderStatus, mapWebhookToEvents, orderIdOfWebhook, type DomainEventToAppend } from "../tiktok/webhook-mapping.ts";
import { createWebhookVerifier } from "../tiktok/webhook-signature.ts";
import { orderAggregateId } from "../orders/events.ts";
import type { AppliedOrderStatus } from "../tiktok/order-status.ts";
import { webhookEventMetadata } from "./webhook-delivery.ts";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
const MAX_CONCURRENCY_RETRIES = 5;
const SHOP_CACHE_MS = 60_000;

export type InboxStatus = "processed" | "ignored" | "stale" | "unprocessable" | "unlinked_shop";

export type IngestionOutcome =
  | { status: 401; result: "invalid_signature" }
  | { status: 200; result: "duplicate" }
  | { status: 200; result: InboxStatus; inboxId: string; eventIds: string[] }
  | { status: 503; result: "unavailable"; error: unknown };

interface DeliveryDecision {
  status: InboxStatus;
  reason?: string;
  appends: { aggregate_id: string; aggregate_type: string; expected: string; events: ReturnType<typeof toAppendRows> }[];
}

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
  const store = createEventStore({ sql: options.sql });

  async function creatorOfShop(shopId: string | undefined, sellerOpenId: string | undefined): Promise<string | null> {
    const cacheKey = `${shopId ?? ""}|${sellerOpenId ?? ""}`;
    const cached = shopCache.get(cacheKey);
    if (cached && cached.until > now()) return cached.creatorId;
    const [shop] = await options.sql<{ creator_id: string }[]>`
      select creator_id from public.tiktok_shops
       where shop_id = ${shopId ?? null} or (${sellerOpenId ?? null}::text is not null and seller_open_id = ${sellerOpenId ?? null})
       limit 1`;
    const creatorId = shop?.creator_id ?? null;
    // Unlinked shops are not cached, so linking a shop takes effect on the next delivery.
    if (creatorId) shopCache.set(cacheKey, { creatorId, until: now() + SHOP_CACHE_MS });
    return creatorId;
  }

  /** What the delivery becomes: its inbox status and the appends it maps to (validated here, before any write). */
  async function decideDelivery(parsed: ParsedWebhook, creatorId: string | null, shopLabel: string | undefined): Promise<DeliveryDecision> {
    if (parsed.kind === "unprocessable") {
      // Retries cannot fix a body TikTok signed as it is: keep it, say so, answer 200.
      const appends = creatorId
        ? [{
            aggregate_id: `system-${creatorId}`,
            aggregate_type: "system",
            expected: "any",
            events: toAppendRows([{ type: "system.sync_failure_detected", data: { source: "tiktok_webhook", reason: parsed.reason, reference: parsed.dedupeKey.slice(0, 200) } }]),
          }]
        : [];
      return { status: "unprocessable", reason: parsed.reason, appends };
    }
    const envelope = parsed.envelope;
    if (!creatorId) return { status: "unlinked_shop", reason: `no creator is linked to shop ${shopLabel}`, appends: [] };
    if (envelope.topic === "unknown") return { status: "ignored", reason: `type ${envelope.type} is not acted on`, appends: [] };

    const orderId = orderIdOfWebhook(envelope);
    let lastApplied: AppliedOrderStatus | undefined;
    let orderVersion = 0;
    if (orderId) {
      const history = await store.readStream(orderAggregateId(orderId));
      lastApplied = history.reduce<AppliedOrderStatus | undefined>(evolveAppliedOrderStatus, undefined);
      orderVersion = history.length ? history[history.length - 1].version : 0;
    }
    const mapped = mapWebhookToEvents(envelope, lastApplied);
    if (mapped.length === 0) return { status: orderId ? "stale" : "ignored", appends: [] };

    const correlationId = crypto.randomUUID();
    const appends = [...groupByAggregate(mapped)].map(([aggregateId, events]) => ({
      aggregate_id: aggregateId,
      aggregate_type: events[0].aggregateType,
      // The order's version as read above: a concurrent delivery for the same order makes this one start over.
      expected: orderId && aggregateId === orderAggregateId(orderId) ? (orderVersion === 0 ? "no_stream" : String(orderVersion)) : "any",
      events: toAppendRows(
        events.map((event) => ({ ...event, metadata: webhookEventMetadata(parsed.dedupeKey, correlationId) })),
      ),
    }));
    return { status: "processed", appends };
  }

  async function storeDelivery(rawBody: Uint8Array<ArrayBuffer>, parsed: ParsedWebhook, override?: DeliveryDecision): Promise<IngestionOutcome> {
    const envelope = parsed.kind === "valid" ? parsed.envelope : undefined;
    const shop = envelope ?? shopFieldsOf(rawBody);
    const creatorId = await creatorOfShop(shop.shop_id, shop.seller_open_id);
    const decision = override ?? (await decideDelivery(parsed, creatorId, shop.shop_id ?? shop.seller_open_id));
    // One round trip: inbox row, appends and outcome commit together or not at all.
    const [row] = await options.sql<{ result: { duplicate: boolean; inbox_id?: string } }[]>`
      select public.store_webhook_delivery(
        ${parsed.dedupeKey}, ${envelope?.type ?? null}, ${shop.shop_id ?? null}, ${creatorId}::uuid, ${rawBody},
        ${decision.status}, ${decision.reason ?? null}, ${options.sql.json(decision.appends as never)}::jsonb) as result`;
    if (row.result.duplicate) return { status: 200, result: "duplicate" };
    const eventIds = decision.appends.flatMap((append) => append.events.map((event) => event.id));
    return { status: 200, result: decision.status, inboxId: row.result.inbox_id!, eventIds };
  }

  /**
   * Decides again, now that their shop is linked, the deliveries kept as unlinked_shop for
   * it: the inbox row takes the new outcome and its events are appended, in one
   * transaction, exactly as if the delivery had arrived now. Returns how many were replayed.
   */
  async function replayUnlinked(shopId: string): Promise<number> {
    const creatorId = await creatorOfShop(shopId, undefined);
    if (!creatorId) return 0;
    const rows = await options.sql<{ id: string; raw_body: Uint8Array }[]>`
      select id, raw_body from public.webhook_inbox where shop_id = ${shopId} and status = 'unlinked_shop' order by received_at, id`;
    let replayed = 0;
    for (const row of rows) {
      const parsed = await parseWebhook(new Uint8Array(row.raw_body));
      for (let attempt = 1; ; attempt += 1) {
        const decision = await decideDelivery(parsed, creatorId, shopId);
        try {
          const [result] = await options.sql<{ replayed: boolean }[]>`
            select public.replay_webhook_delivery(${row.id}::uuid, ${creatorId}::uuid, ${decision.status}, ${decision.reason ?? null},
                                                  ${options.sql.json(decision.appends as never)}::jsonb) as replayed`;
          if (result.replayed) replayed += 1;
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== "CF409" || attempt >= MAX_CONCURRENCY_RETRIES) throw error;
        }
      }
    }
    return replayed;
  }

  /** Accepts one delivery. Only a committed delivery is answered 200; anything that fails to store gets 503 so TikTok retries. */
  async function ingest(rawBody: Uint8Array<ArrayBuffer>, authorization: string | null): Promise<IngestionOutcome> {
    if (!(await verify(rawBody, authorization))) return { status: 401, result: "invalid_signature" };
    const parsed = await parseWebhook(rawBody);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await storeDelivery(rawBody, parsed);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "CF409" && attempt < MAX_CONCURRENCY_RETRIES) continue;
        if (code === "CF403") {
          // The order's stream belongs to another creator: keep the delivery for a person to look at.
          return storeDelivery(rawBody, parsed, { status: "unprocessable", reason: "order belongs to another creator's shop", appends: [] }).catch(
            (storeError: unknown) => ({ status: 503, result: "unavailable", error: storeError }) as const,
          );
        }
        return { status: 503, result: "unavailable", error };
      }
    }
  }

  return Object.assign(ingest, { replayUnlinked });
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
