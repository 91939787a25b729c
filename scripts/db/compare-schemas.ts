// npx tsx scripts/db/compare-schemas.ts <migrations A> <migrations B> [--port N]
//
// Migrates two fresh databases on a throwaway embedded server (the local bootstrap, then
// each chain through supabase/local/migrations.ts) and compares what they hold (see
// schema-fingerprint.ts). A chain is a folder of migrations, or a git revision whose
// supabase/migrations is taken from the repository (`f12fabb`: the chain before the squash
// into one baseline, docs/MIGRATIONS.md). Exits 1 when the schemas differ beyond comments.
//   npx tsx scripts/db/compare-schemas.ts f12fabb supabase/migrations
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort } from "../../supabase/local/free-port.ts";
import { applyLocalBootstrap, applyMigrations } from "../../supabase/local/migrations.ts";
import { localDatabaseUrl, repoRoot, startLocalPostgres } from "../../supabase/local/postgres.ts";
import { compareFingerprints, schemaFingerprint, type SchemaFingerprint } from "./schema-fingerprint.ts";

const args = process.argv.slice(2);
const portFlag = args.indexOf("--port");
const port = portFlag >= 0 ? Number(args.splice(portFlag, 2)[1]) : await freePort();
const [chainA, chainB] = args;
if (!chainA || !chainB) {
  console.error("usage: compare-schemas.ts <migrations dir or git revision> <migrations dir or git revision> [--port N]");
  process.exit(2);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), "compare-schemas-"));

/** A folder as given, or the revision's supabase/migrations written into the scratch folder. */
function migrationsFolder(chain: string, label: string): string {
  if (existsSync(chain) && statSync(chain).isDirectory()) return path.resolve(chain);
  const dir = path.join(scratch, label);
  execFileSync("mkdir", ["-p", dir]);
  const files = execFileSync("git", ["ls-tree", "--name-only", `${chain}:supabase/migrations`], { cwd: repoRoot, encoding: "utf8" })
    .split("\n")
    .filter((file) => file.endsWith(".sql"));
  for (const file of files) {
    writeFileSync(path.join(dir, file), execFileSync("git", ["show", `${chain}:supabase/migrations/${file}`], { cwd: repoRoot }));
  }
  return dir;
}

async function migratedFingerprint(serverUrl: string, database: string, dir: string): Promise<SchemaFingerprint> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${database}" with (force)`);
  await admin.unsafe(`create database "${database}"`);
  await admin.end();
  const sql = postgres(serverUrl.replace(/\/[^/]*$/, `/${database}`), { max: 1, onnotice: () => {} });
  try {
    await applyLocalBootstrap(sql);
    const applied = await applyMigrations(sql, { dir });
    console.log(`${database}: ${applied.length} migration(s) from ${dir}`);
    return await schemaFingerprint(sql);
  } finally {
    await sql.end();
  }
}

const server = await startLocalPostgres({ port, name: `postgres-compare-${port}`, ephemeral: true });
let exitCode = 0;
try {
  const url = localDatabaseUrl(server.port);
  const a = await migratedFingerprint(url, "compare_a", migrationsFolder(chainA, "a"));
  const b = await migratedFingerprint(url, "compare_b", migrationsFolder(chainB, "b"));
  const differences = compareFingerprints(a, b);
  for (const difference of differences) {
    console.log(`\n## ${difference.section}${difference.commentsOnly ? " (differs only in -- comments)" : ""}`);
    for (const line of difference.onlyInA) console.log(`- A: ${line}`);
    for (const line of difference.onlyInB) console.log(`+ B: ${line}`);
    if (!difference.commentsOnly) exitCode = 1;
  }
  const counted = Object.entries(a).map(([section, lines]) => `${section} ${lines.length}`).join(", ");
  console.log(`\nCompared: ${counted}.`);
  console.log(exitCode === 0 ? "Same schema and rows (comments aside)." : "The schemas differ.");
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
