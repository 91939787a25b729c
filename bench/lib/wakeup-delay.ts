// The wake-up's own delay: an append commits → its trigger's pg_net request is sent
// (the local pg_net stand-in, roused at commit) → the gateway → the process-events
// function in Deno starts its call. Each sample appends once onto lanes at rest (no call
// running, so the append must wake one) with the safety net off, and reads when the call
// began from the response pg_net kept in net._http_response.
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { createEventStore, type EventStore } from "../../src/core/event-store/index.ts";
import { prepareDatabase } from "../../supabase/local/database.ts";
import { startSupabaseStandIn } from "../../supabase/local/stand-in/index.ts";
import { emit, log, percentile, round } from "./measure.ts";

const root = path.resolve(import.meta.dirname, "../..");
const TARGET_P99_MS = 50;

async function until<T>(read: () => Promise<T | undefined>, withinMs: number, what: string): Promise<T> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`wakeup_delay: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function measureWakeupDelay(options: { port: number; samples: number }): Promise<void> {
  const database = await prepareDatabase({ port: options.port, name: "postgres-bench-process", database: "creatorflow_bench_wakeup", recreate: true });
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    port: options.port + 1,
    functions: { dir: path.join(root, "supabase/functions"), env: { TIKTOK_APP_KEY: "bench", TIKTOK_APP_SECRET: "bench", FULFILMENT_PROVIDERS: "simulated" } },
    databaseWorkers: true,
    log: () => {},
  });
  const store = createEventStore({ sql });
  const creatorId = crypto.randomUUID();
  const fromCommit: number[] = [];
  const fromAppendStart: number[] = [];
  try {
    await sql`update cron.job set active = false where jobname = 'process-events-safety-net'`;
    // The first call starts Deno's isolate and compiles the function: not a wake-up's cost.
    for (let sample = -2; sample < options.samples; sample += 1) {
      const wakeup = await sampleWakeup(sql, store, creatorId, sample);
      if (sample < 0) continue;
      fromCommit.push(wakeup.fromCommit);
      fromAppendStart.push(wakeup.fromAppendStart);
    }
    emitWakeupDelay(options.samples, fromCommit, fromAppendStart);
  } finally {
    await standIn.stop();
    await sql.end({ timeout: 5 });
  }
}

/** One append onto lanes at rest, and how long after it the call it woke began. */
async function sampleWakeup(sql: Sql, store: EventStore, creatorId: string, sample: number): Promise<{ fromCommit: number; fromAppendStart: number }> {
  // At rest: no lane woken, nothing queued, and every request sent has its response (no call still running).
  const last = await until(async () => {
    const [row] = await sql<{ busy: number; sent: string; answered: string }[]>`
      select (select count(*) from event_processing_lanes where wakeup_requested)
             + (select count(*) from net.http_request_queue) as busy,
             (select case when is_called then last_value else 0 end from net.http_request_queue_id_seq)::text as sent,
             (select coalesce(max(id), 0) from net._http_response)::text as answered`;
    return Number(row.busy) === 0 && row.sent === row.answered ? row.sent : undefined;
  }, 30_000, "the lanes to come to rest");
  const appendStartedAt = Date.now();
  await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId,
    aggregateId: `wakeup-${sample}-${crypto.randomUUID()}`,
    aggregateType: "system",
    events: [{ type: "system.health_check_completed", data: { status: "healthy", checks: {} } }],
  });
  const committedAt = Date.now();
  const startedAt = await until(async () => {
    const rows = await sql<{ content: string | null }[]>`select content from net._http_response where id > ${last}::bigint and status_code = 200`;
    const starts = rows.flatMap((row) => (JSON.parse(row.content ?? "{}") as { lanes?: { startedAt: number }[] }).lanes?.map((lane) => lane.startedAt) ?? []);
    return starts.length ? Math.min(...starts) : undefined;
  }, 30_000, "the woken call's response");
  return { fromCommit: startedAt - committedAt, fromAppendStart: startedAt - appendStartedAt };
}

function emitWakeupDelay(samples: number, fromCommit: number[], fromAppendStart: number[]): void {
  const byCommit = Float64Array.from(fromCommit).sort();
  const byStart = Float64Array.from(fromAppendStart).sort();
  emit({
    name: "wakeup_delay",
    samples,
    // Epoch milliseconds on both sides (Node and Deno on one machine): 1 ms resolution.
    p50_ms: round(percentile(byCommit, 50)),
    p99_ms: round(percentile(byCommit, 99)),
    max_ms: round(byCommit[byCommit.length - 1] ?? Number.NaN),
    from_append_start_p50_ms: round(percentile(byStart, 50)),
    from_append_start_p99_ms: round(percentile(byStart, 99)),
    target_p99_ms: TARGET_P99_MS,
    meets_target: percentile(byCommit, 99) <= TARGET_P99_MS,
  });
  log(`wakeup_delay: p50 ${round(percentile(byCommit, 50))} ms, p99 ${round(percentile(byCommit, 99))} ms`);
}
