// The sales watch on its schedule: every ten minutes (across any number of process-events
// calls, which the pg_cron safety net makes every five seconds), each SKU with a day of
// history (a week for a drop) that sold in the last week is judged against its forecast (sales-watch.ts), and a
// drop starting or ending, or a spike that has passed, is appended to the SKU's inventory
// stream, where the alerts projection opens or resolves the creator's alert. Only SKUs that
// may change are loaded: those dropping now, and those with a drop or spike alert open (or
// resolved by the creator while the SKU may still be flagged).
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin } from "../event-catalogue.ts";
import { createEventStore } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState } from "../inventory/inventory.ts";
import type { SkuDemand } from "./demand-forecasts.ts";
import { decideSalesWatch, MIN_HOURS_FOR_WATCH, salesNow } from "./sales-watch.ts";

export const SALES_WATCH_JOB = "sales-watch";
export const SALES_WATCH_EVERY_MS = 10 * 60_000;
/** A SKU silent for longer has had its drop alert; it is not judged again until it sells. */
const LOOKBACK_MS = 7 * 24 * 3_600_000;
const PAGE_SIZE = 500;

export interface SalesWatchReport {
  checked: number;
  dropsDetected: number;
  dropsEnded: number;
  spikesEnded: number;
}

interface ForecastRow {
  creator_id: string;
  sku_id: string;
  state: Omit<SkuDemand, "lastSaleAt"> & { lastSaleAt: string };
}

/** SKUs whose inventory may carry a drop or spike flag: their alert is open, or a person resolved it lately. */
async function possiblyFlagged(sql: Sql, now: Date, creatorIds?: readonly string[]): Promise<Set<string>> {
  const rows = await sql<{ creator_id: string; sku_id: string }[]>`
    select distinct creator_id::text, subject as sku_id from public.alerts
     where kind in ('sales_drop', 'sales_spike')
       and (resolved_at is null or (resolved_by <> 'system' and resolved_at > ${new Date(now.getTime() - LOOKBACK_MS)}))
       ${creatorIds ? sql`and creator_id = any(${creatorIds as string[]}::uuid[])` : sql``}`;
  return new Set(rows.map((row) => `${row.creator_id}|${row.sku_id}`));
}

/** One pass of the watch over every SKU (or `creatorIds`' SKUs) as of `now`. */
export async function watchSales(options: { sql: Sql; now: () => Date; creatorIds?: readonly string[] }): Promise<SalesWatchReport> {
  const { sql } = options;
  const now = options.now();
  const store = createEventStore({ sql });
  const flagged = await possiblyFlagged(sql, now, options.creatorIds);
  const report: SalesWatchReport = { checked: 0, dropsDetected: 0, dropsEnded: 0, spikesEnded: 0 };
  let after = { creatorId: "00000000-0000-0000-0000-000000000000", skuId: "" };
  for (;;) {
    const rows = await sql<ForecastRow[]>`
      select creator_id::text, sku_id, state from public.demand_forecasts
       where (creator_id, sku_id) > (${after.creatorId}::uuid, ${after.skuId})
         and hours_seen >= ${MIN_HOURS_FOR_WATCH} and last_sale_at > ${new Date(now.getTime() - LOOKBACK_MS)}
         ${options.creatorIds ? sql`and creator_id = any(${options.creatorIds as string[]}::uuid[])` : sql``}
       order by creator_id, sku_id
       limit ${PAGE_SIZE}`;
    for (const row of rows) {
      report.checked += 1;
      const demand: SkuDemand = { ...row.state, lastSaleAt: new Date(row.state.lastSaleAt) };
      const sales = salesNow(demand, now);
      if (!sales || (!sales.dropping && !flagged.has(`${row.creator_id}|${row.sku_id}`))) continue;
      let decided: ReturnType<typeof decideSalesWatch> = [];
      const result = await handleCommand({
        store,
        creatorId: row.creator_id,
        aggregateId: inventoryAggregateId(row.sku_id),
        aggregateType: "inventory",
        initialState: initialInventoryState,
        evolve: evolveInventory,
        snapshotSchemaVersion: INVENTORY_STATE_VERSION,
        metadata: automatedOrigin(SALES_WATCH_JOB),
        // No command id: the decision is by the SKU's flags, appended at the version it read, so a
        // second watch (or a retry) finds the flag set and appends nothing. A SKU never stocked here has none.
        decide: (inventory) => (decided = inventory.skuId === null ? [] : decideSalesWatch({ skuId: row.sku_id, inventory, sales, lastSaleAt: demand.lastSaleAt })),
      });
      if (result.appended.length === 0) continue;
      for (const event of decided) {
        if (event.type === "inventory.sales_drop_detected") report.dropsDetected += 1;
        if (event.type === "inventory.sales_drop_ended") report.dropsEnded += 1;
        if (event.type === "inventory.sales_spike_ended") report.spikesEnded += 1;
      }
    }
    if (rows.length < PAGE_SIZE) return report;
    after = { creatorId: rows.at(-1)!.creator_id, skuId: rows.at(-1)!.sku_id };
  }
}

/**
 * The watch, at most once every `everyMs` across all callers (claimed in scheduled_jobs, as
 * reconciliation is): process-events calls it after every fulfilment call. Null when not due.
 */
export async function watchSalesWhenDue(options: { sql: Sql; now: () => Date; everyMs?: number; jobName?: string }): Promise<SalesWatchReport | null> {
  const { sql } = options;
  const job = options.jobName ?? SALES_WATCH_JOB;
  const everyMs = options.everyMs ?? SALES_WATCH_EVERY_MS;
  await sql`insert into public.scheduled_jobs (name) values (${job}) on conflict do nothing`;
  const [claimed] = await sql`
    update public.scheduled_jobs j set last_started_at = now()
      from (select name, last_started_at as previous from public.scheduled_jobs where name = ${job} for update) old
     where j.name = old.name and (old.previous is null or old.previous < now() - ${everyMs} * interval '1 millisecond')
    returning j.name`;
  if (!claimed) return null;
  try {
    const report = await watchSales(options);
    await sql`update public.scheduled_jobs set last_finished_at = now(), last_report = ${sql.json(report as never)}, last_error = null where name = ${job}`;
    return report;
  } catch (error) {
    await sql`update public.scheduled_jobs set last_finished_at = now(), last_error = ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} where name = ${job}`;
    throw error;
  }
}
