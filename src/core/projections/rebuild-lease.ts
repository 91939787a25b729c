// The leases a rebuild takes on its consumer's checkpoint rows. Live calls renew theirs every
// round and the next wake-up's call leases again within milliseconds, so a rebuild that only
// polled for a free lease could starve through a flash sale. It first says it wants the lease
// (consumer_checkpoints.lease_wanted_by): the holder lets go at its next round and no other
// live call takes it meanwhile (public.acquire_consumer_shard, migration
// 20261203001800_rebuild_lease_wanted.sql). Taking the lease clears the want.
import type { Sql } from "postgres";

export class RebuildLeaseUnavailableError extends Error {
  constructor(consumer: string) {
    super(`Consumer ${consumer} is held by another instance; rebuild not started`);
    this.name = "RebuildLeaseUnavailableError";
  }
}

/** How long a want lasts unless renewed: a rebuild that died while waiting holds live processing up no longer. */
const WANT_MS = 5_000;
const POLL_MS = 100;

/** Leases every row for `owner`, waiting up to `waitMs` for each; on failure gives back what it took. */
export async function acquireRebuildLeases(sql: Sql, rows: readonly string[], lease: { owner: string; leaseMs: number; waitMs: number }): Promise<void> {
  try {
    for (const row of rows) await acquireRebuildLease(sql, row, lease);
  } catch (error) {
    await giveBackRebuildLeases(sql, lease.owner);
    throw error;
  }
}

async function acquireRebuildLease(sql: Sql, consumer: string, { owner, leaseMs, waitMs }: { owner: string; leaseMs: number; waitMs: number }): Promise<void> {
  await sql`insert into public.consumer_checkpoints (consumer) values (${consumer}) on conflict do nothing`;
  const deadline = performance.now() + waitMs;
  for (;;) {
    // Another rebuild's live want comes first; this one waits behind it.
    await sql`
      update public.consumer_checkpoints
         set lease_wanted_by = ${owner}, lease_wanted_until = now() + ${WANT_MS} * interval '1 millisecond'
       where consumer = ${consumer} and (lease_wanted_by is null or lease_wanted_by = ${owner} or lease_wanted_until < now())`;
    const taken = await sql`
      update public.consumer_checkpoints
         set lease_owner = ${owner}, lease_expires_at = now() + ${leaseMs} * interval '1 millisecond',
             lease_wanted_by = null, lease_wanted_until = null
       where consumer = ${consumer}
         and (lease_owner is null or lease_owner = ${owner} or lease_expires_at < now())
         and (lease_wanted_by is null or lease_wanted_by = ${owner} or lease_wanted_until < now())`;
    if (taken.count === 1) return;
    if (performance.now() > deadline) throw new RebuildLeaseUnavailableError(consumer);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Frees whatever `owner` leased or wanted, so live processing goes on at once. */
async function giveBackRebuildLeases(sql: Sql, owner: string): Promise<void> {
  await sql`
    update public.consumer_checkpoints
       set lease_owner = case when lease_owner = ${owner} then null else lease_owner end,
           lease_expires_at = case when lease_owner = ${owner} then null else lease_expires_at end,
           lease_wanted_by = case when lease_wanted_by = ${owner} then null else lease_wanted_by end,
           lease_wanted_until = case when lease_wanted_by = ${owner} then null else lease_wanted_until end
     where lease_owner = ${owner} or lease_wanted_by = ${owner}`;
}
