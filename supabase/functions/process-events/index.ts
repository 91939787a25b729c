// POST /functions/v1/process-events?lane=live|fulfilment&shard=K&budget_ms=N - one call of one
// lane (and one shard of its consumers) of event consumers (see src/core/process-events.ts); without a lane, both at once.
// Woken through pg_net by the appends themselves (and by the pg_cron safety net), on
// hosted Supabase and locally alike; only with the service-role key.
import { chooseFulfilmentProviders, createFulfilmentProviders, createFulfilmentSaga, FULFILMENT_PROVIDERS_SETTING, resumeFulfilmentSagas } from "../../../src/core/fulfilment/index.ts";
import { watchSalesWhenDue } from "../../../src/core/analytics/sales-watch-job.ts";
import { recordHealthCheck } from "../../../src/core/health/health-checks.ts";
import { createChannelOrdersConsumer } from "../../../src/core/channels/channel-orders-consumer.ts";
import { createChannelStockOutboxConsumer } from "../../../src/core/channels/channel-stock-outbox-consumer.ts";
import { createShopifyChannel } from "../../../src/core/channels/shopify/channel-adapter.ts";
import { createShopifyStoreApi, createShopifyStoresListing, createShopifyStoresToReconcile } from "../../../src/core/channels/shopify/shopify-stores.ts";
import { createChannelOrderCancellationsConsumer } from "../../../src/core/channels/channel-order-cancellations-consumer.ts";
import { recoverChannelPushes } from "../../../src/core/channels/channel-push-recovery.ts";
import { createStockOutboxConsumer } from "../../../src/core/inventory/stock-outbox-consumer.ts";
import { createEventProcessing, isLaneName, LANES } from "../../../src/core/process-events.ts";
import { reconcileWhenDue } from "../../../src/core/shop-history/reconciliation-run.ts";
import { advanceShopImports } from "../../../src/core/shop-history/shop-import.ts";
import { createShopAuthorizationConsumer } from "../../../src/core/shops/shop-authorization-consumer.ts";
import { createShopClients } from "../../../src/core/channels/tiktok-shop/shop-clients.ts";
import { deliverQueuedPushes } from "../../../src/core/notifications/alert-push-outbox.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { connectDatabase, requiredEnv } from "../_shared/database.ts";
import { functionLogger } from "../_shared/log.ts";
import { vapidSettingsFromEnv, webPushSender } from "../_shared/web-push.ts";

const DEFAULT_BUDGET_MS = 5_000;
const MAX_BUDGET_MS = 25_000;
const MAX_SHARD = 63;

const log = functionLogger("process-events");
const sql = connectDatabase({ max: 8 });
// Unset means the local stack, whose TikTok Shop (API and auth) is the simulator.
const tiktokApiBaseUrl = Deno.env.get("TIKTOK_API_BASE_URL") ?? "http://127.0.0.1:54330";
const shopClients = createShopClients(sql, {
  baseUrl: tiktokApiBaseUrl,
  authBaseUrl: Deno.env.get("TIKTOK_AUTH_BASE_URL") ?? "http://127.0.0.1:54330",
  appKey: requiredEnv("TIKTOK_APP_KEY"),
  appSecret: requiredEnv("TIKTOK_APP_SECRET"),
  // Each seller's tokens come from tiktok_seller_credentials, sealed with this key. Unset,
  // every TikTok call fails saying so, and the projections carry on.
  tokenEncryptionKey: Deno.env.get("TIKTOK_TOKEN_ENCRYPTION_KEY") ?? "",
});
// TikTok's payment record and TikTok's shipping everywhere; the simulated carrier only where
// FULFILMENT_PROVIDERS=simulated (the local stack); elsewhere, orders the seller ships stop
// in needs_configuration (see src/core/fulfilment/provider-selection.ts and the README).
const providerChoice = chooseFulfilmentProviders({ providers: Deno.env.get(FULFILMENT_PROVIDERS_SETTING), tiktokApiBaseUrl });
for (const notice of providerChoice.notices) log.warn(`fulfilment: ${notice}`);
// Web Push for alerts (VAPID keys from the environment); unset, queued pushes wait.
const vapid = vapidSettingsFromEnv((name) => Deno.env.get(name));
if (!vapid) log.warn("push notifications: WEB_PUSH_VAPID_PUBLIC_KEY / WEB_PUSH_VAPID_PRIVATE_KEY not set, no pushes are sent");
const sendPush = vapid ? webPushSender(vapid) : null;
const fulfilment = {
  tiktok: shopClients.clientFor,
  ...createFulfilmentProviders(providerChoice, { tiktok: shopClients.clientFor }),
  now: () => new Date(),
};
// Shopify, the second channel. Without SHOPIFY_API_KEY no store can have been connected, so
// the channel's consumers have nothing to do; with it, stores' tokens are sealed with the
// same key as TikTok's. SHOPIFY_API_BASE_URL: where stores live locally (the simulator).
const shopifyChannel = createShopifyChannel({
  clientId: Deno.env.get("SHOPIFY_API_KEY") ?? "",
  clientSecret: Deno.env.get("SHOPIFY_API_SECRET") ?? "",
  apiBaseUrl: Deno.env.get("SHOPIFY_API_BASE_URL") || undefined,
});
const shopifyStoresToReconcile = createShopifyStoresToReconcile({ channel: shopifyChannel, tokenEncryptionKey: Deno.env.get("TIKTOK_TOKEN_ENCRYPTION_KEY") ?? "" });
const shopifyStoresListing = createShopifyStoresListing({ channel: shopifyChannel, tokenEncryptionKey: Deno.env.get("TIKTOK_TOKEN_ENCRYPTION_KEY") ?? "" });
const channelConsumers = [
  createChannelOrdersConsumer(),
  // An order the pool refused is cancelled on its store (refunded, the buyer told).
  createChannelOrderCancellationsConsumer({ storeApi: createShopifyStoreApi({ channel: shopifyChannel, tokenEncryptionKey: Deno.env.get("TIKTOK_TOKEN_ENCRYPTION_KEY") ?? "" }) }),
  createChannelStockOutboxConsumer({ shopsListing: shopifyStoresListing }),
];
const processing = createEventProcessing({
  sql,
  owner: `process-events-${crypto.randomUUID()}`,
  // FULFILMENT_SAGA=off: for shops fulfilled by another system (and to measure projections alone).
  fulfilmentConsumers: Deno.env.get("FULFILMENT_SAGA") === "off" ? [] : [createFulfilmentSaga(fulfilment)],
  shopAuthorizationConsumers: [createShopAuthorizationConsumer(shopClients)],
  // Local stock changes reach TikTok within seconds (a group of its own: never behind a saga).
  stockOutboxConsumers: [createStockOutboxConsumer({ clientFor: shopClients.clientFor })],
  channelConsumers,
  afterFulfilmentCall: async () => {
    // Alerts the live lane opened since (the outbox's insert woke this lane): pushed before the slower work below.
    if (sendPush) await deliverQueuedPushes({ sql, send: sendPush }).catch((error: unknown) => log.error("push delivery failed", { error }));
    await resumeFulfilmentSagas({ sql, ...fulfilment });
    // Pool changes a store missed through an outage longer than the retries: pushed again once it answers.
    await recoverChannelPushes({ sql, shopsListing: shopifyStoresListing }).catch((error: unknown) => log.error("channel push recovery failed", { error }));
    // At most once per window (idempotent by the window's start), so every call may call it.
    await recordHealthCheck({ sql, now: () => new Date(), consumers: processing.consumers.map(({ name, handles }) => ({ name, handles })) });
    // A SKU that stops selling sends no event: the sales watch judges every SKU against its forecast every ten minutes.
    await watchSalesWhenDue({ sql, now: () => new Date() }).catch((error: unknown) => log.error("sales watch failed", { error }));
    // A newly linked shop: its deliveries kept as unlinked_shop, then its history (a few pages per call; the next call goes on).
    await replayUnlinkedDeliveries().catch((error: unknown) => log.error("unlinked delivery replay failed", { error }));
    await advanceShopImports({ sql, readerFor: shopClients.clientFor, now: () => new Date(), maxPagesPerCall: 10 }).catch((error: unknown) =>
      log.error("shop import failed", { error }),
    );
    // Orders and stock against TikTok, and stock against every other channel's stores, at most once every five minutes across all callers or at once when an admin asks;
    // a failed run is kept in reconciliation_runs and must not stop processing.
    // Shopify's stores too: each SKU's count read through the adapter and compared with the pool.
    await reconcileWhenDue({ sql, readerFor: shopClients.clientFor, clientForShop: shopClients.clientFor, channelStoresFor: shopifyStoresToReconcile, now: () => new Date() }).catch((error: unknown) =>
      log.error("reconciliation failed", { error }),
    );
  },
});

const webhookIngestion = createTikTokWebhookIngestion({ sql, appKey: requiredEnv("TIKTOK_APP_KEY"), appSecret: requiredEnv("TIKTOK_APP_SECRET") });

async function replayUnlinkedDeliveries(): Promise<void> {
  const shops = await sql<{ shop_id: string }[]>`
    select distinct i.shop_id from public.webhook_inbox i join public.tiktok_shops s on s.shop_id = i.shop_id where i.status = 'unlinked_shop'`;
  for (const shop of shops) await webhookIngestion.replayUnlinked(shop.shop_id);
}

/** The gateway (or hosted Supabase) has verified the JWT's signature; this checks who it is. */
function isServiceRole(request: Request): boolean {
  const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  try {
    const segment = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const payload = JSON.parse(atob(segment.padEnd(Math.ceil(segment.length / 4) * 4, "=")));
    return payload.role === "service_role";
  } catch {
    return false;
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    if (!isServiceRole(request)) return Response.json({ error: "service role required" }, { status: 403 });
    const params = new URL(request.url).searchParams;
    const requested = Number(params.get("budget_ms") ?? DEFAULT_BUDGET_MS);
    const budgetMs = Number.isFinite(requested) && requested > 0 ? Math.min(requested, MAX_BUDGET_MS) : DEFAULT_BUDGET_MS;
    const lane = params.get("lane");
    if (lane !== null && !isLaneName(lane)) return Response.json({ error: `unknown lane; one of ${LANES.join(", ")}` }, { status: 400 });
    // Which shard of the lane's consumers this call serves (see src/core/processing/consumer-leases.ts).
    const shard = Number(params.get("shard") ?? 0);
    if (!Number.isInteger(shard) || shard < 0 || shard > MAX_SHARD) return Response.json({ error: `shard must be a whole number from 0 to ${MAX_SHARD}` }, { status: 400 });
    try {
      const lanes = await Promise.all((lane ? [lane] : LANES).map((name) => processing.processLane(name, budgetMs, shard)));
      return Response.json({
        lanes,
        processed: lanes.reduce((sum, result) => sum + result.processed, 0),
        published: lanes.reduce((sum, result) => sum + result.published, 0),
        moreWaiting: lanes.some((result) => result.handedOff),
      });
    } catch (error) {
      log.error("process-events failed", { error });
      return Response.json({ error: "processing failed" }, { status: 500 });
    }
  },
};
