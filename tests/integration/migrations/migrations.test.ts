import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appliedMigrationVersions, applyMigrations, listMigrations, MigrationFailedError } from "../../../supabase/local/migrations.ts";
import { connectTestDatabase } from "../database.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase({ max: 2 });

describe("migrations", () => {
  it("recorded every migration in the Supabase CLI's table", async () => {
    const applied = await appliedMigrationVersions(sql);
    expect(applied).toEqual(expect.arrayContaining(listMigrations().map((migration) => migration.version)));
  });

  it("applies nothing twice", async () => {
    expect(await applyMigrations(sql)).toEqual([]);
  });

  it("leaves the database as it was when a migration fails, naming the file and line", async () => {
    const suffix = uniqueId();
    const dir = mkdtempSync(path.join(os.tmpdir(), "migrations-"));
    const good = uniqueNumericId("29990101", 14);
    const bad = String(BigInt(good) + 1n);
    writeFileSync(path.join(dir, `${good}_good.sql`), `create table public.good_${suffix} (id int);\n`);
    writeFileSync(
      path.join(dir, `${bad}_broken.sql`),
      `create table public.half_${suffix} (id int);\ninsert into public.half_${suffix} values (1);\nselect * from public.missing_${suffix};\n`,
    );
    try {
      const failure = await applyMigrations(sql, { dir }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationFailedError);
      expect((failure as Error).message).toMatch(new RegExp(`Migration ${bad}_broken\\.sql failed at line 3: relation "public\\.missing_${suffix}" does not exist`));
      const [tables] = await sql<{ good: string | null; half: string | null }[]>`
        select to_regclass(${`public.good_${suffix}`})::text as good, to_regclass(${`public.half_${suffix}`})::text as half`;
      expect(tables).toEqual({ good: `good_${suffix}`, half: null });
      const recorded = await appliedMigrationVersions(sql);
      expect(recorded).toContain(good);
      expect(recorded).not.toContain(bad);
    } finally {
      await sql.unsafe(`drop table if exists public.good_${suffix}`);
      await sql`delete from supabase_migrations.schema_migrations where version in (${good}, ${bad})`;
    }
  });

  it("refuses a file not named <14-digit timestamp>_<name>.sql", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "migrations-"));
    writeFileSync(path.join(dir, "001_init.sql"), "select 1;");
    expect(() => listMigrations(dir)).toThrow(/001_init\.sql is not <14-digit timestamp>_<name>\.sql/);
  });
});
