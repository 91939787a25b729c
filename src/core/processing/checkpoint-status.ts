// Where each consumer stands, as consumer_checkpoints records it: position, lag behind the
// head of the stream, last run and error, who holds its lease, its last rebuild. The health
// checks and the admin panel's projections page both read it here.
import type { Sql } from "postgres";

export interface CheckpointStatus {
  consumer: string;
  position: number;
  /** Events in the global stream after its checkpoint (of every type: the head it must pass). */
  lag: number;
  eventsProcessed: number;
  lastRunAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Who holds the lease at `now`; null when nobody does or the lease has expired. */
  leaseOwner: string | null;
  rebuildStartedAt: Date | null;
  /** The rebuild's progress as it last reported it (projections/rebuild.ts), if one ran. */
  rebuildProgress: unknown;
}

interface CheckpointRow {
  consumer: string;
  position: string;
  lag: string;
  events_processed: string;
  last_run_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  rebuild_started_at: Date | null;
  rebuild_progress: unknown;
}

/** Every consumer's checkpoint, or only those named, by consumer name. */
export async function readCheckpointStatuses(sql: Sql, now: Date, consumers?: readonly string[]): Promise<CheckpointStatus[]> {
  const rows = await sql<CheckpointRow[]>`
    select c.consumer, c.position, c.events_processed, c.last_run_at, c.last_error, c.last_error_at, c.lease_owner, c.lease_expires_at,
           c.rebuild_started_at, c.rebuild_progress,
           public.consumer_lag(c.transaction_id, c.position) as lag
      from public.consumer_checkpoints c
     ${consumers ? sql`where c.consumer = any(${[...consumers]})` : sql``}
     order by c.consumer`;
  return rows.map((row) => ({
    consumer: row.consumer,
    position: Number(row.position),
    lag: Number(row.lag),
    eventsProcessed: Number(row.events_processed),
    lastRunAt: row.last_run_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    leaseOwner: row.lease_owner && row.lease_expires_at && row.lease_expires_at > now ? row.lease_owner : null,
    rebuildStartedAt: row.rebuild_started_at,
    rebuildProgress: row.rebuild_progress,
  }));
}
