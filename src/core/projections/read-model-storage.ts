// Reading and writing read-model rows, a batch in one round trip each: the rows travel as
// one jsonb parameter, unpacked by jsonb_to_recordset with the column types the table
// declares (ProjectionTable.columns), so no statement grows with the batch and no
// parameter limit is reached.
import type { Fragment } from "postgres";
import { tableIn, type ProjectionContext, type ProjectionTable } from "./projection.ts";

/** Postgres type names as tables declare them ("uuid", "timestamptz", "text[]", "double precision"). */
const typeNamePattern = /^[a-z][a-z ]*(\[\])?$/;

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** `name type, ...` for jsonb_to_recordset's column definition list. */
function recordDefinition(table: ProjectionTable, columns: readonly string[]): string {
  return columns
    .map((column) => {
      const type = table.columns[column];
      if (!type || !typeNamePattern.test(type)) throw new Error(`${table.name}.${column} has no declared type`);
      return `${quote(column)} ${type}`;
    })
    .join(", ");
}

/**
 * The rows of `table` that match one of `values` on the columns `on` (by default its key),
 * optionally narrowed further by `where` (a condition on the table, aliased `t`).
 */
export async function selectRowsMatching<Result extends object>(
  context: ProjectionContext,
  table: ProjectionTable,
  values: readonly object[],
  options: { on?: readonly string[]; where?: Fragment } = {},
): Promise<Result[]> {
  if (values.length === 0) return [];
  const { sql } = context;
  const on = options.on ?? table.key;
  const match = on.map((column) => `t.${quote(column)} = k.${quote(column)}`).join(" and ");
  return sql<Result[]>`
    select t.* from ${tableIn(context, table.name)} t
      join jsonb_to_recordset(${sql.json(values as never)}) as k(${sql.unsafe(recordDefinition(table, on))})
        on ${sql.unsafe(match)}
     ${options.where ? sql`where ${options.where}` : sql``}`;
}

/**
 * Inserts `rows` (every declared column), in key order so that concurrent writers never
 * deadlock. On a key conflict the row is replaced, or `onConflict` (SQL assignments, the
 * table aliased `t`, the new row `excluded`) says what to do instead; `onlyWhen` (a
 * condition on `t` and `excluded`) leaves the stored row alone unless it holds. Both are
 * spliced in as SQL text: constants of the projection's code, never anything from input.
 */
export async function upsertRows(
  context: ProjectionContext,
  table: ProjectionTable,
  rows: readonly object[],
  options: { onConflict?: string; onlyWhen?: string } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const { sql } = context;
  const columns = Object.keys(table.columns);
  const replace = columns
    .filter((column) => !table.key.includes(column))
    .map((column) => `${quote(column)} = excluded.${quote(column)}`)
    .join(", ");
  await sql`
    insert into ${tableIn(context, table.name)} as t (${sql(columns)})
    select * from jsonb_to_recordset(${sql.json(rows as never)}) as r(${sql.unsafe(recordDefinition(table, columns))})
     order by ${sql.unsafe(table.key.map(quote).join(", "))}
    on conflict (${sql(table.key as string[])}) do update set ${sql.unsafe(options.onConflict ?? replace)}
    ${options.onlyWhen ? sql`where ${sql.unsafe(options.onlyWhen)}` : sql``}`;
}

/** `onConflict` assignments that add the new row's `columns` to the stored ones (counters of a bucket). */
export function addingUp(columns: readonly string[]): string {
  return columns.map((column) => `${quote(column)} = t.${quote(column)} + excluded.${quote(column)}`).join(", ");
}
