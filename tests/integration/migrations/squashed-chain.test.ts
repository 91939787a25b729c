// The squash of the 42 migrations into one baseline (docs/MIGRATIONS.md) as the runner and the
// health page see a database migrated before it: all of the old chain counts as the baseline
// applied; part of it is refused with what to do, before anything is written.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appliedMigrationVersions, applyMigrations, listMigrations, MigrationFailedError, squash, SquashedChainError } from "../../../supabase/local/migrations.ts";
import { readMigrationState } from "../../../src/server/migration-state.ts";
import { uniqueId } from "../../test-data.ts";

// A database of its own on the test server: its migration records are made up here, which the
// shared database's other files must never see.
const name = `creatorflow_squash_${uniqueId().replaceAll("-", "_")}`;
const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
let sql: Sql;

// The migrations shipped up to the baseline: what such a database knew. Migrations after the
// baseline are not this file's subject (they would run on these made-up records' empty schema).
const shipped = listMigrations();
const baseline = shipped.find((migration) => migration.version === squash.baselineVersion)!;
const afterBaseline = shipped.filter((migration) => migration.version > squash.baselineVersion).map((migration) => migration.version);
const throughBaseline = mkdtempSync(path.join(tmpdir(), "creatorflow-squash-"));
copyFileSync(baseline.file, path.join(throughBaseline, path.basename(baseline.file)));

beforeAll(async () => {
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(inject("databaseUrl"));
  url.pathname = `/${name}`;
  sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end({ timeout: 5 });
  rmSync(throughBaseline, { recursive: true, force: true });
});

/** The migrations table as the old chain's runner left it, with these versions recorded. */
async function recordVersions(versions: readonly string[]): Promise<void> {
  await sql.unsafe(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);
    truncate supabase_migrations.schema_migrations;`);
  for (const version of versions) await sql`insert into supabase_migrations.schema_migrations (version, name) values (${version}, 'before the squash')`;
}

describe("a database migrated before the squash", () => {
  it("with part of the old chain is refused, naming what it has, what it lacks and what to do, and nothing is written", async () => {
    const recorded = squash.replacedVersions.slice(0, 30);
    await recordVersions(recorded);
    const failure = await applyMigrations(sql).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SquashedChainError);
    expect(failure).toBeInstanceOf(MigrationFailedError);
    const message = (failure as Error).message;
    expect(message).toContain(`Migration ${squash.baselineVersion}_baseline.sql failed: This database applied 30 of the 41 migrations`);
    expect(message).toContain(`the last: ${recorded.at(-1)}`);
    expect(message).toContain(`missing: ${[...squash.replacedVersions.slice(30), squash.baselineVersion].join(", ")})`);
    expect(message).toContain("npm run db:reset");
    expect(message).toContain("check out f12fabb");
    expect(await appliedMigrationVersions(sql)).toEqual(recorded);
    const [{ eventStore }] = await sql<{ eventStore: string | null }[]>`select to_regclass('public.event_store')::text as "eventStore"`;
    expect(eventStore).toBeNull();
  });

  it("with the whole old chain has the baseline applied: nothing to run, nothing pending on the health page", async () => {
    await recordVersions([...squash.replacedVersions, squash.baselineVersion]);
    expect(await applyMigrations(sql, { dir: throughBaseline })).toEqual([]);
    const state = await readMigrationState(sql);
    expect(state.pending).toEqual(afterBaseline);
    expect(state.applied).toContain(squash.baselineVersion);
  });

  it("with the old chain but its last migration is refused too (that version is the baseline's)", async () => {
    await recordVersions(squash.replacedVersions);
    await expect(applyMigrations(sql)).rejects.toThrow(/applied 41 of the 41 migrations .*, but not 20261203001400: .*\(missing: 20261203001400\)/);
    expect((await readMigrationState(sql)).pending).toEqual([squash.baselineVersion, ...afterBaseline]);
  });
});
