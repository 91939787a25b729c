// Rows whose columns are a domain type's fields in snake_case, read back without a
// field-by-field mapping: the row type is derived from the domain type, so a column added to
// one and not the other does not compile.

type SnakeCase<Name extends string> = Name extends `${infer Head}${infer Rest}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Rest>}`
  : Name;

/** The row a table keeps `Domain` in: each field under its snake_case column name. */
export type SnakeCaseRow<Domain> = { [Field in keyof Domain as SnakeCase<Field & string>]: Domain[Field] };

/**
 * `row` with its columns renamed to `Domain`'s camelCase fields, values as they are. Only for
 * tables whose columns are exactly the row type's (a `select *` would carry any other along).
 */
export function fromSnakeCaseRow<Domain>(row: SnakeCaseRow<Domain>): Domain {
  const entries = Object.entries(row).map(([column, value]) => [column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()), value]);
  return Object.fromEntries(entries) as Domain;
}
