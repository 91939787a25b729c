// Accepting a Shopify webhook, in the same inbox discipline as TikTok's: verify the HMAC
// over the raw bytes (nothing is stored when it fails), key the delivery by Shopify's
// X-Shopify-Webhook-Id (a retry stores nothing new), decide what it becomes, and store the
// inbox row with its events in one group commit, answering 200 only once that committed.
// Shopify allows 5 s for an answer; the store gives up after 2.5 s and answers 503, so
// Shopify retries, and nothing accepted is ever lost. Runtime-agnostic: Edge Function and tests.
import type { Sql } from "postgres";
import { createEventStore, EventValidationError, type EventStore } from "../event-store/index.ts";
import type { EventOrigin } from "../event-catalogue.ts";
import { orderAggregateId } from "../orders/events.ts";
import { createShopifyWebhookVerifier } from "../channels/shopify/hmac-base64.ts";
import { parseShopifyWebhook, type ParsedShopifyWebhook } from "../channels/shopify/webhook-payloads.ts";
import {
  evolveKnownChannelOrder,
  mapShopifyInventoryLevel,
  mapShopifyOrder,
  mapShopifyUninstalled,
  shopifyOrderId,
  type ChannelEventToAppend,
} from "../channels/shopify/webhook-mapping.ts";
import { sha256Hex } from "../channels/tiktok-shop/hmac-sha256.ts";
import { createGroupCommit } from "../group-commit.ts";
import { isCausedByData, storeWebhookDeliveries, type DeliveryToStore, type StoreOutcome } from "./webhook-delivery-store.ts";
import { answerOnceStored, appendsByStream, eventIdsOf, keepAsUnprocessable, MAX_CONCURRENCY_RETRIES, unprocessableDecision, unstorableReason, type DeliveryDecision, type WebhookIngestionOutcome } from "./delivery-decision.ts";

export const MAX_SHOPIFY_WEBHOOK_BYTES = 1024 * 1024;
export const SHOPIFY_WEBHOOK_SOURCE = "shopify_webhook";
export type ShopifyIngestionOutcome = WebhookIngestionOutcome;

interface ShopOwner {
  creatorId: string;
  connected: boolean;
}

export interface ShopifyWebhookIngestionOptions {
  sql: Sql;
  clientSecret: string;
  now?: () => number;
}

/** What deciding and storing a delivery needs, built once per ingestion. */
interface ShopifyIngestion {
  sql: Sql;
  store: EventStore;
  /** Into the next group commit; settles once its batch has committed. */
  submit(delivery: DeliveryToStore): Promise<StoreOutcome>;
}

export function createShopifyWebhookIngestion(options: ShopifyWebhookIngestionOptions) {
  const verify = createShopifyWebhookVerifier(options.clientSecret);
  const now = options.now ?? (() => Date.now());
  const deliveries = createGroupCommit<DeliveryToStore, StoreOutcome>({
    maxBatchSize: 64,
    maxWaitMs: 5,
    maxConcurrentCommits: 2,
    commit: (batch) => storeWebhookDeliveries(options.sql, batch),
  });
  const ingestion: ShopifyIngestion = { sql: options.sql, store: createEventStore({ sql: options.sql }), submit: (delivery) => deliveries.submit(delivery) };

  /** Accepts one delivery. Only a committed delivery is answered 200; anything that fails to store gets 503 so Shopify retries. */
  return async function ingest(rawBody: Uint8Array<ArrayBuffer>, headers: Headers, receivedAt = new Date(now())): Promise<ShopifyIngestionOutcome> {
    if (!(await verify(rawBody, headers.get("x-shopify-hmac-sha256")))) return { status: 401, result: "invalid_signature" };
    const parsed = parseShopifyWebhook(headers, rawBody, `sha256:${await sha256Hex(rawBody)}`);
    return answerOnceStored(() => storeDelivery(ingestion, rawBody, parsed, receivedAt));
  };
}

async function ownerOf(sql: Sql, shopDomain: string | undefined): Promise<ShopOwner | null> {
  if (!shopDomain) return null;
  const [shop] = await sql<{ creator_id: string; connection_status: string }[]>`
    select creator_id, connection_status from public.shopify_shops where shop_domain = ${shopDomain}`;
  return shop ? { creatorId: shop.creator_id, connected: shop.connection_status === "connected" } : null;
}

async function skuOfInventoryItem(sql: Sql, shopDomain: string, inventoryItemId: string): Promise<string | null> {
  const [row] = await sql<{ sku_id: string }[]>`
    select sku_id from public.shopify_inventory_items where shop_domain = ${shopDomain} and inventory_item_id = ${inventoryItemId}`;
  return row?.sku_id ?? null;
}

/** What the delivery becomes; an order's append names the version its decision was made at. */
async function decide(ingestion: ShopifyIngestion, parsed: ParsedShopifyWebhook, owner: ShopOwner | null, receivedAt: Date): Promise<DeliveryDecision> {
  if (parsed.kind === "unprocessable") return unprocessable(parsed.reason, dedupeKeyOf(parsed), owner);
  if (!owner) return { status: "unlinked_shop", reason: `no creator is linked to Shopify store ${parsed.shopDomain}`, appends: [] };
  const { webhook, shopDomain } = parsed;
  const appendsFor = (events: ChannelEventToAppend[], expectedFor?: { aggregateId: string; expected: string }) =>
    appendsByStream(events, owner.creatorId, shopifyWebhookOrigin(dedupeKeyOf(parsed), crypto.randomUUID()), expectedFor);
  switch (webhook.kind) {
    case "ignored":
      return { status: "ignored", reason: `topic ${webhook.topic} is not acted on`, appends: [] };
    case "uninstalled":
      return { status: "processed", appends: appendsFor(mapShopifyUninstalled(shopDomain, parsed.triggeredAt ?? receivedAt.toISOString())) };
    case "inventory_level": {
      const skuId = await skuOfInventoryItem(ingestion.sql, shopDomain, webhook.level.inventory_item_id);
      if (!skuId) return { status: "ignored", reason: `inventory item ${webhook.level.inventory_item_id} is linked to no SKU`, appends: [] };
      const events = mapShopifyInventoryLevel(webhook.level, shopDomain, skuId);
      return events.length === 0 ? { status: "ignored", reason: "the item's stock is not tracked", appends: [] } : { status: "processed", appends: appendsFor(events) };
    }
    case "order": {
      const aggregateId = orderAggregateId(shopifyOrderId(webhook.order.id));
      const history = await ingestion.store.readStream(aggregateId);
      const known = history.reduce(evolveKnownChannelOrder, { received: false, cancelled: false });
      const expected = history.length === 0 ? "no_stream" : String(history[history.length - 1].version);
      const events = mapShopifyOrder(webhook.order, shopDomain, known);
      if (events.length === 0) {
        const reason = known.received ? undefined : "no line item names a SKU";
        return { status: known.received ? "stale" : "ignored", ...(reason ? { reason } : {}), appends: [] };
      }
      return { status: "processed", appends: appendsFor(events, { aggregateId, expected }) };
    }
  }
}

async function decideChecked(ingestion: ShopifyIngestion, parsed: ParsedShopifyWebhook, owner: ShopOwner | null, receivedAt: Date): Promise<DeliveryDecision> {
  try {
    return await decide(ingestion, parsed, owner, receivedAt);
  } catch (error) {
    // Values the catalogue refuses (an absurd quantity, an amount with too many decimals): Shopify's retries cannot fix them.
    if (!(error instanceof EventValidationError) && !(error instanceof RangeError)) throw error;
    return unprocessable(`its events were refused: ${error.message}`.slice(0, 500), dedupeKeyOf(parsed), owner);
  }
}

async function storeDelivery(ingestion: ShopifyIngestion, rawBody: Uint8Array<ArrayBuffer>, parsed: ParsedShopifyWebhook, receivedAt: Date): Promise<ShopifyIngestionOutcome> {
  const owner = await ownerOf(ingestion.sql, parsed.shopDomain);
  for (let attempt = 1; ; attempt += 1) {
    const decision = await decideChecked(ingestion, parsed, owner, receivedAt);
    const stored = await ingestion.submit(toStore(dedupeKeyOf(parsed), parsed.shopDomain ?? null, owner, rawBody, decision, receivedAt));
    switch (stored.outcome) {
      case "stored":
        if (parsed.kind === "valid" && parsed.webhook.kind === "uninstalled") await markUninstalled(ingestion.sql, parsed.shopDomain);
        return { status: 200, result: decision.status, inboxId: stored.inboxId, eventIds: eventIdsOf(decision.appends) };
      case "wrong_tenant":
        return { status: 200, result: "unprocessable", inboxId: stored.inboxId, eventIds: [] };
      case "duplicate":
        return { status: 200, result: "duplicate" };
      case "failed": {
        // Postgres refused a value as parsed: keep the raw bytes under their hash, as unprocessable.
        if (!isCausedByData(stored.error)) throw stored.error;
        const reason = unstorableReason(stored.error);
        const key = `shopify:sha256:${await sha256Hex(rawBody)}`;
        return keepAsUnprocessable(ingestion.sql, toStore(key, null, owner, rawBody, unprocessable(reason, key, owner), receivedAt), []);
      }
      case "conflict":
        if (attempt >= MAX_CONCURRENCY_RETRIES) throw new Error(`delivery ${dedupeKeyOf(parsed)} still conflicts after ${attempt} attempts`);
    }
  }
}

/** No more calls or stock writes go to a store that removed the app; the event above is the record of it. */
async function markUninstalled(sql: Sql, shopDomain: string): Promise<void> {
  await sql`
    update public.shopify_shops set connection_status = 'uninstalled', uninstalled_at = now(), access_token_sealed = null
     where shop_domain = ${shopDomain} and connection_status = 'connected'`;
}

const dedupeKeyOf = (parsed: ParsedShopifyWebhook) => `shopify:${parsed.webhookId}`;

function toStore(dedupeKey: string, shopDomain: string | null, owner: ShopOwner | null, rawBody: Uint8Array, decision: DeliveryDecision, receivedAt: Date): DeliveryToStore {
  return {
    dedupeKey,
    notificationType: null,
    shopId: shopDomain,
    creatorId: owner?.creatorId ?? null,
    rawBody,
    status: decision.status,
    reason: decision.reason ?? null,
    appends: decision.appends,
    requestReceivedAt: receivedAt,
  };
}

/** Retries cannot fix a body Shopify signed as it is: keep it, say so (a sync failure for its creator), answer 200. */
function unprocessable(reason: string, dedupeKey: string, owner: ShopOwner | null): DeliveryDecision {
  return unprocessableDecision(reason, { creatorId: owner?.creatorId ?? null, metadata: shopifyWebhookOrigin(dedupeKey), source: SHOPIFY_WEBHOOK_SOURCE, reference: dedupeKey });
}

/** Where a Shopify delivery's events came from: the delivery, named by its inbox key. */
function shopifyWebhookOrigin(dedupeKey: string, correlationId?: string): EventOrigin {
  return { source: SHOPIFY_WEBHOOK_SOURCE, request_id: dedupeKey, idempotency_key: dedupeKey, ...(correlationId ? { correlation_id: correlationId } : {}) };
}
