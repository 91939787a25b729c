// Connections for integration tests, to the database the global setup prepared.
import postgres, { type Sql } from "postgres";
import { afterAll, inject } from "vitest";

/** A postgres.js client closed after the file's tests; as the table owner it bypasses RLS, like server code. */
export function connectTestDatabase(options: { max?: number } = {}): Sql {
  const sql = postgres(inject("databaseUrl"), { max: options.max ?? 10, onnotice: () => {} });
  afterAll(() => sql.end({ timeout: 5 }));
  return sql;
}

/** A fresh tenant id, so tests sharing the database never see each other's rows. */
export function newCreatorId(): string {
  return crypto.randomUUID();
}
