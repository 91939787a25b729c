// POST /functions/v1/tiktok-webhook - TikTok Shop's signed webhooks. A thin adapter:
// read the raw body (at most 1 MiB), hand it to the ingestion core, answer with its status
// and an empty body, as TikTok expects.
import { createTikTokWebhookIngestion, MAX_WEBHOOK_BYTES } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { requiredEnv } from "../_shared/database.ts";
import { connectWebhookDatabase, webhookEndpoint } from "../_shared/webhook-endpoint.ts";

const ingest = createTikTokWebhookIngestion({
  sql: connectWebhookDatabase(16),
  appKey: requiredEnv("TIKTOK_APP_KEY"),
  appSecret: requiredEnv("TIKTOK_APP_SECRET"),
});

export default webhookEndpoint({
  name: "tiktok-webhook",
  maxBytes: MAX_WEBHOOK_BYTES,
  ingest: (body, request, receivedAt) => ingest(body, request.headers.get("authorization"), receivedAt),
});
