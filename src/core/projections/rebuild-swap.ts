// The swap at the end of a rebuild: in ONE short transaction, the live rows are replaced by
// the shadow rows (DELETE + INSERT ... SELECT, not TRUNCATE, whose exclusive lock would block
// readers: with MVCC readers keep seeing the old rows until the commit), every shard's
// checkpoint moves to where the rebuild stopped reading, and the projection's open dead
// letters are settled, their events now folded in order.
import type { Sql } from "postgres";
import type { GlobalCheckpoint } from "../event-store/index.ts";
import type { RebuildProgress, RebuildTarget } from "./rebuild.ts";

export async function swapIn(
  sql: Sql,
  options: { target: RebuildTarget; schema: string; shadow: string; owner: string; checkpoint: GlobalCheckpoint; progress: RebuildProgress },
): Promise<void> {
  const { schema, shadow, owner, checkpoint } = options;
  const { projection, consumer, rows, poisoned } = options.target;
  await sql.begin(async (transaction) => {
    const tx = transaction as unknown as Sql;
    for (const table of projection.tables) {
      const live = tx(`${schema}.${table.name}`);
      const copy = tx(`${shadow}.${table.name}`);
      if (table.keptOnRebuild?.length) {
        const assignments = table.keptOnRebuild.map((column) => `${quote(column)} = l.${quote(column)}`).join(", ");
        const match = table.key.map((column) => `s.${quote(column)} = l.${quote(column)}`).join(" and ");
        await tx`update ${copy} s set ${tx.unsafe(assignments)} from ${live} l where ${tx.unsafe(match)}`;
      }
      await tx`delete from ${live}`;
      await tx`insert into ${live} select * from ${copy}`;
    }
    if (projection.readModel) {
      // Tell every affected dashboard to refetch: the rows it holds may all have changed.
      const [first] = projection.tables;
      await tx`
        insert into ${tx(`${schema}.realtime_outbox`)} as o (creator_id, dirty, changed_models, dirty_since)
        select d.creator_id, true, array[${projection.readModel}]::text[], clock_timestamp()
          from (select distinct creator_id from ${tx(`${schema}.${first.name}`)}) d
         order by d.creator_id
        on conflict (creator_id) do update set dirty = true, dirty_since = coalesce(o.dirty_since, excluded.dirty_since),
          changed_models = array(select distinct m from unnest(o.changed_models || excluded.changed_models) m order by m)`;
    }
    // Every shard resumes after the checkpoint: the tables now hold every creator's events up to it.
    const moved = await tx`
      update public.consumer_checkpoints
         set transaction_id = ${checkpoint.transactionId}::xid8, position = ${checkpoint.position},
             rebuild_progress = case when consumer = ${consumer} then ${tx.json(options.progress as never)} else rebuild_progress end,
             lease_owner = null, lease_expires_at = null, updated_at = now()
       where consumer = any(${rows}) and lease_owner = ${owner}`;
    if (moved.count !== rows.length) throw new Error(`Lost the lease on ${consumer} during the rebuild; live tables left as they were`);
    // Every other open letter's event (of any shard, of any generation) was folded in order above: its effect is now in the tables.
    await tx`
      update public.dead_letters
         set status = 'retried', resolved_at = now(), resolved_by = ${`rebuild of ${projection.name}`},
             last_retry_at = now(), last_retry_outcome = 'retried', last_retry_message = 'Folded in order by a rebuild of the projection'
       where (consumer = ${consumer} or consumer like ${`${consumer}-shard-%`}) and status in ('pending', 'retry_requested')
         and event_id <> all(${poisoned}::uuid[])`;
  });
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
