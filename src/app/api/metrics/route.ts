import { timingSafeEqual } from "node:crypto";
import { databaseClient } from "@/server/database.ts";
import { scrapeMetrics } from "@/server/metrics/prometheus-metrics.ts";
import { log } from "@/server/log.ts";

export const dynamic = "force-dynamic";

const unauthorized = () =>
  Response.json(
    { error: { code: "unauthorized", message: "Send Authorization: Bearer <METRICS_TOKEN>" } },
    { status: 401, headers: { "Cache-Control": "no-store", "WWW-Authenticate": 'Bearer realm="metrics"' } },
  );

/** Constant time, so the answer's timing says nothing about how much of a guess was right. */
function presentsToken(request: Request, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (!presented) return false;
  const [a, b] = [Buffer.from(presented), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

// GET /api/metrics - Prometheus text format for a scraper holding METRICS_TOKEN; 401 without it, or when it is not set
export async function GET(request: Request): Promise<Response> {
  const token = process.env.METRICS_TOKEN;
  if (!token || !presentsToken(request, token)) return unauthorized();
  try {
    const { contentType, body } = await scrapeMetrics(databaseClient());
    return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
  } catch (error) {
    log.error("request failed", { route: "GET /api/metrics", error });
    return Response.json({ error: { code: "unavailable", message: "Metrics are unavailable: the database did not answer" } }, { status: 503, headers: { "Cache-Control": "no-store" } });
  }
}
