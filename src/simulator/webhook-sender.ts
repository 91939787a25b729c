// Posts simulated webhooks to the app at a steady rate, signed as TikTok Shop signs them,
// and tallies the answers.
import { signWebhook } from "../core/channels/tiktok-shop/webhook-signature.ts";
import type { WebhookTraffic } from "./webhook-traffic.ts";

export interface WebhookSenderOptions {
  target: string;
  /** Webhooks per second. */
  rate: number;
  durationSeconds: number;
  appKey: string;
  appSecret: string;
  traffic: WebhookTraffic;
  fetch?: typeof fetch;
  /** Stops sending early (Ctrl-C); what was sent is still reported. */
  signal?: AbortSignal;
  maxInFlight?: number;
  requestTimeoutMs?: number;
}

export interface WebhookSendReport {
  planned: number;
  sent: number;
  responses: Record<string, number>;
  networkErrors: number;
  firstError?: string;
  latencyMs: { p50: number; p99: number; max: number } | null;
  elapsedSeconds: number;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function sendWebhookTraffic(options: WebhookSenderOptions): Promise<WebhookSendReport> {
  const fetchImpl = options.fetch ?? fetch;
  const planned = Math.max(0, Math.floor(options.rate * options.durationSeconds));
  const maxInFlight = options.maxInFlight ?? 64;
  const encoder = new TextEncoder();
  const responses: Record<string, number> = {};
  const latencies: number[] = [];
  let networkErrors = 0;
  let firstError: string | undefined;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();

  async function post(body: string) {
    const rawBody = encoder.encode(body);
    const authorization = await signWebhook({ appKey: options.appKey, appSecret: options.appSecret, rawBody });
    const begin = performance.now();
    try {
      const response = await fetchImpl(options.target, {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body: rawBody,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - begin);
      responses[String(response.status)] = (responses[String(response.status)] ?? 0) + 1;
    } catch (error) {
      networkErrors++;
      firstError ??= error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
    }
  }

  for (let index = 0; index < planned; index++) {
    if (options.signal?.aborted) break;
    const due = started + (index * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const delivery = options.traffic.next();
    const request = post(delivery.body).finally(() => inFlight.delete(request));
    inFlight.add(request);
    sent++;
  }
  await Promise.all(inFlight);

  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const report: WebhookSendReport = {
    planned,
    sent,
    responses,
    networkErrors,
    latencyMs: latencies.length === 0 ? null : { p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), max: round(latencies.at(-1) ?? 0) },
    elapsedSeconds: round((performance.now() - started) / 1000),
  };
  if (firstError !== undefined) report.firstError = firstError;
  return report;
}

