// `npm run bench -- rebuild`: how fast the dashboard's projections rebuild from the events
// (target at least 50,000 events/s for the four together), each alone and the four
// together, which read the stream once (rebuildProjections); then how fast they keep up
// live when split into 1, 2 and 4 shards by creator (projection_shards, see
// lib/projection-shards.ts; SHARDS=1,2 picks the counts, SHARDS=none skips it).
//
// Its own embedded PostgreSQL on BENCH_DB_PORT (default 54362; databases recreated) and the
// Supabase stand-in on the next port.
// stdout: one JSON line per scenario. Nothing else.
import type { Sql } from "postgres";
import {
  alertsProjection,
  dashboardMetricsProjection,
  inventoryLevelsProjection,
  orderSummariesProjection,
  rebuildProjections,
  type Projection,
} from "../src/core/projections/index.ts";
import { withBenchDatabase } from "./lib/bench-database.ts";
import { cpuProbe } from "./lib/cpu.ts";
import { measureProjectionShards } from "./lib/projection-shards.ts";
import { emit, log, round } from "./lib/measure.ts";
import { seedInventory, seedOrders, SEEDED_EVENTS } from "./lib/seed-events.ts";

const REBUILD_TARGET_EVENTS_PER_S = 50_000;

const dashboardProjections: Projection[] = [dashboardMetricsProjection, orderSummariesProjection, inventoryLevelsProjection, alertsProjection];

async function measureRebuild(sql: Sql, projections: Projection[], scenario: string): Promise<void> {
  const probe = await cpuProbe(sql);
  probe.lap();
  const started = performance.now();
  const results = await rebuildProjections({ sql, projections, leaseMs: 600_000 });
  const elapsedMs = performance.now() - started;
  const cpu = probe.lap();
  const events = results.reduce((sum, result) => sum + result.processed, 0);
  const eventsPerSecond = Math.round(events / (elapsedMs / 1000));
  emit({
    bench: "rebuild",
    scenario,
    projections: projections.map((projection) => projection.name),
    events,
    elapsed_ms: round(elapsedMs),
    events_per_s: eventsPerSecond,
    target_events_per_s: REBUILD_TARGET_EVENTS_PER_S,
    meets_target: eventsPerSecond >= REBUILD_TARGET_EVENTS_PER_S,
    client_cpu_us_per_event: round((cpu.clientCpuMs * 1000) / events),
    server_cpu_us_per_event: cpu.serverCpuMs === null ? null : round((cpu.serverCpuMs * 1000) / events),
  });
  log(`${scenario}: ${events} events in ${round(elapsedMs)} ms = ${eventsPerSecond} events/s`);
}

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54362);
  await withBenchDatabase({ port, cluster: "postgres-bench-rebuild", database: "creatorflow_bench_rebuild", poolSize: 12 }, async (sql) => {
    const creatorId = crypto.randomUUID();
    const runId = `b${Date.now().toString(36)}`;
    log(`seeding ${SEEDED_EVENTS} events`);
    const seedStarted = performance.now();
    await seedOrders(sql, [creatorId], runId);
    await seedInventory(sql, [creatorId], runId);
    await sql`vacuum analyze public.event_store`;
    log(`seeded in ${round(performance.now() - seedStarted)} ms`);

    for (const projection of dashboardProjections) await measureRebuild(sql, [projection], `rebuild_${projection.name.replace(/^projection-/, "").replaceAll("-", "_")}`);
    await measureRebuild(sql, dashboardProjections, "rebuild_dashboard_projections_together");
    const shardCounts = process.env.SHARDS === "none" ? [] : (process.env.SHARDS ?? "1,2,4").split(",").map(Number);
    await measureProjectionShards({ port, projections: dashboardProjections, shardCounts });
  });
}
