// Reading and writing read-model rows, a batch in one round trip each: the rows travel as
// one jsonb parameter, unpacked by jsonb_populate_recordset into the table's own row type,
// so the table's columns and types are declared once (in the migration), no statement
// grows with the batch and no parameter limit is reached.
import type { Fragment } from "postgres";
import type { StoredEvent } from "../event-store/index.ts";
import { tableIn, type ProjectionContext, type ProjectionTable, type ReadModelStorage } from "./projection.ts";

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Rows as jsonb, unpacked with the types of `table` in the context's schema. */
function rowsOf(context: ProjectionContext, table: ProjectionTable, rows: readonly object[]): Fragment {
  const { sql } = context;
  return sql`jsonb_populate_recordset(null::${tableIn(context, table.name)}, ${sql.json(rows as never)})`;
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
      join ${rowsOf(context, table, values)} k on ${sql.unsafe(match)}
     ${options.where ? sql`where ${options.where}` : sql``}`;
}

export interface UpsertOptions {
  /** SQL assignments on a key conflict (the table aliased `t`, the new row `excluded`); by default the row is replaced. */
  onConflict?: string;
  /** A condition on `t` and `excluded`: the stored row is left alone unless it holds. */
  onlyWhen?: string;
}

/**
 * Inserts `rows` (the columns the first row names; every row has the same), in key order
 * so that concurrent writers never deadlock. `onConflict` and `onlyWhen` are spliced in as
 * SQL text: constants of the projection's code, never anything from input.
 */
export async function upsertRows(context: ProjectionContext, table: ProjectionTable, rows: readonly object[], options: UpsertOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const { sql } = context;
  const columns = Object.keys(rows[0]);
  const replace = columns
    .filter((column) => !table.key.includes(column))
    .map((column) => `${quote(column)} = excluded.${quote(column)}`)
    .join(", ");
  await sql`
    insert into ${tableIn(context, table.name)} as t (${sql(columns)})
    select ${sql(columns)} from ${rowsOf(context, table, rows)}
     order by ${sql.unsafe(table.key.map(quote).join(", "))}
    on conflict (${sql(table.key as string[])}) do update set ${sql.unsafe(options.onConflict ?? replace)}
    ${options.onlyWhen ? sql`where ${sql.unsafe(options.onlyWhen)}` : sql``}`;
}

/** `onConflict` assignments that add the new row's `columns` to the stored ones (counters of a bucket). */
export function addingUp(columns: readonly string[]): string {
  return columns.map((column) => `${quote(column)} = t.${quote(column)} + excluded.${quote(column)}`).join(", ");
}

/** Key columns' values joined with "|", the way folds key their maps (`creator|order`). */
function keyOf(table: ProjectionTable, row: object): string {
  return table.key.map((column) => String((row as Record<string, unknown>)[column])).join("|");
}

/**
 * The storage of a read model kept as one row per entity (an order, a SKU, a conflict):
 * `load` reads the rows of the entities a batch touches into a map keyed as the fold keys
 * it (the key columns joined with "|"), `save` upserts a row for each changed entity.
 */
export function rowPerEntityStorage<Entity, Changed, Row extends object>(spec: {
  table: ProjectionTable;
  /** The key columns' values of the rows a batch touches (duplicates are fine). */
  keysOf(events: readonly StoredEvent[]): object[];
  fromRow(row: Row): Entity;
  toRow(changed: Changed): object;
  upsert?: UpsertOptions;
}): ReadModelStorage<Map<string, Entity>, Changed[]> {
  const { table } = spec;
  return {
    async load(context, events) {
      const keys = new Map(spec.keysOf(events).map((key) => [keyOf(table, key), key]));
      const rows = await selectRowsMatching<Row>(context, table, [...keys.values()]);
      return new Map(rows.map((row) => [keyOf(table, row), spec.fromRow(row)]));
    },
    save: (context, changed) => upsertRows(context, table, changed.map(spec.toRow), spec.upsert),
  };
}
