// Copies of read-model tables in another schema, shaped like the live ones: the shadow
// tables of a rebuild, or a test's private set of read models.
import type { Sql } from "postgres";
import type { Projection } from "./projection.ts";

/** Where a rebuild of the tables in `schema` builds its shadow copies. */
export function shadowSchemaFor(schema: string): string {
  return schema === "public" ? "projection_rebuild" : `${schema}_rebuild`;
}

/** (Re)creates `tables` in `schema` like their namesakes in `likeSchema`, empty. Unlogged suits throwaway copies. */
export async function createTablesLike(
  sql: Sql,
  options: { schema: string; likeSchema: string; tables: readonly string[]; unlogged?: boolean },
): Promise<void> {
  await sql`create schema if not exists ${sql(options.schema)}`;
  for (const table of options.tables) {
    await sql`drop table if exists ${sql(`${options.schema}.${table}`)}`;
    await sql`create ${options.unlogged ? sql`unlogged` : sql``} table ${sql(`${options.schema}.${table}`)}
              (like ${sql(`${options.likeSchema}.${table}`)} including all)`;
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
