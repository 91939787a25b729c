// Freshness, end to end: a signed webhook accepted by the tiktok-webhook function → the
// event projected by process-events, woken through pg_net by the append itself (the path
// production uses; the local stand-ins of pg_net and pg_cron run it here) → the delta received by a real @supabase/supabase-js client subscribed to the
// creator's private Realtime topic. Every delta carries today's order count; once it
// reads n, the n-th accepted webhook is on the creator's screen. Latency per webhook:
// from its 200 to that delta. (Deltas list at most 20 orders by id, so ids alone would
// miss the rest, which reach the screen through the delta's refetch flag.)
import path from "node:path";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import postgres from "postgres";
import WebSocket from "ws";
import { prepareDatabase } from "../../supabase/local/database.ts";
import { createLocalUser, startSupabaseStandIn } from "../../supabase/local/stand-in/index.ts";
import { benchCredentials, signedNewOrderWebhook } from "./bench-webhooks.ts";
import { emit, log, percentile, round } from "./measure.ts";

const root = path.resolve(import.meta.dirname, "../..");
const SHOP_ID = "7200000000000000001";

interface FreshnessOptions {
  port: number;
  ratePerSecond: number;
  seconds: number;
  fulfilmentSaga: boolean;
}

/** What reached the client: each accepted webhook's time, and each shown order's latency. */
interface Timeline {
  acceptedAt: number[];
  latencies: number[];
  shown: number;
  deltas: number;
}

export async function measureFreshness(options: FreshnessOptions): Promise<void> {
  const database = await prepareDatabase({ port: options.port, name: "postgres-bench-process", database: "creatorflow_bench_freshness", recreate: true });
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const creatorId = crypto.randomUUID();
  const email = `freshness-${Date.now()}@bench.test`;
  await createLocalUser(sql, { email, password: "bench-password", appMetadata: { role: "creator", creator_id: creatorId } });
  await sql`insert into tiktok_shops (shop_id, creator_id) values (${SHOP_ID}, ${creatorId})`;

  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    port: options.port + 1,
    functions: { dir: path.join(root, "supabase/functions"), env: { TIKTOK_APP_KEY: benchCredentials.appKey, TIKTOK_APP_SECRET: benchCredentials.appSecret, FULFILMENT_SAGA: options.fulfilmentSaga ? "on" : "off", FULFILMENT_PROVIDERS: "simulated" } },
    databaseWorkers: true,
    log: () => {},
  });
  const client = createClient(standIn.url, standIn.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
  const timeline: Timeline = { acceptedAt: [], latencies: [], shown: 0, deltas: 0 };
  try {
    const { error } = await client.auth.signInWithPassword({ email, password: "bench-password" });
    if (error) throw error;
    await client.realtime.setAuth();
    await subscribeToDeltas(client, creatorId, timeline);
    await warmFunctions(standIn);
    const sent = await sendAtRate(standIn.url, options, timeline);
    // Let the last deltas arrive.
    const settleUntil = performance.now() + 5000;
    while (timeline.shown < timeline.acceptedAt.length && performance.now() < settleUntil) await new Promise((resolve) => setTimeout(resolve, 50));
    emitFreshness(options, sent, timeline);
  } finally {
    await client.removeAllChannels();
    await standIn.stop();
    await sql.end({ timeout: 5 });
  }
}

/** Each delta carries today's order count: once it reads n, the n-th accepted webhook is on screen. */
function subscribeToDeltas(client: SupabaseClient, creatorId: string, timeline: Timeline): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client
      .channel(`creator:${creatorId}`, { config: { private: true } })
      .on("broadcast", { event: "delta" }, ({ payload }) => {
        const receivedAt = performance.now();
        timeline.deltas += 1;
        const ordersToday = (payload as { metrics?: { ordersReceived?: number } }).metrics?.ordersReceived ?? timeline.shown;
        // Acceptance times arrive in order; the count can only grow.
        for (; timeline.shown < Math.min(ordersToday, timeline.acceptedAt.length); timeline.shown += 1) {
          timeline.latencies.push(receivedAt - timeline.acceptedAt[timeline.shown]);
        }
      })
      .subscribe((status, subscribeError) => {
        if (status === "SUBSCRIBED") resolve();
        if (status === "CHANNEL_ERROR" || status === "TIMED_OUT") reject(subscribeError ?? new Error(status));
      });
  });
}

/**
 * Both functions' Deno isolates start before the clock runs: a cold start is paid once per
 * instance, not per webhook. An unsigned delivery (401) starts tiktok-webhook; a short call
 * starts process-events.
 */
async function warmFunctions(standIn: { url: string; serviceRoleKey: string }): Promise<void> {
  await (await fetch(`${standIn.url}/functions/v1/tiktok-webhook`, { method: "POST", body: "{}" })).arrayBuffer();
  await (await fetch(`${standIn.url}/functions/v1/process-events?lane=live&budget_ms=100`, {
    method: "POST",
    headers: { authorization: `Bearer ${standIn.serviceRoleKey}` },
  })).arrayBuffer();
}

/** Signed new-order webhooks at a fixed rate; each one's 200 is when its latency starts. */
async function sendAtRate(url: string, options: FreshnessOptions, timeline: Timeline): Promise<number> {
  const total = options.ratePerSecond * options.seconds;
  log(`freshness: ${total} webhooks at ${options.ratePerSecond}/s`);
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: total }, async (_, index) => {
      const due = started + (index * 1000) / options.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const orderId = `72${String(Date.now()).slice(-8)}${String(index).padStart(6, "0")}`;
      const { body, authorization } = await signedNewOrderWebhook(SHOP_ID, orderId, index, "fresh");
      const response = await fetch(`${url}/functions/v1/tiktok-webhook`, { method: "POST", headers: { authorization }, body });
      await response.arrayBuffer();
      if (response.status === 200) {
        timeline.acceptedAt.push(performance.now());
        sent += 1;
      }
    }),
  );
  return sent;
}

function emitFreshness(options: FreshnessOptions, sent: number, timeline: Timeline): void {
  const sorted = Float64Array.from(timeline.latencies).sort();
  emit({
    name: "freshness_webhook_to_client",
    // With the saga on and no TikTok API in this benchmark, every order's saga fails and compensates: its worst case.
    fulfilment_saga: options.fulfilmentSaga,
    webhooks: sent,
    rate_per_s: options.ratePerSecond,
    deltas_received: timeline.deltas,
    orders_shown: timeline.latencies.length,
    orders_not_shown_within_5s_of_the_end: timeline.acceptedAt.length - timeline.shown,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN),
    target_p50_ms: 100,
    target_p99_ms: 250,
  });
}
