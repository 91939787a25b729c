// POST /functions/v1/shopify-webhook - Shopify's signed webhooks (orders/create, updated,
// cancelled; inventory_levels/update; app/uninstalled). A thin adapter: read the raw body
// (at most 1 MiB), hand it and the headers to the ingestion core, answer its status.
import { readLimitedBody } from "../../../src/core/http/read-limited-body.ts";
import { createShopifyWebhookIngestion, MAX_SHOPIFY_WEBHOOK_BYTES } from "../../../src/core/webhooks/shopify-webhook-ingestion.ts";
import { connectDatabase, requiredEnv } from "../_shared/database.ts";
import { functionLogger } from "../_shared/log.ts";

const log = functionLogger("shopify-webhook");
const ingest = createShopifyWebhookIngestion({
  sql: connectDatabase({ max: Number(Deno.env.get("WEBHOOK_DB_POOL_SIZE") ?? 8) }),
  clientSecret: requiredEnv("SHOPIFY_API_SECRET"),
});

export default {
  async fetch(request: Request): Promise<Response> {
    const receivedAt = new Date();
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    const body = await readLimitedBody(request, MAX_SHOPIFY_WEBHOOK_BYTES);
    if (!body.ok) return new Response(null, { status: 413 });
    const outcome = await ingest(body.bytes, request.headers, receivedAt);
    if (outcome.status === 503) {
      // The error names what failed (connection refused, timeout), never a secret or the body.
      log.error("delivery not stored, answering 503", { error: outcome.error });
    }
    return new Response(null, { status: outcome.status });
  },
};
