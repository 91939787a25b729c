// `npm run events -- archive <YYYY-MM>` and `restore <YYYY-MM>`: a month of the event store to
// a file and back. The export is one JSON line per event (the row as Postgres gives it) plus a
// manifest with the count and SHA-256; it is read back and checked against both before the
// partition is dropped, and checked again before a restore.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { Sql } from "postgres";
import {
  archiveBlockers,
  archivedMonth,
  ArchiveRefused,
  dropPartition,
  partitionExists,
  partitionRowCount,
  partitionRowsAsJson,
  restorePartition,
} from "../src/core/event-store/archive.ts";

export interface ArchiveManifest {
  month: string;
  partition: string;
  rows: number;
  sha256: string;
  exportedAt: string;
}

export type ArchiveProgress = (done: number, total: number) => void;

/** Supabase Storage as the archive's home (hosted): a private bucket, written with the service role. */
export interface ArchiveStorage {
  client: SupabaseClient;
  bucket: string;
}

const STORAGE_FOLDER = "event-archive";

const files = (dir: string, partition: string) => ({
  data: path.join(dir, `${partition}.ndjson`),
  manifest: path.join(dir, `${partition}.manifest.json`),
});

/** How an archive or restore runs: where it reports progress, its clock, and Storage (hosted) as the archive's home. */
export interface ArchiveRunOptions {
  progress?: ArchiveProgress;
  now?: Date;
  storage?: ArchiveStorage;
}

/** Writes every row of `partition` to `file`, one JSON line each; the count and SHA-256 of what was written. */
async function exportPartition(sql: Sql, partition: string, file: string, progress: ArchiveProgress): Promise<{ rows: number; sha256: string }> {
  const total = await partitionRowCount(sql, partition);
  const out = createWriteStream(file, { mode: 0o600 });
  const hash = createHash("sha256");
  let written = 0;
  for await (const page of partitionRowsAsJson(sql, partition)) {
    const chunk = `${page.join("\n")}\n`;
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, "drain");
    written += page.length;
    progress(written, total);
  }
  out.end();
  await once(out, "finish");
  return { rows: written, sha256: hash.digest("hex") };
}

/** Exports, verifies, then drops the month's partition. Refuses (ArchiveRefused) before touching anything. */
export async function archiveMonthToFiles(sql: Sql, month: string, dir: string, options: ArchiveRunOptions = {}): Promise<ArchiveManifest> {
  const { progress = () => {}, now = new Date(), storage } = options;
  const target = archivedMonth(month, now);
  if (!(await partitionExists(sql, target.partition))) throw new ArchiveRefused([`there is no partition ${target.partition} (already archived, or never had events)`]);
  const blockers = await archiveBlockers(sql, target);
  if (blockers.length > 0) throw new ArchiveRefused(blockers);

  const { data, manifest: manifestFile } = files(dir, target.partition);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(data)) throw new ArchiveRefused([`${data} exists already; move it away first`]);
  const exported = await exportPartition(sql, target.partition, data, progress);
  const manifest: ArchiveManifest = { month, partition: target.partition, rows: exported.rows, sha256: exported.sha256, exportedAt: now.toISOString() };

  // The file as it now lies on disk must hold every row the partition has, byte for byte as hashed.
  const onDisk = await fileDigest(data);
  const stillInDatabase = await partitionRowCount(sql, target.partition);
  if (onDisk.lines !== exported.rows || onDisk.sha256 !== manifest.sha256 || stillInDatabase !== exported.rows) {
    throw new Error(`Export of ${target.partition} did not verify (file ${onDisk.lines} rows, database ${stillInDatabase}, written ${exported.rows}); nothing was dropped`);
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  if (storage) await keepInStorage(storage, dir, target.partition, manifest);
  await dropPartition(sql, target.partition);
  return manifest;
}

/** Checks the export against its manifest, then puts the month back into the event store. */
export async function restoreMonthFromFiles(sql: Sql, month: string, dir: string, options: ArchiveRunOptions = {}): Promise<number> {
  const { progress = () => {}, now = new Date(), storage } = options;
  const target = archivedMonth(month, now);
  if (storage) await fetchFromStorage(storage, dir, target.partition);
  const { data, manifest: manifestFile } = files(dir, target.partition);
  if (!existsSync(manifestFile) || !existsSync(data)) throw new ArchiveRefused([`no archive of ${month} in ${dir} (${path.basename(data)} and its manifest)`]);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as ArchiveManifest;
  const onDisk = await fileDigest(data);
  if (onDisk.sha256 !== manifest.sha256 || onDisk.lines !== manifest.rows) {
    throw new ArchiveRefused([`${path.basename(data)} does not match its manifest (${onDisk.lines} rows, sha256 ${onDisk.sha256.slice(0, 12)}…; expected ${manifest.rows}, ${manifest.sha256.slice(0, 12)}…)`]);
  }
  if (await partitionExists(sql, target.partition)) throw new ArchiveRefused([`${target.partition} is in the event store already`]);
  let done = 0;
  const restored = await restorePartition(sql, target, pagesOf(data, 2_000, (count) => progress((done += count), manifest.rows)));
  if (restored !== manifest.rows) throw new Error(`Restored ${restored} rows of ${manifest.rows}`);
  return restored;
}

async function fileDigest(file: string): Promise<{ lines: number; sha256: string }> {
  const hash = createHash("sha256");
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    for (const byte of chunk as Buffer) if (byte === 0x0a) lines += 1;
  }
  return { lines, sha256: hash.digest("hex") };
}

async function* pagesOf(file: string, pageSize: number, onPage: (count: number) => void): AsyncGenerator<string[]> {
  let page: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity })) {
    if (line.length === 0) continue;
    page.push(line);
    if (page.length === pageSize) {
      onPage(page.length);
      yield page;
      page = [];
    }
  }
  if (page.length > 0) {
    onPage(page.length);
    yield page;
  }
}

/** Uploads the export, then reads it back and checks it against the manifest: only then may the month go. */
async function keepInStorage(storage: ArchiveStorage, dir: string, partition: string, manifest: ArchiveManifest): Promise<void> {
  const bucket = storage.client.storage.from(storage.bucket);
  const { error: missing } = await storage.client.storage.getBucket(storage.bucket);
  if (missing) {
    const { error } = await storage.client.storage.createBucket(storage.bucket, { public: false });
    if (error) throw new Error(`Storage bucket ${storage.bucket} could not be created: ${error.message}`);
  }
  const local = files(dir, partition);
  for (const [file, contentType] of [[local.data, "application/x-ndjson"], [local.manifest, "application/json"]] as const) {
    const { error } = await bucket.upload(`${STORAGE_FOLDER}/${path.basename(file)}`, readFileSync(file), { contentType, upsert: false });
    if (error) throw new Error(`Upload of ${path.basename(file)} to Storage failed: ${error.message}; nothing was dropped`);
  }
  const checkDir = mkdtempSync(path.join(os.tmpdir(), "event-archive-check-"));
  try {
    await fetchFromStorage(storage, checkDir, partition);
    const copy = await fileDigest(files(checkDir, partition).data);
    if (copy.sha256 !== manifest.sha256 || copy.lines !== manifest.rows) {
      throw new Error(`The copy of ${partition} in Storage does not match the export (${copy.lines} rows); nothing was dropped`);
    }
  } finally {
    rmSync(checkDir, { recursive: true, force: true });
  }
}

async function fetchFromStorage(storage: ArchiveStorage, dir: string, partition: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const file of Object.values(files(dir, partition))) {
    const { data, error } = await storage.client.storage.from(storage.bucket).download(`${STORAGE_FOLDER}/${path.basename(file)}`);
    if (error || !data) throw new ArchiveRefused([`no ${path.basename(file)} in Storage bucket ${storage.bucket}: ${error?.message ?? "empty"}`]);
    writeFileSync(file, Buffer.from(await data.arrayBuffer()), { mode: 0o600 });
  }
}

