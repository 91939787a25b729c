// The server's postgres.js client, created on first use from DATABASE_URL. postgres.js
// pools connections itself, so one client per server process is right; it is kept on
// globalThis so that hot reloads in development do not open a new pool each time.
import postgres, { type Sql } from "postgres";
import { usesTransactionPooler } from "@/core/database-url.ts";
import { configureDeploymentEnvironment } from "@/core/service-identity.ts";

// Every event this server appends names the deployment (metadata.environment).
configureDeploymentEnvironment(process.env.DEPLOYMENT_ENVIRONMENT ?? process.env.NODE_ENV);

const globalForDatabase = globalThis as typeof globalThis & { creatorflowDatabase?: Sql };

export class DatabaseNotConfiguredError extends Error {
  constructor() {
    super("DATABASE_URL is not set");
    this.name = "DatabaseNotConfiguredError";
  }
}

export function databaseClient(): Sql {
  if (globalForDatabase.creatorflowDatabase) return globalForDatabase.creatorflowDatabase;
  const url = process.env.DATABASE_URL;
  if (!url) throw new DatabaseNotConfiguredError();
  const client = postgres(url, {
    prepare: !usesTransactionPooler(url),
    // Fail fast: the health check and the live page must answer while the database is away.
    connect_timeout: 5,
    idle_timeout: 30,
    onnotice: () => {},
  });
  globalForDatabase.creatorflowDatabase = client;
  return client;
}
