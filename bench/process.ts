// `npm run bench -- process`: how long loading a 10,000-event
// inventory aggregate takes with and without a snapshot (target at most 5 ms with one),
// the wake-up's delay (append commit → process-events start, p99 at most 50 ms), and
// freshness through that wake-up (webhook accepted → delta in a client, with and without
// the fulfilment saga; p50 at most 100 ms, p99 at most 250 ms).
//
// (Projection rebuilds and shards: `npm run bench -- rebuild`.)
//
// stdout: one JSON line per scenario. Nothing else.
import type { Sql } from "postgres";
import { createEventStore } from "../src/core/event-store/index.ts";
import { evolveInventory, initialInventoryState, type InventoryState } from "../src/core/inventory/inventory.ts";
import { withBenchDatabase } from "./lib/bench-database.ts";
import { measureFreshness } from "./lib/freshness.ts";
import { measureWakeupDelay } from "./lib/wakeup-delay.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

/** Loading one inventory aggregate: its events, the loads timed, the target with a snapshot (p50), the snapshot's schema. */
const AGGREGATE_LOAD = { events: 10_000, repeats: 50, snapshotTargetMs: 5, snapshotSchema: 1 } as const;
const WAKEUP_SAMPLES = 40;
/** The webhooks offered per second, and for how long, in each freshness run. */
const FRESHNESS_LOAD = { ratePerSecond: 200, seconds: Number(process.env.FRESHNESS_SECONDS ?? 10) };

async function measureAggregateLoad(sql: Sql, creatorId: string, runId: string): Promise<void> {
  const store = createEventStore({ sql });
  const skuId = `${runId}BIG`;
  const aggregateId = `inventory-${skuId}`;
  for (let written = 0; written < AGGREGATE_LOAD.events; written += 1_000) {
    await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId,
      aggregateType: "inventory",
      events: Array.from({ length: 1_000 }, (_, index) => {
        const total = written + index;
        return { type: "inventory.stock_updated", data: { sku_id: skuId, previous_total: total, new_total: total + 1, source: "manual" } };
      }),
    });
  }
  // Snapshots are taken every 100 events: the latest one, 100 events behind the head, is the usual case.
  const atSnapshot = await store.aggregateStream<InventoryState>({
    aggregateId,
    initialState: initialInventoryState,
    evolve: evolveInventory,
    at: { version: AGGREGATE_LOAD.events - 100 },
  });
  await store.saveSnapshot({ aggregateId, aggregateType: "inventory", creatorId, version: atSnapshot.version, state: atSnapshot.state, schemaVersion: AGGREGATE_LOAD.snapshotSchema });

  for (const withSnapshot of [false, true]) {
    const latencies = new Float64Array(AGGREGATE_LOAD.repeats);
    let version = 0;
    for (let run = -3; run < AGGREGATE_LOAD.repeats; run += 1) {
      const started = performance.now();
      const loaded = await store.aggregateStream<InventoryState>({
        aggregateId,
        initialState: initialInventoryState,
        evolve: evolveInventory,
        snapshotSchemaVersion: withSnapshot ? AGGREGATE_LOAD.snapshotSchema : undefined,
      });
      if (run >= 0) latencies[run] = performance.now() - started;
      version = loaded.version;
    }
    latencies.sort();
    const line = {
      bench: "process",
      scenario: withSnapshot ? "load_aggregate_with_snapshot" : "load_aggregate_without_snapshot",
      events_in_stream: AGGREGATE_LOAD.events,
      events_folded: withSnapshot ? AGGREGATE_LOAD.events - atSnapshot.version : AGGREGATE_LOAD.events,
      loaded_version: version,
      runs: AGGREGATE_LOAD.repeats,
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      ...(withSnapshot ? { target_ms: AGGREGATE_LOAD.snapshotTargetMs, meets_target: percentile(latencies, 50) <= AGGREGATE_LOAD.snapshotTargetMs } : {}),
    };
    emit(line);
    log(`${line.scenario}: p50 ${line.p50_ms} ms, p99 ${line.p99_ms} ms`);
  }
}

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54362);
  await withBenchDatabase({ port, cluster: "postgres-bench-process", database: "creatorflow_bench_process", poolSize: 12 }, async (sql) => {
    const creatorId = crypto.randomUUID();
    const runId = `b${Date.now().toString(36)}`;
    await measureAggregateLoad(sql, creatorId, runId);
    // Its own database on the same server, so projections start from an empty stream.
    await measureWakeupDelay({ port, samples: WAKEUP_SAMPLES });
    await measureFreshness({ port, ...FRESHNESS_LOAD, fulfilmentSaga: false });
    await measureFreshness({ port, ...FRESHNESS_LOAD, fulfilmentSaga: true });
  });
}
