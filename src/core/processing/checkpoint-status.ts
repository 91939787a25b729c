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

/**
 * Every consumer's checkpoint, or only those named, by consumer name. A sharded consumer
 * (consumer-leases.ts) is reported as a whole, from the rows of the shards it runs: the
 * position and lag of its furthest-behind shard, the events all its rows have handled.
 */
export async function readCheckpointStatuses(sql: Sql, now: Date, consumers?: readonly string[]): Promise<CheckpointStatus[]> {
  const rows = await sql<CheckpointRow[]>`
    with running as (
      select s.consumer, unnest(public.consumer_shard_names(s.consumer, s.active_shard_count)) as shard
        from public.consumer_shard_settings s where s.active_shard_count > 1
    ),
    shards as (
      select r.consumer as base, c.* from running r join public.consumer_checkpoints c on c.consumer = r.shard
    ),
    sharded as (
      select s.base as consumer, min(s.position) as position,
             (select sum(a.events_processed) from public.consumer_checkpoints a
               where a.consumer = s.base or a.consumer like s.base || '-shard-%') as events_processed,
             max(s.last_run_at) as last_run_at, max(s.last_error) as last_error, max(s.last_error_at) as last_error_at,
             min(s.lease_owner) as lease_owner, min(s.lease_expires_at) as lease_expires_at,
             max(public.consumer_lag(s.transaction_id, s.position)) as lag
        from shards s group by s.base
    )
    select c.consumer, coalesce(x.position, c.position) as position, coalesce(x.events_processed, c.events_processed) as events_processed,
           coalesce(x.last_run_at, c.last_run_at) as last_run_at, coalesce(x.last_error, c.last_error) as last_error,
           coalesce(x.last_error_at, c.last_error_at) as last_error_at,
           case when x.consumer is null then c.lease_owner else x.lease_owner end as lease_owner,
           case when x.consumer is null then c.lease_expires_at else x.lease_expires_at end as lease_expires_at,
           c.rebuild_started_at, c.rebuild_progress,
           coalesce(x.lag, public.consumer_lag(c.transaction_id, c.position)) as lag
      from public.consumer_checkpoints c
      left join sharded x on x.consumer = c.consumer
     where c.consumer not like '%-shard-%-of-%'
     ${consumers ? sql`and c.consumer = any(${[...consumers]})` : sql``}
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
