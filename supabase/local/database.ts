// Gets a database ready for the app: the one DATABASE_URL names (hosted Supabase or
// any Postgres 15+), or the embedded local one with the local-only bootstrap applied.
import postgres from "postgres";
import { applyLocalBootstrap, applyMigrations } from "./migrations.ts";
import { localDatabaseUrl, startLocalPostgres, type LocalPostgresOptions } from "./postgres.ts";

export interface PreparedDatabase {
  url: string;
  local: boolean;
  applied: string[];
  stop(): Promise<void>;
}

export async function prepareDatabase(
  options: LocalPostgresOptions & { database?: string; recreate?: boolean; log?: (line: string) => void } = {},
): Promise<PreparedDatabase> {
  const log = options.log ?? (() => {});
  const externalUrl = process.env.DATABASE_URL;
  if (externalUrl) {
    const sql = postgres(externalUrl, { max: 1, onnotice: () => {} });
    try {
      const applied = await applyMigrations(sql, { log });
      return { url: externalUrl, local: false, applied, stop: async () => {} };
    } finally {
      await sql.end();
    }
  }

  const server = await startLocalPostgres({ port: options.port, name: options.name, ephemeral: options.ephemeral });
  const database = options.database ?? "postgres";
  if (database !== "postgres") {
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      if (options.recreate) await admin.unsafe(`drop database if exists "${database}" with (force)`);
      const [exists] = await admin`select 1 from pg_database where datname = ${database}`;
      if (!exists) await admin.unsafe(`create database "${database}"`);
    } finally {
      await admin.end();
    }
  }
  const url = localDatabaseUrl(server.port, database);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await applyLocalBootstrap(sql);
    const applied = await applyMigrations(sql, { log });
    return { url, local: true, applied, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    await sql.end();
  }
}
