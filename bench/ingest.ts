// npm run bench -- ingest: signed TikTok webhooks through the local functions gateway
// into the tiktok-webhook Edge Function (real Deno) and Postgres. Two scenarios:
// saturation throughput (closed loop, many concurrent senders), and latency at a fixed
// 500 webhooks/s (open loop: sends are scheduled by the clock, not by replies, so a
// slow reply cannot hide the queueing it causes).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { prepareDatabase } from "../supabase/local/database.ts";
import { denoBinaryPath } from "../supabase/local/stand-in/function-processes.ts";
import { startSupabaseStandIn } from "../supabase/local/stand-in/index.ts";
import { benchCredentials, signedNewOrderWebhook, type SignedDelivery } from "./lib/bench-webhooks.ts";
import { cpuProbe, processCpuMs } from "./lib/cpu.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

const root = path.resolve(import.meta.dirname, "..");
const SHOP_ID = "7100000000000000001";
const SATURATION_WEBHOOKS = Number(process.env.INGEST_SATURATION_WEBHOOKS ?? 6_000);
const SATURATION_CONCURRENCY = Number(process.env.INGEST_CONCURRENCY ?? 64);
// INGEST_FIXED_RATE_PER_S: a lower rate keeps most batches at one delivery even on a loaded machine.
const FIXED_RATE_PER_S = Number(process.env.INGEST_FIXED_RATE_PER_S ?? 500);
// Its own embedded PostgreSQL on BENCH_DB_PORT (default 54353) and the stand-in on the next port.
const DB_PORT = Number(process.env.BENCH_DB_PORT ?? 54353);
const FIXED_RATE_SECONDS = Number(process.env.INGEST_FIXED_RATE_SECONDS ?? 10);

/** Each delivery is a new order's first status: one inbox row and one event, the common case. */
async function signedDeliveries(count: number, prefix: string): Promise<SignedDelivery[]> {
  const deliveries: SignedDelivery[] = [];
  for (let index = 0; index < count; index += 1) {
    deliveries.push(await signedNewOrderWebhook(SHOP_ID, `${prefix}${String(index).padStart(9, "0")}`, index, "bench"));
  }
  return deliveries;
}

/**
 * Sends the deliveries from a separate Deno process (bench/deno/load-generator.ts): a
 * load generator inside this Node process would take a core from the gateway it measures.
 */
async function sendFromDeno(deliveries: SignedDelivery[], url: string, mode: "closed" | "open", parameter: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ingest-bench-"));
  const file = path.join(dir, "deliveries.json");
  writeFileSync(file, JSON.stringify(deliveries));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(denoBinaryPath(), ["run", "--allow-net", "--allow-read", path.join(root, "bench/deno/load-generator.ts"), file, url, mode, String(parameter)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`load generator exited ${code}`))));
    });
    const result = JSON.parse(output) as { elapsedMs: number; failures: number; latencies: number[] };
    if (result.failures > 0) throw new Error(`${result.failures} deliveries were not answered 200`);
    return { operations: deliveries.length, elapsedMs: result.elapsedMs, latenciesMs: Float64Array.from(result.latencies).sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Sends as sendFromDeno does, with where the time went: CPU of the function's Deno process,
 * of every PostgreSQL process, and of this Node process (the local gateway runs in it), per webhook.
 */
async function cpuMeasuredSender(sql: postgres.Sql, functionPid: number) {
  const cpu = await cpuProbe(sql);
  return async (deliveries: SignedDelivery[], target: string, mode: "closed" | "open", parameter: number) => {
    cpu.lap();
    const functionBefore = processCpuMs(functionPid) ?? 0;
    const result = await sendFromDeno(deliveries, target, mode, parameter);
    const { clientCpuMs, serverCpuMs } = cpu.lap();
    const perWebhookUs = (ms: number | null) => (ms === null ? null : Math.round((ms * 1000) / deliveries.length));
    const cpuUsPerWebhook = {
      function_cpu_us_per_webhook: perWebhookUs((processCpuMs(functionPid) ?? functionBefore) - functionBefore),
      postgres_cpu_us_per_webhook: perWebhookUs(serverCpuMs),
      gateway_cpu_us_per_webhook: perWebhookUs(clientCpuMs),
    };
    return { ...result, cpuUsPerWebhook };
  };
}

/** The figures of a saturation scenario's JSON line, in the order the line has always had them. */
function saturationFigures(name: string, loop: { operations: number; elapsedMs: number; latenciesMs: Float64Array }) {
  return {
    name,
    webhooks: loop.operations,
    concurrency: SATURATION_CONCURRENCY,
    webhooks_per_s: Math.round(loop.operations / (loop.elapsedMs / 1000)),
    p50_ms: round(percentile(loop.latenciesMs, 50)),
    p99_ms: round(percentile(loop.latenciesMs, 99)),
  };
}

export async function run(): Promise<void> {
  const database = await prepareDatabase({ port: DB_PORT, name: "postgres-bench-ingest", database: "creatorflow_bench_ingest", recreate: true });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  await sql`insert into tiktok_shops (shop_id, creator_id) values (${SHOP_ID}, ${crypto.randomUUID()}) on conflict do nothing`;
  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    port: DB_PORT + 1,
    functions: { dir: path.join(root, "supabase/functions"), env: { TIKTOK_APP_KEY: benchCredentials.appKey, TIKTOK_APP_SECRET: benchCredentials.appSecret, FULFILMENT_PROVIDERS: "simulated" } },
    log: () => {},
  });
  const url = `${standIn.url}/functions/v1/tiktok-webhook`;
  // The Deno process itself, without the local gateway in front: a diagnostic of what the
  // gateway costs.
  const directUrl = `http://127.0.0.1:${standIn.functions.status()["tiktok-webhook"].port}/tiktok-webhook`;
  const measuredSend = await cpuMeasuredSender(sql, standIn.functions.status()["tiktok-webhook"].pid!);
  try {
    log("warming up");
    const warmup = await signedDeliveries(500, "9001");
    await sendFromDeno(warmup, url, "closed", 16);

    log(`saturation: ${SATURATION_WEBHOOKS} webhooks, ${SATURATION_CONCURRENCY} concurrent senders`);
    const saturation = await signedDeliveries(SATURATION_WEBHOOKS, "9002");
    const closedLoop = await measuredSend(saturation, url, "closed", SATURATION_CONCURRENCY);
    emit({ ...saturationFigures("ingest_saturation", closedLoop), target_webhooks_per_s: 1500, ...closedLoop.cpuUsPerWebhook });

    log(`saturation straight to the function: ${SATURATION_WEBHOOKS} webhooks`);
    const direct = await signedDeliveries(SATURATION_WEBHOOKS, "9004");
    const directLoop = await measuredSend(direct, directUrl, "closed", SATURATION_CONCURRENCY);
    emit({
      ...saturationFigures("ingest_saturation_without_gateway", directLoop),
      note: "diagnostic: the local gateway is not in the path (hosted Supabase has its own)",
      ...directLoop.cpuUsPerWebhook,
    });

    log(`fixed rate: ${FIXED_RATE_PER_S}/s for ${FIXED_RATE_SECONDS} s`);
    const fixed = await signedDeliveries(FIXED_RATE_PER_S * FIXED_RATE_SECONDS, "9003");
    const openLoop = await measuredSend(fixed, url, "open", FIXED_RATE_PER_S);
    const latencies = openLoop.latenciesMs;
    const elapsedMs = openLoop.elapsedMs;
    emit({
      name: "ingest_fixed_rate",
      webhooks: fixed.length,
      offered_per_s: FIXED_RATE_PER_S,
      achieved_per_s: Math.round(fixed.length / (elapsedMs / 1000)),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies[latencies.length - 1]),
      target_p99_ms: 50,
      ...openLoop.cpuUsPerWebhook,
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
