// POST /functions/v1/tiktok-webhook - TikTok Shop's signed webhooks. A thin adapter:
// read the raw body (at most 1 MiB), hand it to the ingestion core, answer with its status
// and an empty body, as TikTok expects.
import { readLimitedBody } from "../../../src/core/http/read-limited-body.ts";
import { createTikTokWebhookIngestion, MAX_WEBHOOK_BYTES } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { connectDatabase, requiredEnv } from "../_shared/database.ts";
import { functionLogger } from "../_shared/log.ts";

const log = functionLogger("tiktok-webhook");
const ingest = createTikTokWebhookIngestion({
  sql: connectDatabase({ max: Number(Deno.env.get("WEBHOOK_DB_POOL_SIZE") ?? 16) }),
  appKey: requiredEnv("TIKTOK_APP_KEY"),
  appSecret: requiredEnv("TIKTOK_APP_SECRET"),
});

export default {
  async fetch(request: Request): Promise<Response> {
    // Our share of the latency starts here, before the body is read.
    const receivedAt = new Date();
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    const body = await readLimitedBody(request, MAX_WEBHOOK_BYTES);
    if (!body.ok) return new Response(null, { status: 413 });
    const outcome = await ingest(body.bytes, request.headers.get("authorization"), receivedAt);
    if (outcome.status === 503) {
      // The error names what failed (connection refused, timeout), never a secret or the body.
      log.error("delivery not stored, answering 503", { error: outcome.error });
    }
    return new Response(null, { status: outcome.status });
  },
};
