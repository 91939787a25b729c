// What a chain of migrations leaves in a database, as sorted lines of text read from the
// catalogs: relations, columns, constraints, indexes, triggers, policies, functions,
// sequences, grants, default privileges, and the rows the migrations themselves insert.
// Two databases with the same lines have the same schema as far as the app, RLS and the
// Supabase roles can tell; the order in which the migrations created things (or granted
// privileges) does not show.
//
// Read from the catalogs rather than with pg_dump: the machine's pg_dump (Debian's 15)
// refuses the embedded PostgreSQL 17 server, and sorted catalog lines need no
// post-processing of dump sections to compare.
import type { Sql } from "postgres";

/** Schemas of Postgres itself and of the migration bookkeeping; everything else is compared. */
const ignoredSchemas = ["pg_catalog", "information_schema", "pg_toast", "supabase_migrations"];
const schemaFilter = `n.nspname <> all (array[${ignoredSchemas.map((schema) => `'${schema}'`).join(", ")}]) and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`;

/** One section of the fingerprint: a name and the query whose rows (one text column, `line`) it holds. */
const sections: Record<string, string> = {
  schemas: `
    select n.nspname || ' owner=' || pg_get_userbyid(n.nspowner) || ' acl=' || coalesce((select string_agg(x::text, ',' order by x::text) from unnest(n.nspacl) x), '-') as line
      from pg_namespace n where ${schemaFilter}`,
  relations: `
    select n.nspname || '.' || c.relname || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
           || ' rls=' || c.relrowsecurity || ' force_rls=' || c.relforcerowsecurity
           || ' owner=' || pg_get_userbyid(c.relowner) || ' acl=' || coalesce((select string_agg(x::text, ',' order by x::text) from unnest(c.relacl) x), '-')
           || ' options=' || coalesce(c.reloptions::text, '-')
           || ' partition_key=' || coalesce(pg_get_partkeydef(c.oid), '-')
           || ' partition_of=' || coalesce((select pn.nspname || '.' || p.relname || ' ' || pg_get_expr(c.relpartbound, c.oid)
                                               from pg_inherits i join pg_class p on p.oid = i.inhparent
                                               join pg_namespace pn on pn.oid = p.relnamespace
                                              where i.inhrelid = c.oid), '-') as line
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where ${schemaFilter} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')`,
  // Columns by their rank among the table's live columns: a column added by ALTER TABLE
  // and the same column written last in CREATE TABLE are the same column.
  columns: `
    select n.nspname || '.' || c.relname || ' #' || row_number() over (partition by c.oid order by a.attnum)
           || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || case when a.attnotnull then ' not null' else '' end
           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
           || case when a.attidentity::text <> '' then ' identity=' || a.attidentity::text else '' end
           || case when a.attgenerated::text <> '' then ' generated=' || a.attgenerated::text else '' end
           || coalesce(' collation=' || nullif(co.collname, 'default'), '')
           || coalesce(' acl=' || (select string_agg(x::text, ',' order by x::text) from unnest(a.attacl) x), '') as line
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      left join pg_collation co on co.oid = a.attcollation
     where ${schemaFilter} and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped`,
  constraints: `
    select n.nspname || '.' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
           || case when k.convalidated then '' else ' (not validated)' end
           || case when k.condeferrable then ' deferrable' else '' end as line
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
     where ${schemaFilter}`,
  indexes: `
    select pg_get_indexdef(i.indexrelid) || case when i.indisvalid then '' else ' (invalid)' end as line
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     where ${schemaFilter}`,
  triggers: `
    select pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text as line
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where ${schemaFilter} and not t.tgisinternal`,
  policies: `
    select p.schemaname || '.' || p.tablename || ' "' || p.policyname || '" ' || p.permissive || ' ' || p.cmd
           || ' to ' || p.roles::text || ' using (' || coalesce(p.qual, '-') || ') check (' || coalesce(p.with_check, '-') || ')' as line
      from pg_policies p`,
  functions: `
    select pg_get_functiondef(p.oid) || E'\\n-- owner=' || pg_get_userbyid(p.proowner) || ' acl=' || coalesce((select string_agg(x::text, ',' order by x::text) from unnest(p.proacl) x), '-') as line
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where ${schemaFilter} and p.prokind in ('f', 'p', 'w')`,
  sequences: `
    select s.schemaname || '.' || s.sequencename || ' ' || s.data_type::text || ' start=' || s.start_value
           || ' min=' || s.min_value || ' max=' || s.max_value || ' increment=' || s.increment_by
           || ' cycle=' || s.cycle || ' cache=' || s.cache_size
           || ' owned_by=' || coalesce((select tn.nspname || '.' || t.relname || '.' || a.attname
                                          from pg_class sc join pg_namespace sn on sn.oid = sc.relnamespace
                                          join pg_depend d on d.objid = sc.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
                                          join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
                                          join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
                                         where sn.nspname = s.schemaname and sc.relname = s.sequencename), '-') as line
      from pg_sequences s where s.schemaname <> all (array['supabase_migrations'])`,
  types: `
    select n.nspname || '.' || t.typname || ' type=' || t.typtype::text
           || coalesce(' labels=' || (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '')
           || coalesce(' base=' || format_type(t.typbasetype, t.typtypmod), '') as line
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where ${schemaFilter} and t.typtype in ('e', 'd', 'r', 'm') `,
  default_privileges: `
    select pg_get_userbyid(d.defaclrole) || ' in ' || coalesce(n.nspname, '*') || ' on ' || d.defaclobjtype::text || ' ' || (select string_agg(x::text, ',' order by x::text) from unnest(d.defaclacl) x) as line
      from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace`,
  extensions: `select e.extname || ' schema=' || e.extnamespace::regnamespace::text as line from pg_extension e`,
  publications: `
    select p.pubname || ' ' || coalesce((select string_agg(pt.schemaname || '.' || pt.tablename, ',' order by pt.schemaname, pt.tablename)
                                           from pg_publication_tables pt where pt.pubname = p.pubname), '-') as line
      from pg_publication p`,
  comments: `
    select d.classoid::regclass::text || ' ' || d.objoid || '/' || d.objsubid || ' ' || d.description as line
      from pg_description d join pg_class c on d.classoid = 'pg_class'::regclass and c.oid = d.objoid
      join pg_namespace n on n.oid = c.relnamespace where ${schemaFilter}`,
};

/**
 * The text without its `--` comments and blank lines, so that lines differing only in comments
 * (a function's comments are part of its body) are reported apart. Tracks single-quoted
 * strings, so a `--` inside one stays; an apostrophe inside a comment is skipped with it.
 */
export function withoutSqlComments(text: string): string {
  let kept = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      kept += char;
      if (char === "'") inString = false;
    } else if (char === "'") {
      kept += char;
      inString = true;
    } else if (char === "-" && text[i + 1] === "-") {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else {
      kept += char;
    }
  }
  return kept
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .join("\n");
}

async function sectionLines(sql: Sql, query: string): Promise<string[]> {
  const rows = await sql.unsafe<{ line: string }[]>(query);
  return rows.map((row) => row.line).sort();
}

/** Every user table's rows, as a count and a digest of the sorted rows; cron jobs by name, without their ids. */
async function rowLines(sql: Sql): Promise<string[]> {
  const tables = await sql<{ name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and not c.relispartition
       and n.nspname <> all (array['pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations', 'cron'])`;
  const lines: string[] = [];
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ count: string; digest: string | null }[]>(
      `select count(*)::text as count, md5(string_agg(r::text, E'\\n' order by r::text)) as digest from ${name} r`,
    );
    lines.push(`${name} rows=${row!.count} digest=${row!.digest ?? "-"}`);
  }
  const [cron] = await sql<{ exists: boolean }[]>`select to_regclass('cron.job') is not null as exists`;
  if (cron!.exists) {
    const jobs = await sql<{ line: string }[]>`select jobname || ' ' || schedule || ' active=' || active || ' ' || command as line from cron.job`;
    lines.push(...jobs.map((job) => `cron.job ${job.line}`));
  }
  return lines.sort();
}

export type SchemaFingerprint = Record<string, string[]>;

export async function schemaFingerprint(sql: Sql): Promise<SchemaFingerprint> {
  const fingerprint: SchemaFingerprint = {};
  for (const [name, query] of Object.entries(sections)) fingerprint[name] = await sectionLines(sql, query);
  fingerprint.rows = await rowLines(sql);
  return fingerprint;
}

export interface SectionDifference {
  section: string;
  onlyInA: string[];
  onlyInB: string[];
  /** True when the lines match once `--` comments are removed. */
  commentsOnly: boolean;
}

export function compareFingerprints(a: SchemaFingerprint, b: SchemaFingerprint): SectionDifference[] {
  const differences: SectionDifference[] = [];
  for (const section of Object.keys(a)) {
    const inB = new Set(b[section] ?? []);
    const inA = new Set(a[section]);
    const onlyInA = a[section]!.filter((line) => !inB.has(line));
    const onlyInB = (b[section] ?? []).filter((line) => !inA.has(line));
    if (onlyInA.length === 0 && onlyInB.length === 0) continue;
    const strip = (lines: string[]) => lines.map(withoutSqlComments).sort().join("\n\u0000");
    differences.push({ section, onlyInA, onlyInB, commentsOnly: strip(onlyInA) === strip(onlyInB) });
  }
  return differences;
}
