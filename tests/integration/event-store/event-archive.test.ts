// `npm run events -- archive|restore <month>` on a database of its own: a month leaves the event
// store only when nothing still needs it, only after its export is verified, and comes back
// identical. Events of January 2025 are made by appending and moving occurred_at back; the
// partition maintenance then gives the month its own partition, as it would have had.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveMonthToFiles, restoreMonthFromFiles } from "../../../scripts/event-archive.ts";
import { ownTestDatabase, newCreatorId } from "../database.ts";
import { newClient, startTestStandIn } from "../stand-in/stand-in-harness.ts";
import { storedMetadata } from "../../test-data.ts";

const { sql } = await ownTestDatabase("event-archive", 14);
const dir = mkdtempSync(path.join(os.tmpdir(), "event-archive-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const creatorId = newCreatorId();
const JANUARY = "2025-01";
const PARTITION = "event_store_y2025m01";

async function addEvent(aggregateId: string, version: number, occurredAt: string | null): Promise<void> {
  await sql`insert into public.streams (aggregate_id, aggregate_type, creator_id, version) values (${aggregateId}, 'order', ${creatorId}, ${version})
            on conflict (aggregate_id) do update set version = excluded.version`;
  await sql`insert into public.event_store (creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata, version, occurred_at)
            values (${creatorId}, ${aggregateId}, 'order', 'order.status_changed', ${sql.json({ note: `${aggregateId} v${version}`, text: "naïve ✓" })}, ${sql.json(storedMetadata(creatorId))}, ${version},
                    coalesce(${occurredAt}::timestamptz, now()))`;
}

async function januaryRows() {
  return sql`select id, position, transaction_id::text, aggregate_id, version, event_data, occurred_at from public.event_store
              where occurred_at < '2025-02-01' order by position`;
}

const refusal = (run: Promise<unknown>) => run.then(() => "archived", (error: Error) => error.message);

beforeAll(async () => {
  await addEvent("order-finished", 1, "2025-01-10T09:00:00Z");
  await addEvent("order-finished", 2, "2025-01-12T09:00:00Z");
  await addEvent("sku-live", 1, "2025-01-20T09:00:00Z");
  await addEvent("sku-live", 2, null);
  await sql`select * from public.maintain_event_store_partitions(0)`;
  await sql`insert into public.consumer_checkpoints (consumer, position) values ('projection-archive-test', 0)`;
});

describe("archiving a month", () => {
  it("refuses a month that is not over, or not a month", async () => {
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(await refusal(archiveMonthToFiles(sql, thisMonth, dir))).toBe(`Refused:\n  - ${thisMonth} is not over yet; only months before the current one can be archived`);
    expect(await refusal(archiveMonthToFiles(sql, "2025-13", dir))).toBe('Refused:\n  - "2025-13" is not a month; write it as YYYY-MM, e.g. 2026-01');
  });

  it("refuses while a consumer has not handled the month, or a live stream has no snapshot past it, and changes nothing", async () => {
    const before = await januaryRows();

    const message = await refusal(archiveMonthToFiles(sql, JANUARY, dir));

    expect(message).toBe(
      "Refused:\n" +
        "  - consumer projection-archive-test has not handled 3 event(s) of 2025-01 yet\n" +
        "  - 1 stream(s) go on after 2025-01 without a snapshot covering it (sku-live); their state would be lost",
    );
    expect(await januaryRows()).toEqual(before);
  });

  it("exports the month, verifies the file, drops the partition; restore brings back the same rows", async () => {
    const before = await januaryRows();
    await sql`update public.consumer_checkpoints set transaction_id = pg_current_xact_id(), position = (select max(position) from public.event_store)
               where consumer = 'projection-archive-test'`;
    await sql`insert into public.snapshots (aggregate_id, version, aggregate_type, creator_id, state) values ('sku-live', 1, 'order', ${creatorId}, '{}'::jsonb)`;
    const progress: [number, number][] = [];

    const manifest = await archiveMonthToFiles(sql, JANUARY, dir, { progress: (done, total) => progress.push([done, total]) });

    expect(manifest).toMatchObject({ month: JANUARY, partition: PARTITION, rows: 3 });
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(readFileSync(path.join(dir, `${PARTITION}.ndjson`), "utf8").trim().split("\n")).toHaveLength(3);
    expect(await sql`select to_regclass(${`public.${PARTITION}`}) as partition`).toEqual([{ partition: null }]);
    expect(await januaryRows()).toEqual([]);
    expect((await sql`select version from public.event_store where aggregate_id = 'sku-live'`).map((row) => Number(row.version))).toEqual([2]);

    expect(await restoreMonthFromFiles(sql, JANUARY, dir)).toBe(3);
    expect(await januaryRows()).toEqual(before);
  });

  it("refuses to restore an export that no longer matches its manifest", async () => {
    await sql`update public.consumer_checkpoints set transaction_id = pg_current_xact_id(), position = (select max(position) from public.event_store)
               where consumer = 'projection-archive-test'`;
    const archiveDir = mkdtempSync(path.join(dir, "tampered-"));
    await archiveMonthToFiles(sql, JANUARY, archiveDir);
    const file = path.join(archiveDir, `${PARTITION}.ndjson`);
    writeFileSync(file, readFileSync(file, "utf8").replace("order-finished v1", "order-finished v9"));

    const message = await refusal(restoreMonthFromFiles(sql, JANUARY, archiveDir));

    expect(message).toMatch(/^Refused:\n  - event_store_y2025m01\.ndjson does not match its manifest \(3 rows, sha256 /);
    expect(await januaryRows()).toEqual([]);
  });

  it("keeps the month in Supabase Storage when asked, checks the copy there, and restores from it", async () => {
    // Back from the earlier valid archive first: the tampered one above was refused.
    expect(await restoreMonthFromFiles(sql, JANUARY, dir)).toBe(3);
    const before = await januaryRows();
    await sql`update public.consumer_checkpoints set transaction_id = pg_current_xact_id(), position = (select max(position) from public.event_store)
               where consumer = 'projection-archive-test'`;
    const storageDir = mkdtempSync(path.join(dir, "storage-"));
    const standIn = await startTestStandIn({ storageDir });
    const storage = { client: newClient(standIn, { key: standIn.serviceRoleKey }), bucket: "event-archive-test" };

    const manifest = await archiveMonthToFiles(sql, JANUARY, mkdtempSync(path.join(dir, "work-")), { storage });

    expect(await januaryRows()).toEqual([]);
    const stored = readFileSync(path.join(storageDir, "event-archive-test", "event-archive", `${PARTITION}.ndjson`), "utf8");
    expect(stored.trim().split("\n")).toHaveLength(manifest.rows);
    expect(await restoreMonthFromFiles(sql, JANUARY, mkdtempSync(path.join(dir, "restore-")), { storage })).toBe(3);
    expect(await januaryRows()).toEqual(before);
  });
});
