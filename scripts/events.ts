// npm run events -- <command>: operate the event processing of DATABASE_URL (or of the
// local dev database when unset).
//
//   status                               consumers: checkpoint, lag, lease, last error, rebuild progress
//   rebuild <projection|all>             rebuild read models from the events, progress bar on stderr
//                                        (all: the stream read once for every projection)
//   shards <consumer> <count>            split a live consumer into shards by creator (docs/SCALING.md)
//   replay --into <projection|print>     feed past events to a projection (idempotent) or print them
//          [--aggregate <id>] [--creator <uuid>] [--from <iso time>] [--to <iso time>]
//          [--type <type or wildcard, e.g. order.*>]...
//   archive <YYYY-MM> [--dir <folder> | --storage <bucket>]   export a month (to a folder, or to Supabase
//                                        Storage), verify the copy, then drop its partition
//   restore <YYYY-MM> [--dir <folder> | --storage <bucket>]   put an archived month back
//
// Projections are named as in `status` (projection-dashboard-metrics) or without the
// prefix (dashboard-metrics).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@supabase/supabase-js";
import { parseArgs } from "node:util";
import postgres, { type Sql } from "postgres";
import type { Consumer } from "../src/core/processing/index.ts";
import { shardLiveConsumer } from "../src/core/process-events.ts";
import { allProjections, findProjection, projectionConsumer, rebuildProjections, type Projection, type RebuildProgress } from "../src/core/projections/index.ts";
import { replayEvents } from "../src/core/replay/replay.ts";
import { ArchiveRefused } from "../src/core/event-store/archive.ts";
import { localDatabaseUrl } from "../supabase/local/postgres.ts";
import { archiveMonthToFiles, restoreMonthFromFiles, type ArchiveStorage } from "./event-archive.ts";

const DEFAULT_ARCHIVE_DIR = path.join(".local", "event-archive");

const usage = `Usage:
  npm run events -- status
  npm run events -- rebuild <projection|all>
  npm run events -- shards <projection|consumer> <count>
  npm run events -- archive <YYYY-MM> [--dir <folder> | --storage <bucket>]   (default folder: ${DEFAULT_ARCHIVE_DIR})
  npm run events -- restore <YYYY-MM> [--dir <folder> | --storage <bucket>]
  npm run events -- replay --into <projection|print> [--aggregate <id>] [--creator <uuid>] [--from <iso>] [--to <iso>] [--type <pattern>]...
Projections: ${allProjections.map((projection) => projection.name.replace(/^projection-/, "")).join(", ")}
`;

class UsageError extends Error {}

function monthBar(label: string) {
  return (done: number, total: number) => {
    const width = 30;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total} events   `);
  };
}

async function archiveOrRestore(sql: Sql, command: "archive" | "restore", argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: { dir: { type: "string" }, storage: { type: "string" } }, allowPositionals: true });
  const month = positionals[0];
  if (!month) throw new UsageError(`${command} needs a month, e.g. 2026-01`);
  const storage = values.storage === undefined ? undefined : archiveStorage(values.storage);
  // With Storage, the local files are a working copy only.
  const dir = storage ? mkdtempSync(path.join(os.tmpdir(), "event-archive-")) : (values.dir ?? DEFAULT_ARCHIVE_DIR);
  const where = storage ? `Storage bucket ${storage.bucket}` : dir;
  try {
    if (command === "archive") {
      const manifest = await archiveMonthToFiles(sql, month, dir, { progress: monthBar(`archive ${month}`), storage });
      process.stderr.write("\n");
      console.log(`${manifest.partition}: ${manifest.rows} events in ${where} (sha256 ${manifest.sha256}), partition dropped`);
    } else {
      const restored = await restoreMonthFromFiles(sql, month, dir, { progress: monthBar(`restore ${month}`), storage });
      process.stderr.write("\n");
      console.log(`${month}: ${restored} events restored from ${where}`);
    }
  } catch (error) {
    if (error instanceof ArchiveRefused) throw new UsageError(error.message);
    throw error;
  } finally {
    if (storage) rmSync(dir, { recursive: true, force: true });
  }
}

function archiveStorage(bucket: string): ArchiveStorage {
  const url = process.env.SUPABASE_URL ?? process.env.NEXT_PUBLIC_SUPABASE_URL;
  const key = process.env.SUPABASE_SERVICE_ROLE_KEY;
  if (!url || !key) throw new UsageError("--storage needs SUPABASE_URL (or NEXT_PUBLIC_SUPABASE_URL) and SUPABASE_SERVICE_ROLE_KEY");
  return { bucket, client: createClient(url, key, { auth: { persistSession: false, autoRefreshToken: false } }) };
}

function progressBar(progress: RebuildProgress): string {
  const width = 30;
  const ratio = progress.total > 0 ? Math.min(1, progress.processed / progress.total) : progress.phase === "done" ? 1 : 0;
  const filled = Math.round(ratio * width);
  const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
  return `\r${progress.projection.padEnd(30)} [${bar}] ${String(Math.round(ratio * 100)).padStart(3)}% ${progress.processed}/${progress.total} events, ${progress.eventsPerSecond}/s ${progress.phase}   `;
}

async function status(sql: Sql): Promise<void> {
  const rows = await sql<
    { consumer: string; position: string; lag: string; events_processed: string; lease_owner: string | null; lease_expires_at: Date | null; last_error: string | null; rebuild_progress: RebuildProgress | null; dead_letters: string }[]
  >`
    select c.consumer, c.position, c.events_processed, c.lease_owner, c.lease_expires_at, c.last_error, c.rebuild_progress,
           public.consumer_lag(c.transaction_id, c.position) as lag,
           (select count(*) from public.dead_letters d where d.consumer = c.consumer and d.status in ('pending', 'retry_requested')) as dead_letters
      from public.consumer_checkpoints c
     order by c.consumer`;
  const table = rows.map((row) => ({
    consumer: row.consumer,
    position: Number(row.position),
    "lag (events)": Number(row.lag),
    processed: Number(row.events_processed),
    lease: row.lease_owner && row.lease_expires_at && row.lease_expires_at > new Date() ? row.lease_owner : "",
    "dead letters": Number(row.dead_letters),
    rebuild: row.rebuild_progress ? `${row.rebuild_progress.phase} ${row.rebuild_progress.processed}/${row.rebuild_progress.total}` : "",
    "last error": row.last_error?.slice(0, 60) ?? "",
  }));
  if (table.length === 0) console.log("No consumer has run yet.");
  else console.table(table);
}

async function rebuild(sql: Sql, name: string | undefined): Promise<void> {
  if (!name) throw new UsageError("rebuild needs a projection name (or all)");
  const projections = name === "all" ? allProjections : [findProjection(name)];
  if (projections.some((projection) => projection === undefined)) throw new UsageError(`Unknown projection "${name}"`);
  const results = await rebuildProjections({
    sql,
    projections: projections as Projection[],
    onProgress: (progress) => process.stderr.write(progressBar(progress)),
  });
  process.stderr.write("\n");
  for (const result of results) {
    const poisoned = result.deadLettered ? `; ${result.deadLettered} could not be folded and were recorded as dead letters (see /admin/dead-letters)` : "";
    console.log(`${result.projection}: ${result.processed} events, ${result.eventsPerSecond} events/s${poisoned}`);
  }
}

async function shards(sql: Sql, name: string | undefined, count: string | undefined): Promise<void> {
  if (!name || !count) throw new UsageError("shards needs a consumer and a count, e.g. shards dashboard-metrics 4");
  const consumer = findProjection(name)?.name ?? name;
  await shardLiveConsumer(sql, consumer, Number(count));
  console.log(`${consumer}: moving to ${count} shard(s); the running shards stop at a common point and the new ones start from it.`);
}

/** A handler that prints the events it is given, one JSON line each. */
const printHandler: Consumer = {
  name: "print",
  handles: ["*"],
  transactional: false,
  async handleBatch(events) {
    for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
  },
};

async function replay(sql: Sql, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      into: { type: "string" },
      aggregate: { type: "string" },
      creator: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      type: { type: "string", multiple: true },
    },
  });
  if (!values.into) throw new UsageError("replay needs --into <projection|print>");
  const projection = findProjection(values.into);
  const into = values.into === "print" ? printHandler : projection ? projectionConsumer(projection) : undefined;
  if (!into) throw new UsageError(`Unknown projection or handler "${values.into}"`);
  const parseTime = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    const time = new Date(text);
    if (Number.isNaN(time.getTime())) throw new UsageError(`--${flag} must be an ISO time, got "${text}"`);
    return time;
  };
  const { replayed } = await replayEvents({
    sql,
    into,
    filter: {
      aggregateId: values.aggregate,
      creatorId: values.creator,
      from: parseTime(values.from, "from"),
      to: parseTime(values.to, "to"),
      types: values.type,
    },
    onProgress: (count) => process.stderr.write(`\rreplayed ${count} events`),
  });
  process.stderr.write(`\rreplayed ${replayed} events into ${into.name} (flagged as replay: no side effects)\n`);
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const sql = postgres(process.env.DATABASE_URL ?? localDatabaseUrl(), { max: 4, onnotice: () => {} });
  try {
    if (command === "status") await status(sql);
    else if (command === "rebuild") await rebuild(sql, rest[0]);
    else if (command === "shards") await shards(sql, rest[0], rest[1]);
    else if (command === "replay") await replay(sql, rest);
    else if (command === "archive" || command === "restore") await archiveOrRestore(sql, command, rest);
    else throw new UsageError(command ? `Unknown command "${command}"` : "No command given");
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage}`);
      return 2;
    }
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
