// Which migrations this build ships with and which the database has applied.
// Deliberately not built on supabase/local/migrations.ts: its directory is computed at run
// time, which makes Next's output tracing copy the whole project into the server bundle.
// Here the folder is statically scoped, so only supabase/migrations is traced.
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Sql } from "postgres";

/** The Supabase CLI's naming: <14-digit timestamp>_<name>.sql; the timestamp is the version. */
const migrationFileName = /^(\d{14})_[\w-]+\.sql$/;

export interface MigrationState {
  applied: string[];
  pending: string[];
}

export async function shippedMigrationVersions(): Promise<string[]> {
  // The server runs from the project root (`next start`, `next dev`), where supabase/ lives.
  const entries = await readdir(path.join(process.cwd(), "supabase", "migrations"));
  return entries
    .map((entry) => migrationFileName.exec(entry)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort();
}

/** Versions recorded in the table the Supabase CLI and `npm run db:migrate` both keep. */
export async function appliedMigrationVersions(sql: Sql): Promise<string[]> {
  const [{ recorded }] = await sql<{ recorded: boolean }[]>`
    select to_regclass('supabase_migrations.schema_migrations') is not null as recorded`;
  if (!recorded) return [];
  const rows = await sql<{ version: string }[]>`
    select version from supabase_migrations.schema_migrations order by version`;
  return rows.map((row) => row.version);
}

export async function readMigrationState(sql: Sql): Promise<MigrationState> {
  const [shipped, applied] = await Promise.all([shippedMigrationVersions(), appliedMigrationVersions(sql)]);
  const appliedSet = new Set(applied);
  return { applied, pending: shipped.filter((version) => !appliedSet.has(version)) };
}
