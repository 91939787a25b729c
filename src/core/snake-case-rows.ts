// Rows whose columns are a domain type's fields in snake_case, read back without a
// field-by-field mapping: the row type is derived from the domain type, so a column added to
// one and not the other does not compile.

type SnakeCase<Name extends string> = Name extends `${infer Head}${infer Rest}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Rest>}`
  : Name;

/** The row a table keeps `Domain` in: each field under its snake_case column name. */
export type SnakeCaseRow<Domain> = { [Field in keyof Domain as SnakeCase<Field & string>]: Domain[Field] };

/**
 * `domain` with its fields renamed to their snake_case columns, values as they are: a row to
 * write as jsonb (read-model-storage.ts), where a Date becomes its ISO text.
 */
export function toSnakeCaseRow<Domain extends object>(domain: Domain): SnakeCaseRow<Domain> {
  const entries = Object.entries(domain).map(([field, value]) => [field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), value]);
  return Object.fromEntries(entries) as SnakeCaseRow<Domain>;
}

/**
 * `row` with its columns renamed to `Domain`'s camelCase fields, values as they are. Only for
 * tables whose columns are exactly the row type's (a `select *` would carry any other along).
 */
export function fromSnakeCaseRow<Domain>(row: SnakeCaseRow<Domain>): Domain {
  const entries = Object.entries(row).map(([column, value]) => [column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()), value]);
  return Object.fromEntries(entries) as Domain;
}
