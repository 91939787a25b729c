// `npm run bench -- store-row-cost`: where a Postgres backend spends its CPU on an append,
// measured without the noise of other processes: the CPU time (/proc/<pid>/schedstat) of
// the one backend that runs the appends, not the wall clock, on a 2-core machine shared with
// other work. A diagnostic beside `npm run bench -- store` (which compares with Emmett).
//
// store_row_cost: 10 appends of 1,000 events to new streams in one transaction, rolled
// back, per variant: the rows as the webhooks' group commit sends them (each carrying its
// whole metadata), as the event store sends them (the shared metadata once), and the
// latter without the metadata check or without the secondary indexes (dropped inside the
// rolled-back transaction). store_append_commit_cost: single-event appends, each its own
// transaction, with a durable commit, with an asynchronous one (what the commit's WAL flush
// costs), and without the event-processing wake-up trigger.
//
// stdout: one JSON line per variant. Linux only (null figures elsewhere).
import { readFileSync } from "node:fs";
import postgres, { type Sql, type TransactionSql } from "postgres";
import { prepareAppend, toAppendRows, type NewEvent } from "../src/core/event-store/index.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { emit, log, round } from "./lib/measure.ts";

const BATCH_SIZE = 1_000;
const BATCHES_PER_ROUND = 10;
const SINGLE_APPENDS_PER_ROUND = 400;
const ROUNDS = 5;
const creatorId = crypto.randomUUID();
const SECONDARY_INDEXES = ["event_store_aggregate_version_idx", "event_store_type_time_idx", "event_store_global_order_idx", "event_store_position_idx", "event_store_correlation_idx"];

function orderEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    type: "order.received_from_tiktok",
    data: { order_id: String(576_460_000_000_000_000n + BigInt(index)), shop_id: "7494726673780148744", tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 1_764_000_000 + index },
  }));
}

/** CPU milliseconds the backend serving `sql` (a single connection) has used so far. */
async function backendCpu(sql: Sql): Promise<() => number | null> {
  const [{ pid }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  // A remote server's backend pid may be an unrelated local process.
  const local = (() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
    } catch {
      return false;
    }
  })();
  return () => {
    if (!local) return null;
    try {
      return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
    } catch {
      return null;
    }
  };
}

class RolledBack extends Error {}

type BatchVariant = { setup: (tx: TransactionSql) => Promise<unknown>; append: (tx: TransactionSql, streamId: string) => Promise<unknown> };

function batchVariants(): Record<string, BatchVariant> {
  const context = { creatorId, metadata: { source: "automated_system" as const } };
  const events = orderEvents(BATCH_SIZE);
  const fullRows = toAppendRows(context, events);
  const lean = prepareAppend(context, events);
  const noSetup = async () => {};
  // Fresh ids for every append: one transaction's rows share now() as occurred_at, and (id, occurred_at) is the key.
  const freshIds = <Row extends { id: string }>(rows: Row[]) => rows.map((row) => ({ ...row, id: crypto.randomUUID() }));
  const appendLean = (tx: TransactionSql, streamId: string) =>
    tx`select count(*) from public.append_to_stream(${creatorId}::uuid, ${streamId}, 'order', 'no_stream', ${tx.json(freshIds(lean.rows) as never)}::jsonb, null, ${tx.json(lean.metadata as never)}::jsonb)`;
  return {
    rows_carry_metadata: {
      setup: noSetup,
      append: (tx, streamId) => tx`select count(*) from public.append_to_stream(${creatorId}::uuid, ${streamId}, 'order', 'no_stream', ${tx.json(freshIds(fullRows) as never)}::jsonb)`,
    },
    metadata_once: { setup: noSetup, append: appendLean },
    metadata_once_without_check: { setup: (tx) => tx`alter table public.event_store drop constraint event_store_metadata_says_where_from`, append: appendLean },
    metadata_once_without_secondary_indexes: { setup: (tx) => tx.unsafe(SECONDARY_INDEXES.map((index) => `drop index public.${index};`).join("\n")), append: appendLean },
  };
}

async function measureBatches(sql: Sql, cpu: () => number | null): Promise<void> {
  const variants = Object.entries(batchVariants());
  const samples = new Map<string, number[]>();
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const order = roundIndex % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, variant] of order) {
      await sql
        .begin(async (tx) => {
          await variant.setup(tx);
          const before = cpu();
          for (let batch = 0; batch < BATCHES_PER_ROUND; batch++) await variant.append(tx, `order-rowcost-${name}-${roundIndex}-${batch}-${crypto.randomUUID()}`);
          const after = cpu();
          if (before !== null && after !== null) samples.set(name, [...(samples.get(name) ?? []), ((after - before) * 1000) / (BATCHES_PER_ROUND * BATCH_SIZE)]);
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
    }
  }
  for (const [name] of variants) {
    const median = medianOf(samples.get(name));
    emit({ name: "store_row_cost", variant: name, backend_cpu_us_per_event: median === null ? null : round(median, 1), batch_size: BATCH_SIZE, rounds: ROUNDS });
    log(`store_row_cost ${name}: ${median === null ? "n/a" : round(median, 1)} µs backend CPU per event`);
  }
}

async function measureCommits(sql: Sql, cpu: () => number | null): Promise<void> {
  const { metadata, rows } = prepareAppend({ creatorId, metadata: { source: "automated_system" } }, orderEvents(1));
  const append = () =>
    sql`select count(*) from public.append_to_stream(${creatorId}::uuid, ${`order-commit-${crypto.randomUUID()}`}, 'order', 'no_stream', ${sql.json(rows.map((row) => ({ ...row, id: crypto.randomUUID() })) as never)}::jsonb, null, ${sql.json(metadata as never)}::jsonb)`;
  const variants: Record<string, { before: () => Promise<unknown>; after: () => Promise<unknown> }> = {
    durable_commit: { before: async () => {}, after: async () => {} },
    asynchronous_commit: { before: () => sql`set synchronous_commit = off`, after: () => sql`reset synchronous_commit` },
    durable_commit_without_wakeup_trigger: {
      before: () => sql`alter table public.event_store disable trigger wake_event_processing`,
      after: () => sql`alter table public.event_store enable trigger wake_event_processing`,
    },
  };
  const samples = new Map<string, number[]>();
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    for (const [name, variant] of roundIndex % 2 === 0 ? Object.entries(variants) : Object.entries(variants).reverse()) {
      await variant.before();
      try {
        for (let index = 0; index < 20; index++) await append(); // plans made, caches warm
        const before = cpu();
        for (let index = 0; index < SINGLE_APPENDS_PER_ROUND; index++) await append();
        const after = cpu();
        if (before !== null && after !== null) samples.set(name, [...(samples.get(name) ?? []), ((after - before) * 1000) / SINGLE_APPENDS_PER_ROUND]);
      } finally {
        await variant.after();
      }
    }
  }
  for (const name of Object.keys(variants)) {
    const median = medianOf(samples.get(name));
    emit({ name: "store_append_commit_cost", variant: name, backend_cpu_us_per_append: median === null ? null : round(median, 0), events_per_append: 1, rounds: ROUNDS });
    log(`store_append_commit_cost ${name}: ${median === null ? "n/a" : round(median, 0)} µs backend CPU per append`);
  }
}

function medianOf(values: number[] | undefined): number | null {
  if (!values || values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54352);
  // Durable settings: the commit variants measure a real WAL flush.
  const database = await prepareDatabase({ port, name: "postgres-bench", database: "creatorflow_bench_row_cost", recreate: true, log: (line) => log(line.trimEnd()) });
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const cpu = await backendCpu(sql);
    if (cpu() === null) log("no /proc/<pid>/schedstat for the backend (not Linux, or a remote DATABASE_URL): figures are null");
    await measureBatches(sql, cpu);
    await measureCommits(sql, cpu);
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
}
