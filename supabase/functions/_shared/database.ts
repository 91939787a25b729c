// The Postgres connection of an Edge Function. Hosted Supabase provides SUPABASE_DB_URL;
// the local stack passes DATABASE_URL too.
import postgres from "postgres";
import { usesTransactionPooler } from "../../../src/core/database-url.ts";
import { configureDeploymentEnvironment } from "../../../src/core/service-identity.ts";

export function connectDatabase(options: { max?: number } = {}) {
  // Every event the function appends names the deployment (metadata.environment).
  configureDeploymentEnvironment(Deno.env.get("DEPLOYMENT_ENVIRONMENT") ?? Deno.env.get("NODE_ENV"));
  const url = Deno.env.get("DATABASE_URL") ?? Deno.env.get("SUPABASE_DB_URL");
  if (!url) throw new Error("DATABASE_URL (or SUPABASE_DB_URL) is not set");
  return postgres(url, {
    max: options.max ?? 10,
    prepare: !usesTransactionPooler(url),
    // Fail fast when the database is away, so the caller can answer 503 well inside TikTok's 3 s.
    connect_timeout: 2,
    idle_timeout: 30,
    onnotice: () => {},
  });
}

export function requiredEnv(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
