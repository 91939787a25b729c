// Applies supabase/migrations/*.sql in order, each in its own transaction, and records
// them in supabase_migrations.schema_migrations, the table the Supabase CLI keeps, so
// `supabase db push` and this runner agree on what has been applied.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Sql } from "postgres";

export const migrationsDir = path.resolve(import.meta.dirname, "../migrations");
/** What hosted Supabase provides before any migration: roles, auth, realtime; then pg_net, pg_cron and Vault. */
export const localBootstrapFiles = ["bootstrap.sql", "bootstrap-extensions.sql"].map((file) =>
  path.resolve(import.meta.dirname, file),
);

const migrationFileName = /^(\d{14})_([\w-]+)\.sql$/;

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
}

export class MigrationFailedError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Migration ${path.basename(file)}${line ? ` failed at line ${line}` : " failed"}: ${reason}`);
    this.name = "MigrationFailedError";
  }
}

export function listMigrations(dir = migrationsDir): MigrationFile[] {
  return readdirSync(dir)
    .filter((entry) => entry.endsWith(".sql"))
    .map((entry) => {
      const match = migrationFileName.exec(entry);
      if (!match) throw new Error(`Migration file name ${entry} is not <14-digit timestamp>_<name>.sql`);
      return { version: match[1], name: match[2], file: path.join(dir, entry) };
    })
    .sort((a, b) => a.version.localeCompare(b.version));
}

async function ensureMigrationsTable(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key,
      statements text[],
      name text
    );
  `);
}

export async function appliedMigrationVersions(sql: Sql): Promise<string[]> {
  const [{ exists }] = await sql<{ exists: boolean }[]>`
    select to_regclass('supabase_migrations.schema_migrations') is not null as exists`;
  if (!exists) return [];
  const rows = await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations order by version`;
  return rows.map((row) => row.version);
}

export async function applyMigrations(
  sql: Sql,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<string[]> {
  const log = options.log ?? (() => {});
  await ensureMigrationsTable(sql);
  const applied: string[] = [];
  for (const migration of listMigrations(options.dir)) {
    const text = readFileSync(migration.file, "utf8");
    try {
      const ran = await sql.begin(async (tx) => {
        // Serialises concurrent migrators (two dev stacks, parallel test workers).
        await tx`select pg_advisory_xact_lock(hashtext('supabase_migrations'))`;
        const [done] = await tx`select 1 from supabase_migrations.schema_migrations where version = ${migration.version}`;
        if (done) return false;
        await tx.unsafe(text);
        await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
                 values (${migration.version}, ${migration.name}, ${[text]})`;
        return true;
      });
      if (ran) {
        applied.push(migration.version);
        log(`applied ${path.basename(migration.file)}`);
      }
    } catch (error) {
      throw new MigrationFailedError(migration.file, errorLine(text, error), error);
    }
  }
  return applied;
}

/** Postgres reports a 1-based character offset into the statement text; turn it into a line. */
function errorLine(text: string, error: unknown): number | undefined {
  const position = Number((error as { position?: string }).position);
  if (!Number.isInteger(position) || position < 1) return undefined;
  return text.slice(0, position - 1).split("\n").length;
}

export async function applyLocalBootstrap(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('supabase_local_bootstrap'))`;
    for (const file of localBootstrapFiles) await tx.unsafe(readFileSync(file, "utf8"));
  });
}
