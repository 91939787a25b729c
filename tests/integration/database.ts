// Connections for integration tests, to the database the global setup prepared.
import postgres, { type Sql } from "postgres";
import { afterAll, inject } from "vitest";
import { prepareDatabase } from "../../supabase/local/database.ts";

/** A postgres.js client closed after the file's tests; as the table owner it bypasses RLS, like server code. */
export function connectTestDatabase(options: { max?: number } = {}): Sql {
  const sql = postgres(inject("databaseUrl"), { max: options.max ?? 10, onnotice: () => {} });
  afterAll(() => sql.end({ timeout: 5 }));
  return sql;
}

/**
 * A database of the file's own, on an embedded server of its own (TEST_DB_PORT + `portOffset`),
 * for tests whose consumers would otherwise work through every other file's events. Always
 * embedded, even when DATABASE_URL names another; stopped after the file's tests.
 */
export async function ownTestDatabase(name: string, portOffset: number, options: { max?: number } = {}): Promise<{ url: string; sql: Sql }> {
  const port = Number(process.env.TEST_DB_PORT ?? 24332) + portOffset;
  const externalUrl = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  const database = await prepareDatabase({ port, name: `postgres-${name}-${port}`, ephemeral: true, database: `creatorflow_${name.replaceAll("-", "_")}`, recreate: true }).finally(() => {
    if (externalUrl !== undefined) process.env.DATABASE_URL = externalUrl;
  });
  const sql = postgres(database.url, { max: options.max ?? 4, onnotice: () => {} });
  afterAll(async () => {
    await sql.end({ timeout: 5 });
    await database.stop();
  });
  return { url: database.url, sql };
}

/** How many events the store holds on one aggregate's stream (what a refused append must leave at 0). */
export async function storedEventCount(sql: Sql, aggregateId: string): Promise<number> {
  const [row] = await sql<{ count: string }[]>`select count(*) from event_store where aggregate_id = ${aggregateId}`;
  return Number(row!.count);
}

/** A fresh tenant id, so tests sharing the database never see each other's rows. */
export function newCreatorId(): string {
  return crypto.randomUUID();
}

class RollBack extends Error {}

/**
 * Runs queries as Supabase runs a signed-in user's: role authenticated, the JWT's claims in
 * request.jwt.claims (so RLS policies see auth.jwt() as they would), then rolls back.
 */
export async function asSignedInUser<T>(sql: Sql, appMetadata: Record<string, string>, query: (tx: Sql) => Promise<T>): Promise<T> {
  const claims = { sub: crypto.randomUUID(), role: "authenticated", app_metadata: appMetadata };
  let result: T | undefined;
  await sql
    .begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      result = await query(tx as unknown as Sql);
      throw new RollBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return result as T;
}
