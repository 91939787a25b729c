// Inventory reconciliation as a periodic job: whoever runs event processing calls this
// after each round, and it runs at most once per period across all callers (the claim
// is one conditional UPDATE), since TikTok stops retrying webhooks after ~15.5 hours and
// only a periodic read catches what was lost.
import type { Sql } from "postgres";
import { reconcileInventory, type ReconcileInventoryOptions, type ReconciliationReport } from "./reconciliation.ts";

export const INVENTORY_RECONCILIATION_JOB = "inventory-reconciliation";
export const DEFAULT_RECONCILIATION_EVERY_MS = 10 * 60 * 1000;

export async function reconcileInventoryWhenDue(
  options: ReconcileInventoryOptions & { everyMs?: number; jobName?: string },
): Promise<ReconciliationReport | null> {
  const sql: Sql = options.sql;
  const job = options.jobName ?? INVENTORY_RECONCILIATION_JOB;
  const everyMs = options.everyMs ?? DEFAULT_RECONCILIATION_EVERY_MS;
  await sql`insert into public.scheduled_jobs (name) values (${job}) on conflict do nothing`;
  const [claimed] = await sql<{ started: Date }[]>`
    update public.scheduled_jobs set last_started_at = now()
     where name = ${job} and (last_started_at is null or last_started_at < now() - ${everyMs} * interval '1 millisecond')
    returning last_started_at as started`;
  if (!claimed) return null;
  try {
    const report = await reconcileInventory({ ...options, runId: `${job}-${claimed.started.toISOString()}` });
    await sql`update public.scheduled_jobs set last_finished_at = now(), last_report = ${sql.json(report as never)}, last_error = null
               where name = ${job}`;
    return report;
  } catch (error) {
    await sql`update public.scheduled_jobs set last_finished_at = now(), last_error = ${error instanceof Error ? error.message : String(error)}
               where name = ${job}`;
    throw error;
  }
}
