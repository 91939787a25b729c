// Accepting a TikTok Shop webhook: verify the signature over the raw bytes, decide what
// the delivery becomes (its inbox status and the events it maps to), then store it with
// the deliveries that arrived alongside it: one transaction per batch (group commit), each
// delivery answered only once that batch has committed, with its own outcome.
// Runtime-agnostic: the Edge Function (Deno) and tests (Node) call the same code.
import type { Sql } from "postgres";
import { createEventStore, EventValidationError, type EventStore } from "../event-store/index.ts";
import { isStorableText } from "../storable-text.ts";
import { parseWebhook, type ParsedWebhook, type WebhookEnvelope } from "../channels/tiktok-shop/webhook-envelope.ts";
import { appliedOrderStatusAfter, evolveAppliedOrderStatus, mapWebhookToEvents, orderIdOfWebhook } from "../channels/tiktok-shop/webhook-mapping.ts";
import { createWebhookVerifier } from "../channels/tiktok-shop/webhook-signature.ts";
import { orderAggregateId } from "../orders/events.ts";
import { sha256Hex } from "../channels/tiktok-shop/hmac-sha256.ts";
import { inSpan } from "../tracing.ts";
import { createGroupCommit } from "../group-commit.ts";
import { createOrderStatusCache, type KnownOrderStatus, type OrderStatusCache } from "./order-status-cache.ts";
import { TIKTOK_WEBHOOK_SOURCE, webhookEventMetadata, type WebhookDelivery } from "./webhook-delivery.ts";
import { isCausedByData, storeWebhookDeliveries, type DeliveryToStore, type StoreOutcome } from "./webhook-delivery-store.ts";
import { answerOnceStored, appendsByStream, eventIdsOf, keepAsUnprocessable, MAX_CONCURRENCY_RETRIES, unprocessableDecision, unstorableReason, type DeliveryDecision, type WebhookIngestionOutcome } from "./delivery-decision.ts";

export type { InboxStatus } from "./webhook-delivery-store.ts";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
const SHOP_CACHE_MS = 60_000;

/** How deliveries are grouped; the defaults suit one Edge Function instance on a small database. */
export interface GroupCommitSettings {
  maxBatchSize: number;
  maxWaitMs: number;
  maxConcurrentCommits: number;
}
const defaultGroupCommit: GroupCommitSettings = { maxBatchSize: 64, maxWaitMs: 5, maxConcurrentCommits: 2 };

export type IngestionOutcome = WebhookIngestionOutcome;

interface TikTokDeliveryDecision extends DeliveryDecision {
  /** The order this decision was made for and what it leaves the order at, to remember once stored. */
  order?: { orderId: string; after: KnownOrderStatus };
}

export interface TikTokWebhookIngestionOptions {
  sql: Sql;
  appKey: string;
  appSecret: string;
  now?: () => number;
  groupCommit?: Partial<GroupCommitSettings>;
  /** How many recent orders' last applied status to remember (saves a stream read per follow-up delivery). */
  orderStatusCacheSize?: number;
}

/** What deciding and storing a delivery needs, built once per ingestion. */
interface TikTokIngestion {
  sql: Sql;
  now: () => number;
  store: EventStore;
  orderStatuses: OrderStatusCache;
  creatorOfShop(shopId: string | undefined, sellerOpenId: string | undefined): Promise<string | null>;
  /** Into the next group commit; settles once its batch has committed. */
  submit(delivery: DeliveryToStore): Promise<StoreOutcome>;
}

export function createTikTokWebhookIngestion(options: TikTokWebhookIngestionOptions) {
  const verify = createWebhookVerifier({ appKey: options.appKey, appSecret: options.appSecret });
  const now = options.now ?? (() => Date.now());
  const deliveries = createGroupCommit<DeliveryToStore, StoreOutcome>({
    ...defaultGroupCommit,
    ...options.groupCommit,
    commit: (batch) => storeWebhookDeliveries(options.sql, batch),
  });
  const ingestion: TikTokIngestion = {
    sql: options.sql,
    now,
    store: createEventStore({ sql: options.sql }),
    orderStatuses: createOrderStatusCache(options.orderStatusCacheSize ?? 10_000),
    creatorOfShop: createShopCreatorLookup(options.sql, now),
    submit: (delivery) => deliveries.submit(delivery),
  };

  /** Accepts one delivery. Only a committed delivery is answered 200; anything that fails to store gets 503 so TikTok retries. */
  async function ingest(rawBody: Uint8Array<ArrayBuffer>, authorization: string | null, requestReceivedAt = new Date(now())): Promise<IngestionOutcome> {
    if (!(await verify(rawBody, authorization))) return { status: 401, result: "invalid_signature" };
    const parsed = await parseWebhook(rawBody);
    // "Stored" in the delivery's trace: the span its events name as their parent, so each consumer's work and realtime delta hangs under it.
    return answerOnceStored(() =>
      inSpan("store webhook delivery", { "creatorflow.webhook.topic": parsed.kind === "valid" ? parsed.envelope.topic : "unprocessable" }, async (span) => {
        const outcome = await storeDelivery(ingestion, rawBody, parsed, requestReceivedAt);
        span.setAttribute("creatorflow.webhook.outcome", outcome.result);
        return outcome;
      }),
    );
  }

  return Object.assign(ingest, { replayUnlinked: (shopId: string) => replayUnlinked(ingestion, shopId) });
}

/** The creator a shop is linked to. Shops are linked once and rarely change; a short cache saves a query per delivery. */
function createShopCreatorLookup(sql: Sql, now: () => number): TikTokIngestion["creatorOfShop"] {
  const shopCache = new Map<string, { creatorId: string | null; until: number }>();
  return async function creatorOfShop(shopId, sellerOpenId) {
    const cacheKey = `${shopId ?? ""}|${sellerOpenId ?? ""}`;
    const cached = shopCache.get(cacheKey);
    if (cached && cached.until > now()) return cached.creatorId;
    const [shop] = await sql<{ creator_id: string }[]>`
      select creator_id from public.tiktok_shops
       where shop_id = ${shopId ?? null} or (${sellerOpenId ?? null}::text is not null and seller_open_id = ${sellerOpenId ?? null})
       limit 1`;
    const creatorId = shop?.creator_id ?? null;
    // Unlinked shops are not cached, so linking a shop takes effect on the next delivery.
    if (creatorId) shopCache.set(cacheKey, { creatorId, until: now() + SHOP_CACHE_MS });
    return creatorId;
  };
}

async function readOrderStatus(store: EventStore, orderId: string): Promise<KnownOrderStatus> {
  const history = await store.readStream(orderAggregateId(orderId));
  return {
    lastApplied: history.reduce(evolveAppliedOrderStatus, undefined),
    version: history.length ? history[history.length - 1].version : 0,
  };
}

/**
 * What the delivery becomes: its inbox status and the appends it maps to (validated here,
 * before any write). With `trustCache`, an order's status comes from the cache, and an
 * order not in it is taken to be new; either guess is checked by the store (the order's
 * append, or a stale decision's version check, names the version it was made at), and a
 * conflict brings the caller back here without the cache.
 */
async function decideDelivery(ingestion: TikTokIngestion, parsed: ParsedWebhook, creatorId: string | null, shopLabel: string | undefined, trustCache: boolean, receivedAt: Date | null): Promise<TikTokDeliveryDecision> {
  const delivery: WebhookDelivery = {
    dedupeKey: parsed.dedupeKey,
    correlationId: crypto.randomUUID(),
    ...(receivedAt ? { processingTimeMs: Math.max(0, ingestion.now() - receivedAt.getTime()) } : {}),
  };
  try {
    return await decideMapped(ingestion, parsed, creatorId, shopLabel, trustCache, delivery);
  } catch (error) {
    // An event the catalogue refuses (a quantity no read model could hold): retries cannot fix what TikTok signed.
    if (!(error instanceof EventValidationError)) throw error;
    return unprocessable(`its events were refused: ${error.message}`.slice(0, 500), delivery, creatorId);
  }
}

async function decideMapped(ingestion: TikTokIngestion, parsed: ParsedWebhook, creatorId: string | null, shopLabel: string | undefined, trustCache: boolean, delivery: WebhookDelivery): Promise<TikTokDeliveryDecision> {
  if (parsed.kind === "unprocessable") return unprocessable(parsed.reason, delivery, creatorId);
  const envelope = parsed.envelope;
  if (!creatorId) return { status: "unlinked_shop", reason: `no creator is linked to shop ${shopLabel}`, appends: [] };
  if (envelope.topic === "unknown") return { status: "ignored", reason: `type ${envelope.type} is not acted on`, appends: [] };

  const orderId = orderIdOfWebhook(envelope);
  if (!orderId) {
    const mapped = mapWebhookToEvents(envelope, undefined);
    return mapped.length === 0 ? { status: "ignored", appends: [] } : { status: "processed", appends: appendsByStream(mapped, creatorId, webhookEventMetadata(delivery)) };
  }
  const cached = trustCache ? ingestion.orderStatuses.get(orderId) : undefined;
  let known = cached ?? (trustCache ? { lastApplied: undefined, version: 0 } : await readOrderStatus(ingestion.store, orderId));
  let mapped = mapWebhookToEvents(envelope, known.lastApplied);
  if (mapped.length === 0 && trustCache && cached === undefined) {
    // "New order" was a guess; a delivery it would record nothing for is decided on the real stream.
    known = await readOrderStatus(ingestion.store, orderId);
    mapped = mapWebhookToEvents(envelope, known.lastApplied);
  }
  const order = { aggregateId: orderAggregateId(orderId), expected: known.version === 0 ? "no_stream" : String(known.version) };
  if (mapped.length === 0) {
    return { status: "stale", appends: [{ aggregate_id: order.aggregateId, expected: order.expected, aggregate_type: "order", events: [] }], order: { orderId, after: known } };
  }
  const orderEvents = mapped.filter((event) => event.aggregateId === order.aggregateId).length;
  const after = { lastApplied: appliedOrderStatusAfter(known.lastApplied, mapped), version: known.version + orderEvents };
  return { status: "processed", appends: appendsByStream(mapped, creatorId, webhookEventMetadata(delivery), order), order: { orderId, after } };
}

/** Verified delivery → stored (or refused) in the next group commit, deciding again after a conflict. */
async function storeDelivery(ingestion: TikTokIngestion, rawBody: Uint8Array<ArrayBuffer>, parsed: ParsedWebhook, requestReceivedAt: Date): Promise<IngestionOutcome> {
  const envelope = parsed.kind === "valid" ? parsed.envelope : undefined;
  const shop = envelope ?? shopFieldsOf(rawBody);
  const creatorId = await ingestion.creatorOfShop(shop.shop_id, shop.seller_open_id);
  const { orderStatuses } = ingestion;
  for (let attempt = 1; ; attempt += 1) {
    const decision = await decideDelivery(ingestion, parsed, creatorId, shop.shop_id ?? shop.seller_open_id, attempt === 1, requestReceivedAt);
    const stored = await ingestion.submit({
      dedupeKey: parsed.dedupeKey,
      notificationType: envelope?.type ?? null,
      shopId: shop.shop_id ?? null,
      creatorId,
      rawBody,
      status: decision.status,
      reason: decision.reason ?? null,
      appends: decision.appends,
      requestReceivedAt,
    });
    switch (stored.outcome) {
      case "stored":
        if (decision.order) orderStatuses.set(decision.order.orderId, decision.order.after);
        return { status: 200, result: decision.status, inboxId: stored.inboxId, eventIds: eventIdsOf(decision.appends) };
      case "wrong_tenant":
        // The order's stream belongs to another creator: kept as unprocessable for a person to look at.
        if (decision.order) orderStatuses.forget(decision.order.orderId);
        return { status: 200, result: "unprocessable", inboxId: stored.inboxId, eventIds: [] };
      case "duplicate":
        return { status: 200, result: "duplicate" };
      case "failed":
        // Postgres refused a value of this delivery as parsed: keep its raw bytes (bytea takes anything) under a key of its bytes.
        if (!isCausedByData(stored.error)) throw stored.error;
        return storeAsUnstorable(ingestion, rawBody, creatorId, stored.error, requestReceivedAt);
      case "conflict":
        if (decision.order) orderStatuses.forget(decision.order.orderId);
        if (attempt >= MAX_CONCURRENCY_RETRIES) throw new Error(`delivery ${parsed.dedupeKey} still conflicts after ${attempt} attempts`);
    }
  }
}

async function storeAsUnstorable(ingestion: TikTokIngestion, rawBody: Uint8Array<ArrayBuffer>, creatorId: string | null, error: unknown, requestReceivedAt: Date): Promise<IngestionOutcome> {
  const dedupeKey = `sha256:${await sha256Hex(rawBody)}`;
  const reason = unstorableReason(error);
  const decision = unprocessable(reason, { dedupeKey, correlationId: crypto.randomUUID(), processingTimeMs: Math.max(0, ingestion.now() - requestReceivedAt.getTime()) }, creatorId);
  return keepAsUnprocessable(
    ingestion.sql,
    { dedupeKey, notificationType: null, shopId: null, creatorId, rawBody, status: "unprocessable", reason, appends: decision.appends, requestReceivedAt },
    eventIdsOf(decision.appends),
  );
}

/**
 * Decides again, now that their shop is linked, the deliveries kept as unlinked_shop for
 * it: the inbox row takes the new outcome and its events are appended, in one
 * transaction, exactly as if the delivery had arrived now. Returns how many were replayed.
 */
async function replayUnlinked(ingestion: TikTokIngestion, shopId: string): Promise<number> {
  const { sql } = ingestion;
  const creatorId = await ingestion.creatorOfShop(shopId, undefined);
  if (!creatorId) return 0;
  const rows = await sql<{ id: string; raw_body: Uint8Array }[]>`
    select id, raw_body from public.webhook_inbox where shop_id = ${shopId} and status = 'unlinked_shop' order by received_at, id`;
  let replayed = 0;
  for (const row of rows) {
    const parsed = await parseWebhook(new Uint8Array(row.raw_body));
    for (let attempt = 1; ; attempt += 1) {
      const decision = await decideDelivery(ingestion, parsed, creatorId, shopId, false, null);
      // append_to_stream takes only appends with events; a version check alone is the batch store's.
      const appends = decision.appends.filter((append) => append.events.length > 0);
      try {
        const [result] = await sql<{ replayed: boolean }[]>`
          select public.replay_webhook_delivery(${row.id}::uuid, ${creatorId}::uuid, ${decision.status}, ${decision.reason ?? null},
                                                ${sql.json(appends as never)}::jsonb) as replayed`;
        if (result.replayed) replayed += 1;
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== "CF409" || attempt >= MAX_CONCURRENCY_RETRIES) throw error;
      }
    }
  }
  return replayed;
}

/** Retries cannot fix a body TikTok signed as it is: keep it, say so (a sync failure for its creator), answer 200. */
function unprocessable(reason: string, delivery: WebhookDelivery, creatorId: string | null): DeliveryDecision {
  return unprocessableDecision(reason, { creatorId, metadata: webhookEventMetadata(delivery), source: TIKTOK_WEBHOOK_SOURCE, reference: delivery.dedupeKey });
}

/** Shop fields of a body that failed validation, to attribute it to a creator if possible. */
function shopFieldsOf(rawBody: Uint8Array): Pick<WebhookEnvelope, "shop_id" | "seller_open_id"> {
  try {
    const json = JSON.parse(new TextDecoder().decode(rawBody)) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" && value.length <= 64 && isStorableText(value) ? value : undefined);
    return { shop_id: text(json.shop_id), seller_open_id: text(json.seller_open_id) };
  } catch {
    return {};
  }
}
