// A benchmark's own database: recreated on the embedded PostgreSQL (or migrated on
// DATABASE_URL), a `postgres` pool on it for the body, both closed however the body ends.
import postgres, { type Sql } from "postgres";
import { prepareDatabase, type PreparedDatabase } from "../../supabase/local/database.ts";

export interface BenchDatabaseOptions {
  port: number;
  /** The embedded cluster's name (its data directory). */
  cluster: string;
  database: string;
  poolSize: number;
  /** fsync and synchronous_commit off: for benchmarks that do not measure commit costs. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export async function withBenchDatabase<T>(options: BenchDatabaseOptions, body: (sql: Sql, database: PreparedDatabase) => Promise<T>): Promise<T> {
  const database = await prepareDatabase({ port: options.port, name: options.cluster, database: options.database, recreate: true, ephemeral: options.ephemeral, log: options.log });
  const sql = postgres(database.url, { max: options.poolSize, onnotice: () => {} });
  try {
    return await body(sql, database);
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
}
