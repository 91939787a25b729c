// npm run db:reset — rebuilds the LOCAL database from nothing: drops it, then applies the
// bootstrap and every migration. Refuses to touch DATABASE_URL.
import postgres from "postgres";
import { prepareDatabase } from "../supabase/local/database.ts";
import { LocalPostgresError, localDatabaseUrl, startLocalPostgres } from "../supabase/local/postgres.ts";

if (process.env.DATABASE_URL) {
  console.error("db:reset only rebuilds the local database; unset DATABASE_URL to use it.");
  process.exit(1);
}

const server = await startLocalPostgres().catch((error: unknown) => {
  console.error(error instanceof LocalPostgresError ? error.message : error);
  process.exit(1);
});
// Connected to template1, since a database cannot be dropped from inside itself.
const admin = postgres(localDatabaseUrl(server.port, "template1"), { max: 1, onnotice: () => {} });
try {
  await admin.unsafe(`drop database if exists postgres with (force)`);
  await admin.unsafe(`create database postgres`);
} finally {
  await admin.end();
}
const database = await prepareDatabase({ log: (line) => console.log(line) });
console.log(`Local database rebuilt: ${database.applied.length} migration(s) applied`);
await database.stop();
if (server.owned) await server.stop();
