// Archiving a month of the event store: which month a name means, whether it may go, its rows
// in position order, and taking the partition away or putting it back. The export itself (a
// file, verified by count and checksum) is the caller's; see scripts/event-archive.ts.
import type { Sql } from "postgres";

export interface ArchivedMonth {
  /** `YYYY-MM`. */
  month: string;
  /** `event_store_yYYYYmMM`, as maintain_event_store_partitions() names it. */
  partition: string;
  from: Date;
  to: Date;
}

export class ArchiveRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(`Refused:\n${reasons.map((reason) => `  - ${reason}`).join("\n")}`);
    this.name = "ArchiveRefused";
  }
}

export function archivedMonth(month: string, now: Date): ArchivedMonth {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!match) throw new ArchiveRefused([`"${month}" is not a month; write it as YYYY-MM, e.g. 2026-01`]);
  const [year, monthNumber] = [Number(match[1]), Number(match[2])];
  const from = new Date(Date.UTC(year, monthNumber - 1, 1));
  const to = new Date(Date.UTC(year, monthNumber, 1));
  if (to.getTime() > Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) {
    throw new ArchiveRefused([`${month} is not over yet; only months before the current one can be archived`]);
  }
  return { month, partition: `event_store_y${match[1]}m${match[2]}`, from, to };
}

export async function partitionExists(sql: Sql, partition: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`select to_regclass(${`public.${partition}`}) is not null as found`;
  return row.found;
}

/**
 * Why the month may not go yet, or nothing. Every consumer must have handled every event of
 * the month; no retry or pending dead letter may still need one; and a stream that goes on
 * after the month must have a snapshot at or after its last event in it, or loading it later
 * would start from the wrong state.
 */
export async function archiveBlockers(sql: Sql, target: ArchivedMonth): Promise<string[]> {
  const table = sql(`public.${target.partition}`);
  const reasons: string[] = [];
  const behind = await sql<{ consumer: string; waiting: number }[]>`
    select c.consumer, count(*)::int as waiting
      from public.consumer_checkpoints c join ${table} e on (e.transaction_id, e.position) > (c.transaction_id, c.position)
     group by c.consumer order by c.consumer`;
  for (const row of behind) reasons.push(`consumer ${row.consumer} has not handled ${row.waiting} event(s) of ${target.month} yet`);

  const [pending] = await sql<{ letters: number; retries: number }[]>`
    select (select count(*)::int from public.dead_letters d join ${table} e on e.id = d.event_id where d.status in ('pending', 'retry_requested')) as letters,
           (select count(*)::int from public.consumer_retries r join ${table} e on e.id = r.event_id) as retries`;
  if (pending.letters > 0) reasons.push(`${pending.letters} pending dead letter(s) refer to events of ${target.month}; retry or discard them first`);
  if (pending.retries > 0) reasons.push(`${pending.retries} consumer retr(ies) are still scheduled for events of ${target.month}`);

  const uncovered = await sql<{ aggregate_id: string }[]>`
    select m.aggregate_id
      from (select aggregate_id, max(version) as last_in_month from ${table} group by aggregate_id) m
      join public.streams s on s.aggregate_id = m.aggregate_id
     where s.version > m.last_in_month
       and not exists (select 1 from public.snapshots p where p.aggregate_id = m.aggregate_id and p.version >= m.last_in_month)
     order by m.aggregate_id`;
  if (uncovered.length > 0) {
    const examples = uncovered.slice(0, 5).map((row) => row.aggregate_id).join(", ");
    reasons.push(`${uncovered.length} stream(s) go on after ${target.month} without a snapshot covering it (${examples}); their state would be lost`);
  }
  return reasons;
}

export async function partitionRowCount(sql: Sql, partition: string): Promise<number> {
  const [row] = await sql<{ rows: number }[]>`select count(*)::int as rows from ${sql(`public.${partition}`)}`;
  return row.rows;
}

/** The partition's rows as JSON text (one per event), in position order, a page at a time. */
export async function* partitionRowsAsJson(sql: Sql, partition: string, pageSize = 5_000): AsyncGenerator<string[]> {
  let after = -1;
  for (;;) {
    const page = await sql<{ position: string; row: string }[]>`
      select e.position, row_to_json(e)::text as row from ${sql(`public.${partition}`)} e
       where e.position > ${after} order by e.position limit ${pageSize}`;
    if (page.length === 0) return;
    after = Number(page[page.length - 1].position);
    yield page.map((row) => row.row);
  }
}

/** Takes the month out of the event store. A brief lock: appends wait at most lock_timeout. */
export async function dropPartition(sql: Sql, partition: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`set local lock_timeout = '5s'`;
    // CONCURRENTLY is not allowed while event_store has a DEFAULT partition.
    await tx`alter table public.event_store detach partition ${tx(`public.${partition}`)}`;
    await tx`drop table ${tx(`public.${partition}`)}`;
  });
}

/** Puts an archived month back: its partition, closed to the API roles like every other, and its rows. */
export async function restorePartition(sql: Sql, target: ArchivedMonth, pages: AsyncIterable<string[]>): Promise<number> {
  return sql.begin(async (tx) => {
    const table = tx(`public.${target.partition}`);
    // DDL takes no parameters; the bounds are ISO times this module made from a checked YYYY-MM.
    await tx.unsafe(`create table public.${target.partition} partition of public.event_store for values from ('${target.from.toISOString()}') to ('${target.to.toISOString()}')`);
    await tx`alter table ${table} enable row level security`;
    await tx`revoke all on ${table} from anon, authenticated`;
    let restored = 0;
    for await (const page of pages) {
      const inserted = await tx`
        insert into public.event_store
        select * from json_populate_recordset(null::public.event_store, (${`[${page.join(",")}]`}::text)::json)`;
      restored += inserted.count;
    }
    return restored;
  });
}
