// npm run db:migrate — applies pending migrations to DATABASE_URL, or to the local
// embedded database (started for the occasion when the dev stack is not running).
import { MigrationFailedError } from "../supabase/local/migrations.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { LocalPostgresError } from "../supabase/local/postgres.ts";

try {
  const database = await prepareDatabase({ log: (line) => console.log(line) });
  console.log(
    database.applied.length
      ? `${database.applied.length} migration(s) applied to ${database.local ? "the local database" : "DATABASE_URL"}`
      : "Database is up to date",
  );
  await database.stop();
} catch (error) {
  console.error(error instanceof MigrationFailedError || error instanceof LocalPostgresError ? error.message : error);
  process.exit(1);
}
