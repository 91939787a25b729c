// `npm run bench -- store`: the event store's append and read throughput, measured
// against Emmett's PostgreSQL event store on the same database in the same run (the
// machine is shared and noisy, so only ratios from one run are worth comparing).
//
// stdout: one JSON line per (store, scenario), then one line of ratios. Nothing else.
import { STREAM_DOES_NOT_EXIST } from "@event-driven-io/emmett";
import { getPostgreSQLEventStore, type PostgresEventStore } from "@event-driven-io/emmett-postgresql";
import pg from "pg";
import type { Sql } from "postgres";
import { createEventStore, startOfGlobalStream, type EventStore, type GlobalCheckpoint } from "../src/core/event-store/index.ts";
import type { PreparedDatabase } from "../supabase/local/database.ts";
import { withBenchDatabase } from "./lib/bench-database.ts";
import { cpuProbe, type CpuProbe } from "./lib/cpu.ts";
import { emit, log, percentile, round, runTimed, type Measurement } from "./lib/measure.ts";

/** Sizes are chosen so that both stores together finish well inside two minutes on 2 cores. */
const CONCURRENCY = 16;
const NEW_STREAM_EVENTS = 10_000;
const EXISTING_CONCURRENT_EVENTS = 10_000; // re-uses the streams scenario 1 created
const EXISTING_SEQUENTIAL_EVENTS = 2_000;
const BATCH_SIZE = 1_000;
const BATCH_REPEATS = 20;
const READ_PAGE = 500;
const WARMUP_APPENDS = 500;
const WARMUP_BATCHES = 2;
/** Each scenario is split into this many rounds, alternating the two stores (see alternate()). */
const ROUNDS = 4;
/** Pools a little larger than the writer count, for both stores alike. */
const POOL_SIZE = 20;
const BATCH_TARGET_MS = 25;
const SINGLE_EVENT_TARGET_RATIO = 2;

type StoreName = "creatorflow" | "emmett" | "durable_commit_floor";

/** The few operations the scenarios need, so each store is driven by the same code. */
interface Appender {
  name: StoreName;
  /** Appends `count` events to `streamId`, expecting it to be at `expectedVersion` (0 = must not exist). */
  append(streamId: string, expectedVersion: number, count: number): Promise<void>;
  /** The end of the store's global stream now (a position). */
  head(): Promise<string>;
  /** Transactions that wrote events after `head`: appends per commit is appends / this. */
  transactionsAfter(head: string): Promise<number>;
}

const creatorId = crypto.randomUUID();
const shopId = "7494726673780148744";

/** A realistic small payload: the webhook-sized order event, valid for our catalogue. */
function orderReceivedData(sequence: number) {
  return {
    order_id: String(576_460_000_000_000_000n + BigInt(sequence)),
    shop_id: shopId,
    tiktok_status: "AWAITING_SHIPMENT" as const,
    is_on_hold: false,
    tiktok_update_time: 1_764_000_000 + (sequence % 86_400),
  };
}

/** The store's head and how many transactions wrote after a head: appends per commit, for either store's table. */
function commitCounter(sql: Sql, table: string, positionColumn: string): Pick<Appender, "head" | "transactionsAfter"> {
  return {
    head: async () => (await sql<{ head: string }[]>`select coalesce(max(${sql(positionColumn)}), 0)::text as head from ${sql(table)}`)[0].head,
    transactionsAfter: async (head) =>
      Number((await sql<{ count: string }[]>`select count(distinct transaction_id) as count from ${sql(table)} where ${sql(positionColumn)} > ${head}::bigint`)[0].count),
  };
}

function ourAppender(store: EventStore, sql: Sql): Appender {
  return {
    name: "creatorflow",
    ...commitCounter(sql, "public.event_store", "position"),
    async append(streamId, expectedVersion, count) {
      await store.appendToStream({ metadata: { source: "automated_system" },
        creatorId,
        aggregateId: streamId,
        aggregateType: "order",
        expectedVersion: expectedVersion === 0 ? "no_stream" : expectedVersion,
        events: Array.from({ length: count }, (_, index) => ({ type: "order.received_from_tiktok", data: orderReceivedData(index) })),
      });
    },
  };
}

function emmettAppender(store: PostgresEventStore, sql: Sql): Appender {
  return {
    name: "emmett",
    ...commitCounter(sql, "public.emt_messages", "global_position"),
    async append(streamId, expectedVersion, count) {
      await store.appendToStream(
        streamId,
        Array.from({ length: count }, (_, index) => ({ type: "order.received_from_tiktok", data: orderReceivedData(index) })),
        { expectedStreamVersion: expectedVersion === 0 ? STREAM_DOES_NOT_EXIST : BigInt(expectedVersion) },
      );
    },
  };
}

/**
 * What no store can beat on the sequential row: one round trip, one row, one durable commit
 * (an INSERT of the event's payload in autocommit into a table without an index, through the
 * same driver as ours). A store that acknowledges an append only once it is committed pays at
 * least this per append; Emmett's events/s over this one's bounds the ratio any store reaches.
 */
function durableCommitFloor(sql: Sql): Appender {
  return {
    name: "durable_commit_floor",
    async append(streamId, _expectedVersion, count) {
      if (count !== 1) throw new Error("the floor is for single-event appends");
      await sql`insert into public.bench_durable_commit_floor (stream_id, payload) values (${streamId}, ${sql.json(orderReceivedData(0))})`;
    },
    head: async () => "0",
    transactionsAfter: async () => 0,
  };
}

interface ScenarioResult {
  store: StoreName;
  name: string;
  events: number;
  concurrency: number;
  events_per_s: number;
  p50_ms: number;
  p99_ms: number;
  [extra: string]: unknown;
}

/** CPU per event, client (this Node process) and server (all PostgreSQL processes, when local). */
function cpuFields(cpu: { clientCpuMs: number; serverCpuMs: number | null }, events: number) {
  return {
    client_cpu_us_per_event: round((cpu.clientCpuMs * 1000) / events, 1),
    server_cpu_us_per_event: cpu.serverCpuMs === null ? null : round((cpu.serverCpuMs * 1000) / events, 1),
  };
}

type CpuLap = ReturnType<CpuProbe["lap"]>;

/**
 * Runs one scenario for both stores in alternating rounds (A B, B A, A B, ...) and
 * merges each store's rounds. The machine is shared: load from other work comes and
 * goes over seconds, and alternating makes both stores sample the same conditions,
 * which is what keeps the ratio meaningful.
 */
async function alternate(
  sql: Sql,
  probe: CpuProbe,
  appenders: readonly Appender[],
  rounds: number,
  operationsPerRound: number,
  concurrency: number,
  operation: (appender: Appender, index: number) => Promise<void>,
): Promise<Map<StoreName, { measurement: Measurement; cpu: CpuLap; transactions: number }>> {
  const merged = new Map<StoreName, { latencies: Float64Array[]; elapsedMs: number; clientCpuMs: number; serverCpuMs: number | null; transactions: number }>();
  for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
    const order = roundIndex % 2 === 0 ? appenders : [...appenders].reverse();
    for (const appender of order) {
      await settle(sql);
      const head = await appender.head();
      probe.lap();
      const measurement = await runTimed(operationsPerRound, concurrency, (index) =>
        operation(appender, roundIndex * operationsPerRound + index),
      );
      const cpu = probe.lap();
      const total = merged.get(appender.name) ?? { latencies: [], elapsedMs: 0, clientCpuMs: 0, serverCpuMs: 0, transactions: 0 };
      total.transactions += await appender.transactionsAfter(head);
      total.latencies.push(measurement.latenciesMs);
      total.elapsedMs += measurement.elapsedMs;
      total.clientCpuMs += cpu.clientCpuMs;
      total.serverCpuMs = total.serverCpuMs === null || cpu.serverCpuMs === null ? null : total.serverCpuMs + cpu.serverCpuMs;
      merged.set(appender.name, total);
    }
  }
  const results = new Map<StoreName, { measurement: Measurement; cpu: CpuLap; transactions: number }>();
  for (const [name, total] of merged) {
    const latenciesMs = new Float64Array(total.latencies.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of total.latencies) {
      latenciesMs.set(part, offset);
      offset += part.length;
    }
    latenciesMs.sort();
    results.set(name, {
      measurement: { operations: latenciesMs.length, elapsedMs: total.elapsedMs, latenciesMs },
      cpu: { clientCpuMs: total.clientCpuMs, serverCpuMs: total.serverCpuMs },
      transactions: total.transactions,
    });
  }
  return results;
}

function report(
  store: StoreName,
  name: string,
  { measurement, cpu, transactions }: { measurement: Measurement; cpu: CpuLap; transactions: number },
  eventsPerOperation: number,
  concurrency: number,
  extra: Record<string, unknown> = {},
): ScenarioResult {
  const events = measurement.operations * eventsPerOperation;
  const result: ScenarioResult = {
    name,
    store,
    events,
    concurrency,
    events_per_s: round(events / (measurement.elapsedMs / 1000), 0),
    p50_ms: round(percentile(measurement.latenciesMs, 50)),
    p99_ms: round(percentile(measurement.latenciesMs, 99)),
    max_ms: round(percentile(measurement.latenciesMs, 100)),
    elapsed_ms: round(measurement.elapsedMs, 0),
    ...cpuFields(cpu, events),
    // How many appends shared a commit (group commit's batch size; 1 without it).
    ...(transactions > 0 ? { appends_per_commit: round(measurement.operations / transactions) } : {}),
    ...extra,
  };
  emit(result);
  log(`${store} ${name}: ${result.events_per_s} events/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
  return result;
}

/**
 * Best effort: a checkpoint before each measured scenario, so that neither store pays
 * for the other's dirty pages or a checkpoint that happens to start mid-scenario.
 * Needs pg_checkpoint (or superuser); on a hosted database without it we carry on.
 */
let canCheckpoint = true;
async function settle(sql: Sql): Promise<void> {
  if (!canCheckpoint) return;
  try {
    await sql`checkpoint`;
  } catch (error) {
    canCheckpoint = false;
    log(`no CHECKPOINT privilege (${(error as Error).message}); scenarios run without it`);
  }
}

type Results = Record<StoreName, Record<string, ScenarioResult>>;

async function appendScenarios(appenders: [Appender, Appender], floor: Appender, sql: Sql, probe: CpuProbe, prefix: string): Promise<Results> {
  const streamId = (appender: Appender, kind: string, index: number) => `order-${prefix}-${appender.name}-${kind}-${index}`;
  const results: Results = { creatorflow: {}, emmett: {}, durable_commit_floor: {} };
  const record = (name: string, runs: Awaited<ReturnType<typeof alternate>>, eventsPerOperation: number, concurrency: number, extra: Record<string, unknown>) => {
    for (const appender of appenders) {
      const run = runs.get(appender.name);
      if (run) results[appender.name][name] = report(appender.name, name, run, eventsPerOperation, concurrency, { rounds: ROUNDS, ...extra });
    }
  };

  // Warm-up: connections opened, statements prepared, JIT and caches hot.
  for (const appender of appenders) {
    await runTimed(WARMUP_APPENDS, CONCURRENCY, (index) => appender.append(streamId(appender, "warm", index), 0, 1));
    await runTimed(WARMUP_APPENDS, CONCURRENCY, (index) => appender.append(streamId(appender, "warm", index), 1, 1));
    await runTimed(WARMUP_BATCHES, 1, (index) => appender.append(streamId(appender, "warmbatch", index), 0, BATCH_SIZE));
  }

  record(
    "append_new_streams",
    await alternate(sql, probe, appenders, ROUNDS, NEW_STREAM_EVENTS / ROUNDS, CONCURRENCY, (appender, index) =>
      appender.append(streamId(appender, "s", index), 0, 1),
    ),
    1,
    CONCURRENCY,
    { expected_version: "no_stream" },
  );

  // Each append goes to a different stream created above (at version 1): no conflicts,
  // so this measures the optimistic-concurrency path, not retries.
  record(
    "append_existing_streams_concurrent",
    await alternate(sql, probe, appenders, ROUNDS, EXISTING_CONCURRENT_EVENTS / ROUNDS, CONCURRENCY, (appender, index) =>
      appender.append(streamId(appender, "s", index), 1, 1),
    ),
    1,
    CONCURRENCY,
    { expected_version: 1 },
  );

  // One writer: every append waits for its own commit (fsync), so this is latency-bound.
  // The floor alternates with both stores: the least any durable append can take here.
  const sequential = await alternate(sql, probe, [...appenders, floor], ROUNDS, EXISTING_SEQUENTIAL_EVENTS / ROUNDS, 1, (appender, index) =>
    appender.append(streamId(appender, "s", index), 2, 1),
  );
  record("append_existing_streams_sequential", sequential, 1, 1, { expected_version: 2 });
  results.durable_commit_floor.durable_commit_floor_sequential = report("durable_commit_floor", "durable_commit_floor_sequential", sequential.get("durable_commit_floor")!, 1, 1, {
    rounds: ROUNDS,
    what: "one autocommit INSERT of the payload into a table without an index: one round trip, one row, one durable commit",
  });

  record(
    "append_batch_1000",
    await alternate(sql, probe, appenders, ROUNDS, BATCH_REPEATS / ROUNDS, 1, (appender, index) =>
      appender.append(streamId(appender, "batch", index), 0, BATCH_SIZE),
    ),
    BATCH_SIZE,
    1,
    { batches: BATCH_REPEATS, batch_size: BATCH_SIZE, latency_is: "per batch of 1,000", target_p50_ms: BATCH_TARGET_MS },
  );
  return results;
}

/** Pages through the whole global stream; each page is one timed operation. */
async function readGlobalStream(store: EventStore, sql: Sql, probe: CpuProbe): Promise<ScenarioResult> {
  await settle(sql);
  probe.lap();
  let checkpoint: GlobalCheckpoint = startOfGlobalStream;
  let events = 0;
  const pageLatencies: number[] = [];
  const started = performance.now();
  for (;;) {
    const pageStarted = performance.now();
    const page = await store.readAllAfter(checkpoint, { limit: READ_PAGE });
    pageLatencies.push(performance.now() - pageStarted);
    if (page.events.length === 0) break;
    events += page.events.length;
    checkpoint = page.checkpoint;
  }
  const elapsedMs = performance.now() - started;
  const cpu = probe.lap();
  const latenciesMs = Float64Array.from(pageLatencies).sort();
  const result: ScenarioResult = {
    name: "read_global_stream",
    store: "creatorflow",
    events,
    concurrency: 1,
    events_per_s: round(events / (elapsedMs / 1000), 0),
    p50_ms: round(percentile(latenciesMs, 50)),
    p99_ms: round(percentile(latenciesMs, 99)),
    max_ms: round(percentile(latenciesMs, 100)),
    elapsed_ms: round(elapsedMs, 0),
    ...cpuFields(cpu, events),
    pages: pageLatencies.length,
    page_size: READ_PAGE,
    latency_is: "per page (readAllAfter, gap-free snapshot filter, upcasting)",
  };
  emit(result);
  log(`creatorflow read_global_stream: ${result.events_per_s} events/s over ${events} events`);
  return result;
}

export async function run(): Promise<void> {
  const runStarted = performance.now();
  const port = Number(process.env.BENCH_DB_PORT ?? 54352);
  log(process.env.DATABASE_URL ? "using DATABASE_URL" : `starting embedded PostgreSQL 17 on port ${port} (durable settings)`);
  // Not ephemeral: fsync and synchronous_commit stay on, so commit costs are real.
  await withBenchDatabase({ port, cluster: "postgres-bench", database: "creatorflow_bench", poolSize: POOL_SIZE, log: (line) => log(line.trimEnd()) }, async (sql, database) => {
    const emmettPool = new pg.Pool({ connectionString: database.url, max: POOL_SIZE });
    const emmett = getPostgreSQLEventStore(database.url, { connectionOptions: { pool: emmettPool } });
    try {
      await compareStores(sql, emmett, database, runStarted);
    } finally {
      await emmett.close().catch(() => {});
      await emmettPool.end().catch(() => {});
    }
  });
}

async function compareStores(sql: Sql, emmett: PostgresEventStore, database: PreparedDatabase, runStarted: number): Promise<void> {
  // A run on a shared DATABASE_URL must not collide with an earlier run's streams.
  const prefix = `bench${Date.now().toString(36)}`;
  const [settings] = await sql<{ version: string; fsync: string; synchronous_commit: string }[]>`
    select current_setting('server_version') as version, current_setting('fsync') as fsync,
           current_setting('synchronous_commit') as synchronous_commit`;
  log(`PostgreSQL ${settings.version}, fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit}`);
  await emmett.schema.migrate();
  await sql`create table if not exists public.bench_durable_commit_floor (stream_id text not null, payload jsonb not null)`;
  const probe = await cpuProbe(sql);

  const results = await appendScenarios([ourAppender(createEventStore({ sql }), sql), emmettAppender(emmett, sql)], durableCommitFloor(sql), sql, probe, prefix);
  await sql`drop table public.bench_durable_commit_floor`;
  const ours = results.creatorflow;
  const theirs = results.emmett;
  await readGlobalStream(createEventStore({ sql }), sql, probe);

  const ratio = (scenario: string) => round(ours[scenario].events_per_s / theirs[scenario].events_per_s);
  const singleEventScenarios = ["append_new_streams", "append_existing_streams_concurrent", "append_existing_streams_sequential"];
  const ratios = Object.fromEntries(Object.keys(ours).map((scenario) => [scenario, ratio(scenario)]));
  const floor = results.durable_commit_floor.durable_commit_floor_sequential;
  emit({
    name: "ratios",
    meaning: "events_per_s ours / Emmett, same database, same run (>1 = ours faster)",
    ...ratios,
    // The most any store acknowledging only committed appends could reach on the sequential row.
    append_existing_streams_sequential_ceiling: round(floor.events_per_s / theirs.append_existing_streams_sequential.events_per_s),
    append_batch_1000_p50_ms: { ours: ours.append_batch_1000.p50_ms, emmett: theirs.append_batch_1000.p50_ms },
    target_single_event_2x_met: singleEventScenarios.every((scenario) => ratio(scenario) >= SINGLE_EVENT_TARGET_RATIO),
    target_batch_1000_le_25ms_met: ours.append_batch_1000.p50_ms <= BATCH_TARGET_MS,
    database: database.local ? "embedded PostgreSQL, durable" : "DATABASE_URL",
    postgres_version: settings.version,
    synchronous_commit: settings.synchronous_commit,
    run_s: round((performance.now() - runStarted) / 1000, 1),
  });
}
