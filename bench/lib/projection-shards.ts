// Projection throughput with the dashboard's projections split into 1, 2 and 4 shards by
// creator, through the path production uses: the appends' wake-ups go out through pg_net
// (the stand-in) to process-events in Deno, one call per shard of the live lane, and the
// calls drain their shards until every event is projected. Seeded with the pg_net worker
// stopped, so the clock runs from the first wake-up sent to the last event projected.
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { typeMatches } from "../../src/core/event-store/index.ts";
import { shardLiveConsumer } from "../../src/core/process-events.ts";
import type { Projection } from "../../src/core/projections/index.ts";
import { prepareDatabase } from "../../supabase/local/database.ts";
import { startSupabaseStandIn } from "../../supabase/local/stand-in/index.ts";
import { cpuProbe } from "./cpu.ts";
import { emit, log, round } from "./measure.ts";
import { seedInventory, seedOrders } from "./seed-events.ts";

const root = path.resolve(import.meta.dirname, "../..");
const CREATORS = 48;
const ORDERS = 6_000;
const CATCH_UP_TIMEOUT_MS = 600_000;

/** Events each projection handles, from the store's counts by type. */
async function eventsToProject(sql: Sql, projections: readonly Projection[]): Promise<number> {
  const counts = await sql<{ event_type: string; count: number }[]>`select event_type, count(*)::int as count from event_store group by event_type`;
  return projections.reduce((sum, projection) => sum + counts.filter((row) => typeMatches(projection.handles, row.event_type)).reduce((total, row) => total + row.count, 0), 0);
}

/** Events the projections' checkpoint rows (every shard) have handled. */
async function eventsProjected(sql: Sql, projections: readonly Projection[]): Promise<number> {
  const [{ processed }] = await sql<{ processed: number }[]>`
    select coalesce(sum(c.events_processed), 0)::int as processed
      from unnest(${projections.map((projection) => projection.name)}::text[]) p(name)
      join consumer_checkpoints c on c.consumer = p.name or c.consumer like p.name || '-shard-%'`;
  return processed;
}

async function measureShards(port: number, projections: readonly Projection[], shards: number): Promise<void> {
  const database = await prepareDatabase({ port, name: "postgres-bench-rebuild", database: "creatorflow_bench_shards", recreate: true });
  const sql = postgres(database.url, { max: 8, onnotice: () => {} });
  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    port: port + 1,
    functions: { dir: path.join(root, "supabase/functions"), env: { TIKTOK_APP_KEY: "bench", TIKTOK_APP_SECRET: "bench", FULFILMENT_SAGA: "off" } },
    databaseWorkers: true,
    log: () => {},
  });
  try {
    // The isolate starts before the clock runs.
    await (await fetch(`${standIn.url}/functions/v1/process-events?lane=live&budget_ms=100`, { method: "POST", headers: { authorization: `Bearer ${standIn.serviceRoleKey}` } })).arrayBuffer();
    for (const projection of projections) await shardLiveConsumer(sql, projection.name, shards);
    await standIn.databaseWorkers!.stopNet();
    const creators = Array.from({ length: CREATORS }, () => crypto.randomUUID());
    const runId = `s${Date.now().toString(36)}`;
    await seedOrders(sql, creators, runId, ORDERS);
    await seedInventory(sql, creators, runId);
    await sql`vacuum analyze public.event_store`;
    const total = await eventsToProject(sql, projections);

    const probe = await cpuProbe(sql);
    probe.lap();
    const started = performance.now();
    await standIn.databaseWorkers!.startNet();
    let projected = 0;
    while (projected < total) {
      if (performance.now() - started > CATCH_UP_TIMEOUT_MS) throw new Error(`only ${projected} of ${total} events projected in ${CATCH_UP_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      projected = await eventsProjected(sql, projections);
    }
    const elapsedMs = performance.now() - started;
    const cpu = probe.lap();
    const eventsPerSecond = Math.round(projected / (elapsedMs / 1000));
    emit({
      bench: "rebuild",
      scenario: "projection_shards",
      shards,
      projections: projections.map((projection) => projection.name),
      creators: CREATORS,
      events: projected,
      elapsed_ms: round(elapsedMs),
      events_per_s: eventsPerSecond,
      // The bench's own client does nothing meanwhile: its CPU is polling; Postgres's is the server's share.
      server_cpu_us_per_event: cpu.serverCpuMs === null ? null : round((cpu.serverCpuMs * 1000) / projected),
    });
    log(`projection_shards ${shards}: ${projected} events in ${round(elapsedMs)} ms = ${eventsPerSecond} events/s`);
  } finally {
    await standIn.stop();
    await sql.end({ timeout: 5 });
  }
}

export async function measureProjectionShards(options: { port: number; projections: readonly Projection[]; shardCounts: readonly number[] }): Promise<void> {
  for (const shards of options.shardCounts) await measureShards(options.port, options.projections, shards);
}
