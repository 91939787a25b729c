// Which consumer_checkpoints row a call runs for each consumer, and the lease on it: a
// consumer split into shards by creator (see the baseline migration's section 3, 20261203001400_baseline.sql)
// has a row per shard, and the call for shard k of a lane takes shard k of each consumer
// that runs more than k shards. An unsharded consumer is its own shard 0 of 1.
import type { Sql } from "postgres";
import type { GlobalCheckpoint, StoredEvent } from "../event-store/index.ts";
import type { Consumer } from "./consumer.ts";

/** A shard of a consumer, leased by this call. */
export interface ShardLease {
  /** The consumer as this shard runs it: named for the shard's checkpoint row. */
  consumer: Consumer;
  shard: { index: number; count: number };
  checkpoint: GlobalCheckpoint;
  /** While the consumer is being resharded: how far this shard may go, and no further. */
  barrier: GlobalCheckpoint | null;
}

export class LeaseLostError extends Error {
  constructor(consumer: string) {
    super(`Lease on consumer ${consumer} was lost, or its batch would pass its resharding barrier; the batch is rolled back`);
    this.name = "LeaseLostError";
  }
}

/** The name of shard `index` of `count` of a consumer (public.consumer_shard_name). */
export function consumerShardName(consumer: string, index: number, count: number): string {
  return count === 1 ? consumer : `${consumer}-shard-${index}-of-${count}`;
}

/** Starts moving a consumer to `shardCount` shards; see public.set_consumer_shards. */
export async function setConsumerShards(sql: Sql, options: { consumer: string; lane: string; shardCount: number }): Promise<void> {
  await sql`select public.set_consumer_shards(${options.consumer}, ${options.lane}, ${options.shardCount}::int)`;
}

/** A row of public.acquire_consumer_shard. */
export interface ShardRow {
  shard_name: string;
  shard_count: number;
  leased: boolean;
  transaction_id: string | null;
  position: string | null;
  barrier_transaction_id: string | null;
  barrier_position: string | null;
}

/** How long a consumer instance holds its lease unless it renews it: a crashed instance's lease frees itself after this. */
export const CONSUMER_LEASE_MS = 30_000;

/** One call's hold on its shards: who it is, for how long it leases, which shard index it serves, and what it holds. */
interface LeaseHolder {
  sql: Sql;
  owner: string;
  leaseMs: number;
  shard: number;
  /** The checkpoint rows leased so far, given back together at the end of the call. */
  leased: Set<string>;
}

/** The leases of one call, bound to its owner: each operation is a function of its own below. */
export function createShardLeases(options: { sql: Sql; owner: string; leaseMs: number; shard: number }) {
  const holder: LeaseHolder = { ...options, leased: new Set<string>() };
  return {
    acquire: (consumer: Consumer) => acquireShard(holder, consumer),
    releaseAll: () => releaseShards(holder),
    moveCheckpoint: (tx: Sql, shardName: string, event: StoredEvent, count: number) => moveCheckpoint(tx, holder.owner, shardName, event, count),
    assertLease: (tx: Sql, shardName: string) => assertLease(tx, holder.owner, shardName),
    moveToSettled: (settled: ReadonlyMap<string, GlobalCheckpoint>) => moveToSettled(holder, settled),
    standAtBarrier: (lease: ShardLease, baseName: string) => standAtBarrier(holder, lease, baseName),
  };
}

/** This call's shard of `consumer`: leased, held by another instance, or none (it runs fewer shards). */
async function acquireShard(holder: LeaseHolder, consumer: Consumer): Promise<ShardLease | "held" | null> {
  const { sql, owner, shard, leaseMs } = holder;
  const [row] = await sql<ShardRow[]>`
    select shard_name, shard_count, leased, transaction_id::text, position, barrier_transaction_id::text, barrier_position
      from public.acquire_consumer_shard(${consumer.name}, ${shard}::int, ${owner}, ${leaseMs}::int)`;
  const lease = shardLeaseFrom(row, consumer, shard);
  if (lease !== null && lease !== "held") holder.leased.add(lease.consumer.name);
  return lease;
}

/** What public.acquire_consumer_shard answered, as the call's lease: no row is no shard for this call, an unleased row is one another instance holds. */
export function shardLeaseFrom(row: ShardRow | undefined, consumer: Consumer, shardIndex: number): ShardLease | "held" | null {
  if (!row) return null;
  if (!row.leased) return "held";
  return {
    consumer: { ...consumer, name: row.shard_name },
    shard: { index: shardIndex, count: row.shard_count },
    checkpoint: { transactionId: row.transaction_id ?? "0", position: Number(row.position ?? 0) },
    barrier: row.barrier_transaction_id === null ? null : { transactionId: row.barrier_transaction_id, position: Number(row.barrier_position) },
  };
}

async function releaseShards({ sql, owner, leased }: LeaseHolder): Promise<void> {
  if (leased.size === 0) return;
  await sql`update public.consumer_checkpoints set lease_owner = null, lease_expires_at = null
             where consumer = any(${[...leased]}) and lease_owner = ${owner}`;
  leased.clear();
}

/** Moves the checkpoint, fenced by the lease and the barrier: a stale instance's write, or one past the barrier, rolls back its whole batch. */
async function moveCheckpoint(tx: Sql, owner: string, shardName: string, event: StoredEvent, count: number): Promise<void> {
  const moved = await tx`
    update public.consumer_checkpoints
       set transaction_id = ${event.transactionId}::xid8, position = ${event.position},
           events_processed = events_processed + ${count}, last_run_at = now(), updated_at = now()
     where consumer = ${shardName} and lease_owner = ${owner} and lease_expires_at > now()
       and (barrier_transaction_id is null or (${event.transactionId}::xid8, ${event.position}::bigint) <= (barrier_transaction_id, barrier_position))`;
  if (moved.count !== 1) throw new LeaseLostError(shardName);
}

/**
 * Moves checkpoints on to where their reads saw the whole stream settled (readAllAfter's
 * `settled`), in one statement: a consumer of a few types otherwise stays at its last event and
 * every read scans again past all it skipped. Fenced like a batch's move (the lease, never
 * backwards), and never while the shard is resharded: its barrier decides where it stops.
 */
async function moveToSettled({ sql, owner }: LeaseHolder, settled: ReadonlyMap<string, GlobalCheckpoint>): Promise<void> {
  if (settled.size === 0) return;
  const names = [...settled.keys()];
  const points = [...settled.values()];
  await sql`
    update public.consumer_checkpoints c
       set transaction_id = s.transaction_id, position = s.position, updated_at = now()
      from unnest(${names}::text[], ${points.map((point) => point.transactionId)}::xid8[], ${points.map((point) => point.position)}::bigint[])
           as s(consumer, transaction_id, position)
     where c.consumer = s.consumer and c.lease_owner = ${owner} and c.lease_expires_at > now()
       and c.barrier_transaction_id is null
       and (c.transaction_id, c.position) < (s.transaction_id, s.position)`;
}

async function assertLease(tx: Sql, owner: string, shardName: string): Promise<void> {
  const held = await tx`
    select 1 from public.consumer_checkpoints
     where consumer = ${shardName} and lease_owner = ${owner} and lease_expires_at > now() for update`;
  if (held.length !== 1) throw new LeaseLostError(shardName);
}

/**
 * A shard with nothing left before its barrier stands at the barrier; the last of its
 * generation to get there starts the new generation (public.finish_consumer_resharding).
 */
async function standAtBarrier({ sql, owner }: LeaseHolder, lease: ShardLease, baseName: string): Promise<void> {
  if (!lease.barrier) return;
  await sql.begin(async (transaction) => {
    const tx = transaction as unknown as Sql;
    const moved = await tx`
      update public.consumer_checkpoints set transaction_id = barrier_transaction_id, position = barrier_position, updated_at = now()
       where consumer = ${lease.consumer.name} and lease_owner = ${owner} and lease_expires_at > now() and barrier_transaction_id is not null`;
    if (moved.count !== 1) throw new LeaseLostError(lease.consumer.name);
  });
  await sql`select public.finish_consumer_resharding(${baseName})`;
}

export type ShardLeases = ReturnType<typeof createShardLeases>;
