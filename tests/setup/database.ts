// Vitest global setup: one real Postgres for the whole run. The embedded server on its
// own port and folder (so a running dev stack is untouched), a fresh database each run;
// or DATABASE_URL when set, migrated in place. TEST_DB_PORT lets parallel runs keep apart.
import type { TestProject } from "vitest/node";
import { prepareDatabase } from "../../supabase/local/database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  // Below Linux's ephemeral range (32768–60999): a fixed port inside it can be held, now and
  // then, by the local end of some outgoing connection, and Postgres then cannot bind it.
  const port = Number(process.env.TEST_DB_PORT ?? 24332);
  const database = await prepareDatabase({
    port,
    name: `postgres-test-${port}`,
    ephemeral: true,
    database: "creatorflow_test",
    recreate: true,
  });
  project.provide("databaseUrl", database.url);
  return () => database.stop();
}
