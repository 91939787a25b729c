// Copies of read-model tables in another schema, shaped like the live ones: the shadow
// tables of a rebuild, or a test's private set of read models.
import type { Sql } from "postgres";
import type { Projection } from "./projection.ts";

/** Where a rebuild of the tables in `schema` builds its shadow copies. */
export function shadowSchemaFor(schema: string): string {
  return schema === "public" ? "projection_rebuild" : `${schema}_rebuild`;
}

/**
 * (Re)creates `tables` in `schema` like their namesakes in `likeSchema`, empty. A rebuild's
 * shadow copies are `throwaway`: unlogged, and with their primary key as the only index
 * (the upserts need it; the readers' indexes would only slow the fold down, and the swap
 * copies the rows into the live tables, whose indexes are kept).
 */
export async function createTablesLike(
  sql: Sql,
  options: { schema: string; likeSchema: string; tables: readonly string[]; throwaway?: boolean },
): Promise<void> {
  await sql`create schema if not exists ${sql(options.schema)}`;
  for (const table of options.tables) {
    const copy = sql(`${options.schema}.${table}`);
    await sql`drop table if exists ${copy}`;
    if (!options.throwaway) {
      await sql`create table ${copy} (like ${sql(`${options.likeSchema}.${table}`)} including all)`;
      continue;
    }
    await sql`create unlogged table ${copy} (like ${sql(`${options.likeSchema}.${table}`)} including defaults including generated)`;
    const [key] = await sql<{ columns: string[] }[]>`
      select array_agg(a.attname::text order by k.ordinality) as columns
        from pg_index i
        cross join lateral unnest(i.indkey) with ordinality as k(attnum, ordinality)
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
       where i.indrelid = ${`${options.likeSchema}.${table}`}::regclass and i.indisprimary`;
    if (key?.columns) await sql`alter table ${copy} add primary key (${sql(key.columns)})`;
  }
}

export async function dropTables(sql: Sql, schema: string, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`drop table if exists ${sql(`${schema}.${table}`)}`;
}

/** A schema holding its own copy of every read model of `projections` and a realtime outbox. */
export async function createReadModelSchema(sql: Sql, schema: string, projections: readonly Projection[]): Promise<void> {
  const tables = [...projections.flatMap((projection) => projection.tables.map((table) => table.name)), "realtime_outbox"];
  await createTablesLike(sql, { schema, likeSchema: "public", tables });
}
