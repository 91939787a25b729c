// What the functions' Deno suites share: the real Postgres that `npm test` starts for them
// (DATABASE_URL), reached through a connection of the test's own.
import postgres from "postgres";

/** Runs `work` on a connection opened for it and closed after, whatever `work` does. */
export async function withDatabase<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(Deno.env.get("DATABASE_URL")!, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

/**
 * For every test of a function: the function under test keeps its database pool open from one
 * request to the next, which Deno's op and resource sanitizers would report as a leak.
 */
export const sanitize = { sanitizeOps: false, sanitizeResources: false };
