// npm run bench -- ingest: signed TikTok webhooks through the local functions gateway
// into the tiktok-webhook Edge Function (real Deno) and Postgres. Two scenarios:
// saturation throughput (closed loop, many concurrent senders), and latency at a fixed
// 500 webhooks/s (open loop: sends are scheduled by the clock, not by replies, so a
// slow reply cannot hide the queueing it causes).
import path from "node:path";
import postgres from "postgres";
import { signWebhook } from "../src/core/tiktok/webhook-signature.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { startSupabaseStandIn } from "../supabase/local/stand-in/index.ts";
import { emit, log, percentile, round, runTimed } from "./lib/measure.ts";

const root = path.resolve(import.meta.dirname, "..");
const credentials = { appKey: "bench_app_key", appSecret: "bench_app_secret" };
const SHOP_ID = "7100000000000000001";
const SATURATION_WEBHOOKS = Number(process.env.INGEST_SATURATION_WEBHOOKS ?? 6_000);
const SATURATION_CONCURRENCY = Number(process.env.INGEST_CONCURRENCY ?? 64);
const FIXED_RATE_PER_S = 500;
const FIXED_RATE_SECONDS = Number(process.env.INGEST_FIXED_RATE_SECONDS ?? 10);

interface SignedDelivery {
  body: string;
  authorization: string;
}

/** Each delivery is a new order's first status: one inbox row and one event, the common case. */
async function signedDeliveries(count: number, prefix: string): Promise<SignedDelivery[]> {
  const deliveries: SignedDelivery[] = [];
  for (let index = 0; index < count; index += 1) {
    const orderId = `${prefix}${String(index).padStart(9, "0")}`;
    const body = JSON.stringify({
      type: 1,
      tts_notification_id: `bench-${orderId}`,
      shop_id: SHOP_ID,
      timestamp: 1764000000 + index,
      data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: 1764000000 + index },
    });
    deliveries.push({ body, authorization: await signWebhook({ ...credentials, rawBody: new TextEncoder().encode(body) }) });
  }
  return deliveries;
}

export async function run(): Promise<void> {
  const database = await prepareDatabase({ port: 54353, name: "postgres-bench-ingest", database: "creatorflow_bench_ingest", recreate: true });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  await sql`insert into tiktok_shops (shop_id, creator_id) values (${SHOP_ID}, ${crypto.randomUUID()}) on conflict do nothing`;
  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    port: 54354,
    functions: { dir: path.join(root, "supabase/functions"), env: { TIKTOK_APP_KEY: credentials.appKey, TIKTOK_APP_SECRET: credentials.appSecret } },
    log: () => {},
  });
  const url = `${standIn.url}/functions/v1/tiktok-webhook`;
  // The Deno process itself, without the local gateway in front: a diagnostic, since the
  // gateway shares this Node process (and a core) with the load generator.
  const directUrl = `http://127.0.0.1:${standIn.functions.status()["tiktok-webhook"].port}/tiktok-webhook`;
  const post = async (delivery: SignedDelivery, target = url) => {
    const response = await fetch(target, { method: "POST", headers: { authorization: delivery.authorization, "content-type": "application/json" }, body: delivery.body });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  };

  try {
    log("warming up");
    const warmup = await signedDeliveries(500, "9001");
    await runTimed(warmup.length, 16, (index) => post(warmup[index]));

    log(`saturation: ${SATURATION_WEBHOOKS} webhooks, ${SATURATION_CONCURRENCY} concurrent senders`);
    const saturation = await signedDeliveries(SATURATION_WEBHOOKS, "9002");
    const closedLoop = await runTimed(saturation.length, SATURATION_CONCURRENCY, (index) => post(saturation[index]));
    emit({
      name: "ingest_saturation",
      webhooks: closedLoop.operations,
      concurrency: SATURATION_CONCURRENCY,
      webhooks_per_s: Math.round(closedLoop.operations / (closedLoop.elapsedMs / 1000)),
      p50_ms: round(percentile(closedLoop.latenciesMs, 50)),
      p99_ms: round(percentile(closedLoop.latenciesMs, 99)),
      target_webhooks_per_s: 1500,
    });

    log(`saturation straight to the function: ${SATURATION_WEBHOOKS} webhooks`);
    const direct = await signedDeliveries(SATURATION_WEBHOOKS, "9004");
    const directLoop = await runTimed(direct.length, SATURATION_CONCURRENCY, (index) => post(direct[index], directUrl));
    emit({
      name: "ingest_saturation_without_gateway",
      webhooks: directLoop.operations,
      concurrency: SATURATION_CONCURRENCY,
      webhooks_per_s: Math.round(directLoop.operations / (directLoop.elapsedMs / 1000)),
      p50_ms: round(percentile(directLoop.latenciesMs, 50)),
      p99_ms: round(percentile(directLoop.latenciesMs, 99)),
      note: "diagnostic: the local gateway is not in the path (hosted Supabase has its own)",
    });

    log(`fixed rate: ${FIXED_RATE_PER_S}/s for ${FIXED_RATE_SECONDS} s`);
    const fixed = await signedDeliveries(FIXED_RATE_PER_S * FIXED_RATE_SECONDS, "9003");
    const latencies = new Float64Array(fixed.length);
    const started = performance.now();
    const intervalMs = 1000 / FIXED_RATE_PER_S;
    await Promise.all(
      fixed.map(async (delivery, index) => {
        const scheduledAt = started + index * intervalMs;
        const wait = scheduledAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await post(delivery);
        // From the scheduled send time: a late send counts against the system, as TikTok would see it.
        latencies[index] = performance.now() - scheduledAt;
      }),
    );
    const elapsedMs = performance.now() - started;
    latencies.sort();
    emit({
      name: "ingest_fixed_rate",
      webhooks: fixed.length,
      offered_per_s: FIXED_RATE_PER_S,
      achieved_per_s: Math.round(fixed.length / (elapsedMs / 1000)),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies[latencies.length - 1]),
      target_p99_ms: 50,
    });

    const [stored] = await sql<{ inbox: string; events: string }[]>`
      select (select count(*) from webhook_inbox) as inbox, (select count(*) from event_store) as events`;
    emit({ name: "ingest_check", inbox_rows: Number(stored.inbox), events: Number(stored.events), expected: warmup.length + saturation.length + direct.length + fixed.length });
  } finally {
    await standIn.stop();
    await sql.end();
    await database.stop();
  }
}
