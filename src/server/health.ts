// The service's health: can we reach the database, and has it every migration this
// build ships with. Read by GET /api/health (load balancers, uptime checks, the dashboard).
import type { Sql } from "postgres";
import { databaseClient } from "./database.ts";
import { readMigrationState, type MigrationState } from "./migration-state.ts";
import { log } from "./log.ts";

export type HealthStatus = "ok" | "degraded" | "down";

export interface HealthReport {
  status: HealthStatus;
  database: { reachable: boolean; latency_ms: number | null };
  /** null while the database is unreachable: what it has applied cannot be known then. */
  migrations: MigrationState | null;
}

const downReport: HealthReport = {
  status: "down",
  database: { reachable: false, latency_ms: null },
  migrations: null,
};

export async function checkHealth(): Promise<HealthReport> {
  let sql: Sql;
  try {
    sql = databaseClient();
  } catch (error) {
    log.error("health check: no database configured", { error });
    return downReport;
  }
  const latencyMs = await measureRoundTrip(sql);
  if (latencyMs === null) return downReport;
  const migrations = await readMigrationState(sql);
  return {
    status: migrations.pending.length === 0 ? "ok" : "degraded",
    database: { reachable: true, latency_ms: latencyMs },
    migrations,
  };
}

/** Milliseconds for one trivial query, or null when the database cannot be reached. */
async function measureRoundTrip(sql: Sql): Promise<number | null> {
  const startedAt = performance.now();
  try {
    await sql`select 1`;
  } catch (error) {
    log.error("health check: database unreachable", { error });
    return null;
  }
  return Math.round((performance.now() - startedAt) * 10) / 10;
}
