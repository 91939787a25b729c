// npm run bench -- event-store-indexes: what one index of event_store costs a batch append.
// One database, the schema as migrated, and rounds that alternate "as migrated" and "with
// the index put back" (A B, B A, …), so the machine's noise falls on both sides alike. Each
// round appends BATCHES batches of 1,000 events to new streams through appendToStream and
// times each batch; the line reports both medians, their ratio, and PostgreSQL CPU per event.
// Its own embedded PostgreSQL on BENCH_DB_PORT (default 54370), durable settings.
import postgres from "postgres";
import { createEventStore, type NewEvent } from "../src/core/event-store/index.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { cpuProbe } from "./lib/cpu.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

const ROUNDS = Number(process.env.INDEX_BENCH_ROUNDS ?? 8);
const BATCHES = 5;
const BATCH_SIZE = 1000;
// The index dropped by 20261202000200_group_commit_lean_event_store.sql, as it was defined.
const CANDIDATE = { name: "event_store_creator_time_idx", definition: "create index event_store_creator_time_idx on public.event_store (creator_id, occurred_at)" };

export async function run(): Promise<void> {
  const database = await prepareDatabase({ port: Number(process.env.BENCH_DB_PORT ?? 54370), name: "postgres-bench-indexes", database: "creatorflow_bench_indexes", recreate: true });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const store = createEventStore({ sql });
  const creatorId = crypto.randomUUID();
  const events: NewEvent<"order.received_from_tiktok">[] = Array.from({ length: BATCH_SIZE }, (_, index) => ({
    type: "order.received_from_tiktok",
    data: { order_id: String(576_460_000_000_000_000n + BigInt(index)), shop_id: "7494726673780148744", tiktok_status: "AWAITING_SHIPMENT" as const, is_on_hold: false, tiktok_update_time: 1_764_000_000 + index },
  }));
  let stream = 0;
  const appendBatches = async (): Promise<{ latencies: number[]; serverCpuMs: number }> => {
    const cpu = await cpuProbe(sql);
    await sql`checkpoint`.catch(() => log("CHECKPOINT not allowed; measuring without it"));
    cpu.lap();
    const latencies: number[] = [];
    for (let batch = 0; batch < BATCHES; batch += 1) {
      const started = performance.now();
      await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `bench-index-${(stream += 1)}`, aggregateType: "order", expectedVersion: "no_stream", events });
      latencies.push(performance.now() - started);
    }
    return { latencies, serverCpuMs: cpu.lap().serverCpuMs ?? Number.NaN };
  };
  try {
    await appendBatches(); // warm-up
    const results = { without: { latencies: [] as number[], cpuMs: 0 }, with: { latencies: [] as number[], cpuMs: 0 } };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? (["without", "with"] as const) : (["with", "without"] as const);
      for (const side of order) {
        if (side === "with") await sql.unsafe(CANDIDATE.definition);
        const measured = await appendBatches();
        if (side === "with") await sql.unsafe(`drop index public.${CANDIDATE.name}`);
        results[side].latencies.push(...measured.latencies);
        results[side].cpuMs += measured.serverCpuMs;
      }
      log(`round ${round + 1}/${ROUNDS} done`);
    }
    const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 50);
    const perEventUs = (cpuMs: number) => round((cpuMs * 1000) / (ROUNDS * BATCHES * BATCH_SIZE), 1);
    emit({
      name: "append_batch_1000_index_ab",
      index: CANDIDATE.name,
      batches_per_side: ROUNDS * BATCHES,
      p50_ms_as_migrated: round(median(results.without.latencies)),
      p50_ms_with_index: round(median(results.with.latencies)),
      ratio_with_over_without: round(median(results.with.latencies) / median(results.without.latencies)),
      server_cpu_us_per_event_as_migrated: perEventUs(results.without.cpuMs),
      server_cpu_us_per_event_with_index: perEventUs(results.with.cpuMs),
    });
  } finally {
    await sql.end();
    await database.stop();
  }
}
