// What every webhook function does around its ingestion core: POST only, the raw body read
// whole (at most maxBytes, else 413), the core's status answered with an empty body (as
// TikTok and Shopify expect), and a delivery not stored logged before its 503.
import { readLimitedBody } from "../../../src/core/http/read-limited-body.ts";
import { connectDatabase } from "./database.ts";
import { functionLogger } from "./log.ts";

/** The database a webhook function stores through: WEBHOOK_DB_POOL_SIZE connections, or the function's default. */
export function connectWebhookDatabase(defaultPoolSize: number) {
  return connectDatabase({ max: Number(Deno.env.get("WEBHOOK_DB_POOL_SIZE") ?? defaultPoolSize) });
}

export interface WebhookEndpointOptions {
  name: string;
  maxBytes: number;
  ingest(body: Uint8Array<ArrayBuffer>, request: Request, receivedAt: Date): Promise<{ status: number; error?: unknown }>;
}

export function webhookEndpoint(options: WebhookEndpointOptions) {
  const log = functionLogger(options.name);
  return {
    async fetch(request: Request): Promise<Response> {
      // Our share of the latency starts here, before the body is read.
      const receivedAt = new Date();
      if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
      const body = await readLimitedBody(request, options.maxBytes);
      if (!body.ok) return new Response(null, { status: 413 });
      const outcome = await options.ingest(body.bytes, request, receivedAt);
      if (outcome.status === 503) {
        // The error names what failed (connection refused, timeout), never a secret or the body.
        log.error("delivery not stored, answering 503", { error: outcome.error });
      }
      return new Response(null, { status: outcome.status });
    },
  };
}
