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

/**
 * The squash of 2026-12-02 (docs/MIGRATIONS.md): the 42 migrations up to f12fabb became one
 * baseline with the newest one's version. A database that recorded all of them has the
 * baseline's version too, so it counts as applied; one that stopped part-way through the old
 * chain has the schema of neither, and the baseline must not be replayed over it.
 */
export const squash = {
  baselineVersion: "20261203001400",
  lastCommitBefore: "f12fabb",
  /** The versions the baseline replaced, besides its own. */
  replacedVersions: [
    "20261122000100", "20261122000300", "20261122000400", "20261122000500", "20261122000600", "20261122000610",
    "20261122000700", "20261122000800", "20261122000900", "20261122001000", "20261122001100", "20261122001200",
    "20261201000100", "20261201000240", "20261201000300", "20261201000400", "20261201000500", "20261201000600",
    "20261202000100", "20261202000200", "20261202000300", "20261202000310", "20261202000320", "20261202000500",
    "20261202000600", "20261202000700", "20261203000100", "20261203000200", "20261203000300", "20261203000400",
    "20261203000410", "20261203000500", "20261203000510", "20261203000600", "20261203000700", "20261203000800",
    "20261203001000", "20261203001010", "20261203001020", "20261203001100", "20261203001110",
  ],
} as const;

/** A MigrationFailedError of the baseline, so every caller that reports one reports this too. */
export class SquashedChainError extends MigrationFailedError {
  constructor(
    baselineFile: string,
    readonly recordedOldVersions: string[],
  ) {
    // The baseline's version was the old chain's last migration too.
    const missing = [...squash.replacedVersions.filter((version) => !recordedOldVersions.includes(version)), squash.baselineVersion];
    const reason = new Error(
      `This database applied ${recordedOldVersions.length} of the ${squash.replacedVersions.length} migrations that were squashed into ` +
        `${path.basename(baselineFile)} (the last: ${recordedOldVersions.at(-1)}), but not ${squash.baselineVersion}: ` +
        `it stopped part-way through the old chain (missing: ${missing.join(", ")}), and the baseline cannot be replayed ` +
        `over the schema it has. Local database: rebuild it with \`npm run db:reset\` (its data goes). To keep the data, ` +
        `or for a hosted database: check out ${squash.lastCommitBefore} (the last commit before the squash), apply the rest of ` +
        `the old chain there (\`npm run db:migrate\`, or \`supabase db push\` for hosted), then come back. See docs/MIGRATIONS.md.`,
    );
    super(baselineFile, undefined, reason);
    this.name = "SquashedChainError";
  }
}

/** Refuses a database left part-way through the chain the baseline replaced (see `squash`). */
export function checkNotPartWayThroughSquashedChain(recorded: readonly string[], shipped: readonly MigrationFile[]): void {
  const baseline = shipped.find((migration) => migration.version === squash.baselineVersion);
  if (!baseline || recorded.includes(squash.baselineVersion)) return;
  const recordedOld = squash.replacedVersions.filter((version) => recorded.includes(version));
  if (recordedOld.length > 0) throw new SquashedChainError(baseline.file, recordedOld);
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
  const migrations = listMigrations(options.dir);
  checkNotPartWayThroughSquashedChain(await appliedMigrationVersions(sql), migrations);
  const applied: string[] = [];
  for (const migration of migrations) {
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
