// Writing appends, with group commit: appends that arrive while an earlier write is still
// committing are written together in one transaction (public.append_to_streams), so a burst
// of concurrent appends pays one commit (one WAL flush) per batch instead of one per append.
// Each append keeps its own outcome: its own version check, its own error, its own
// positions, and its caller is answered only after the commit. A lone append, or any
// batch of one, is written by append_to_stream exactly as without grouping. A batch of
// appends to distinct streams is one set-based statement (no subtransaction per append);
// the database falls back to append by append when it refuses a row
// (append_to_streams in the baseline migration's event store section, 20261203001400_baseline.sql).
import type { Sql } from "postgres";
import { createGroupCommit } from "../group-commit.ts";
import type { EventMetadata } from "../event-catalogue.ts";
import type { ExpectedVersion } from "./errors.ts";

/** An append, validated and shaped as append_to_stream takes it. */
export interface PreparedAppend {
  creatorId: string;
  aggregateId: string;
  aggregateType: string;
  expected: ExpectedVersion;
  rows: unknown[];
  metadata: EventMetadata;
  idempotencyKey: string | null;
}

/** What append_to_stream answers for one append: a row per event. */
export interface WrittenEvent {
  event_id: string;
  event_position: string;
  event_version: string;
  duplicate: boolean;
}

/** How appends are grouped. `false` writes every append in its own transaction. */
export interface AppendGrouping {
  /** At most this many appends share a commit (append_to_streams asks for at most 32: its append-by-append fallback takes a subtransaction each). */
  maxBatchSize: number;
  /** Under overload (every commit slot busy), how long the first waiting append waits at most. */
  maxWaitMs: number;
  /** Batches committing at once; the next batch gathers while these run. Defaults to half the pool, at most 8. */
  maxConcurrentCommits: number;
}

const defaultAppendGrouping = { maxBatchSize: 32, maxWaitMs: 5 };

/**
 * Commit slots: half the connection pool (at most 8), so reads and other work keep
 * connections, and a slot never waits in the driver for a connection (a batch closed early
 * for a slot that is not really free would be smaller than it could be). Measured with
 * `npm run bench -- store` (16 writers, pool of 20): 1 slot gave the concurrent rows 1.3-1.4x
 * Emmett, 2 slots 1.6-1.8x, 4 slots 1.8x, 8 slots 2.2-2.4x (docs/BENCHMARKS.md, issue 14).
 */
function defaultCommitSlots(sql: Sql): number {
  return Math.max(1, Math.min(8, Math.floor((sql.options?.max ?? 2) / 2)));
}

/** An append's own outcome within a batch: its events, or the database's error for it alone. */
type Outcome = { events: WrittenEvent[] } | { error: unknown };

export type AppendWriter = (append: PreparedAppend) => Promise<WrittenEvent[]>;

export function createAppendWriter(sql: Sql, grouping: Partial<AppendGrouping> | false = {}): AppendWriter {
  if (grouping === false) return (append) => writeOne(sql, append);
  const settings = { ...defaultAppendGrouping, maxConcurrentCommits: defaultCommitSlots(sql), ...grouping };
  if (settings.maxBatchSize > 32) throw new RangeError("maxBatchSize must be at most 32 (append_to_streams' subtransactions)");
  const group = createGroupCommit<PreparedAppend, Outcome>({
    ...settings,
    commit: (batch) => (batch.length === 1 ? writeAlone(sql, batch[0]) : writeBatch(sql, batch)),
  });
  return async (append) => {
    const outcome = await group.submit(append);
    if ("error" in outcome) throw outcome.error;
    return outcome.events;
  };
}

function writeOne(sql: Sql, append: PreparedAppend): Promise<WrittenEvent[]> {
  return sql<WrittenEvent[]>`
    select event_id, event_position, event_version, duplicate
      from public.append_to_stream(
        ${append.creatorId}::uuid, ${append.aggregateId}, ${append.aggregateType},
        ${String(append.expected)}, ${sql.json(append.rows as never)}::jsonb, ${append.idempotencyKey},
        ${sql.json(append.metadata as never)}::jsonb)`;
}

/** A batch of one: its error is its own, so it is an outcome, not a failed commit. */
async function writeAlone(sql: Sql, append: PreparedAppend): Promise<Outcome[]> {
  try {
    return [{ events: await writeOne(sql, append) }];
  } catch (error) {
    return [{ error }];
  }
}

interface BatchRow {
  ordinal: number;
  event_id: string | null;
  event_position: string | null;
  event_version: string | null;
  duplicate: boolean | null;
  error_code: string | null;
  error_message: string | null;
  error_detail: string | null;
}

/**
 * One statement, one transaction. An error here (the connection lost, the database down, a
 * statement timeout) is the whole batch's, and rejects every append in it.
 */
async function writeBatch(sql: Sql, batch: readonly PreparedAppend[]): Promise<Outcome[]> {
  const payload = batch.map((append) => ({
    creator_id: append.creatorId,
    aggregate_id: append.aggregateId,
    aggregate_type: append.aggregateType,
    expected: String(append.expected),
    events: append.rows,
    idempotency_key: append.idempotencyKey,
    metadata: append.metadata,
  }));
  const rows = await sql<BatchRow[]>`
    select ordinal, event_id, event_position, event_version, duplicate, error_code, error_message, error_detail
      from public.append_to_streams(${sql.json(payload as never)}::jsonb)`;
  const outcomes: Outcome[] = batch.map(() => ({ events: [] }));
  for (const row of rows) {
    const index = row.ordinal - 1;
    if (row.error_code !== null) {
      outcomes[index] = { error: new AppendRefused(row.error_code, row.error_message ?? "", row.error_detail) };
      continue;
    }
    const outcome = outcomes[index];
    if ("events" in outcome) {
      outcome.events.push({ event_id: row.event_id!, event_position: row.event_position!, event_version: row.event_version!, duplicate: row.duplicate! });
    }
  }
  // append_to_stream answers in version order; rows of one append arrive together, but say so rather than assume.
  for (const outcome of outcomes) if ("events" in outcome) outcome.events.sort((a, b) => Number(a.event_version) - Number(b.event_version));
  return outcomes;
}

/** The database's error for one append of a batch, shaped as the driver's (code, detail) so it translates the same. */
export class AppendRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail: string | null,
  ) {
    super(message);
    this.name = "AppendRefused";
  }
}
