// POST /functions/v1/shopify-webhook - Shopify's signed webhooks (orders/create, updated,
// cancelled; inventory_levels/update; app/uninstalled). A thin adapter: read the raw body
// (at most 1 MiB), hand it and the headers to the ingestion core, answer its status.
import { createShopifyWebhookIngestion, MAX_SHOPIFY_WEBHOOK_BYTES } from "../../../src/core/webhooks/shopify-webhook-ingestion.ts";
import { requiredEnv } from "../_shared/database.ts";
import { connectWebhookDatabase, webhookEndpoint } from "../_shared/webhook-endpoint.ts";

const ingest = createShopifyWebhookIngestion({
  sql: connectWebhookDatabase(8),
  clientSecret: requiredEnv("SHOPIFY_API_SECRET"),
});

export default webhookEndpoint({
  name: "shopify-webhook",
  maxBytes: MAX_SHOPIFY_WEBHOOK_BYTES,
  ingest: (body, request, receivedAt) => ingest(body, request.headers, receivedAt),
});
