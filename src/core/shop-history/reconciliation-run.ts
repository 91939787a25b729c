// Reconciliation of a shop's orders and stock against TikTok, as one run with one
// schedule and one history (reconciliation_runs). Orders: ask for those updated since the
// shop was last checked (less an overlap) and append what the webhooks missed (an order
// never seen, a status newer than the applied one), marked source "reconciliation". Stock:
// the existing SKU-by-SKU reconciliation. Everything found is kept as drift, with what was
// done about it, for the creator's and the admins' drift report.
import type { Sql } from "postgres";
import { reconcileChannelStores, type ChannelReconciliationReport, type ChannelStoreToReconcile } from "../channels/channel-reconciliation.ts";
import { reconcileInventory, type ReconcileInventoryOptions } from "../conflicts/reconciliation.ts";
import type { ReconciliationReport } from "../conflicts/reconciliation-decisions.ts";
import { automatedOrigin } from "../event-catalogue.ts";
import { createEventStore } from "../event-store/index.ts";
import { createRateLimitedCaller } from "../channels/tiktok-shop/rate-limited-calls.ts";
import { reportRateLimitApproached } from "../system/rate-limit-report.ts";
import { decideOnObservedPage, loadAppliedOrders, type ObservedOrderAppend } from "./applied-orders.ts";
import type { ShopHistoryReader } from "./history-reader.ts";

export const RECONCILIATION_COMPONENT = "reconciliation";
export const RECONCILIATION_JOB = "reconciliation";
export const DEFAULT_RECONCILIATION_EVERY_MS = 5 * 60 * 1000;
const DEFAULT_OVERLAP_MS = 10 * 60 * 1000;
const DEFAULT_FIRST_WINDOW_MS = 24 * 3600 * 1000;
const RUNS_KEPT_DAYS = 90;
const MAX_CONFLICT_RETRIES = 5;

export type ReconciliationTrigger = "scheduled" | "manual";

export interface ReconcileShopsOptions {
  sql: Sql;
  readerFor: (shop: { creatorId: string; shopId: string }) => ShopHistoryReader;
  /** The stock side's client (inventory search and update); no stock reconciliation without it. */
  clientForShop?: ReconcileInventoryOptions["clientForShop"];
  /** The connected stores of the other channels (Shopify), with their APIs: their stock is compared with the pool. */
  channelStoresFor?: (sql: Sql, creatorIds?: readonly string[]) => Promise<ChannelStoreToReconcile[]>;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  trigger: ReconciliationTrigger;
  /** Only these creators' shops; every linked shop by default. */
  creatorIds?: readonly string[];
  /** Each run re-reads this much before the last run's end, for orders updated while it ran. */
  overlapMs?: number;
  /** How far back the first run of a shop looks. */
  firstWindowMs?: number;
  pageSize?: number;
  maxAttempts?: number;
}

export interface OrderReconciliationReport {
  shops: number;
  ordersChecked: number;
  ordersMissing: number;
  statusesBehind: number;
  eventsAppended: number;
  rateLimitedRetries: number;
  rateLimitWarnings: number;
  failures: { shopId: string; error: string }[];
}

export interface ReconciliationRunReport {
  runId: string;
  trigger: ReconciliationTrigger;
  orders: OrderReconciliationReport;
  stock: Omit<ReconciliationReport, "stockDrift"> | null;
  /** The other channels' stores (Shopify) against the pool. */
  channels: Omit<ChannelReconciliationReport, "drift"> | null;
  drift: number;
}

export async function runReconciliation(options: ReconcileShopsOptions): Promise<ReconciliationRunReport> {
  const { sql } = options;
  const singleCreator = options.creatorIds?.length === 1 ? options.creatorIds[0] : null;
  const [run] = await sql<{ id: string }[]>`
    insert into public.reconciliation_runs (trigger, creator_id, started_at) values (${options.trigger}, ${singleCreator}::uuid, ${options.now()}) returning id`;
  const runId = run.id;
  try {
    const orders = await reconcileOrders(options, runId);
    let stock: ReconciliationRunReport["stock"] = null;
    let stockDrift = 0;
    if (options.clientForShop) {
      const { stockDrift: found, ...report } = await reconcileInventory({
        sql,
        clientForShop: options.clientForShop,
        now: options.now,
        runId,
        ...(options.creatorIds ? { creatorIds: options.creatorIds } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
      });
      stock = report;
      stockDrift = found.length;
      for (const drift of found) {
        await sql`
          insert into public.reconciliation_drift (run_id, creator_id, shop_id, kind, reference, applied, observed, action, found_at)
          values (${runId}, ${drift.creatorId}::uuid, ${drift.shopId}, 'stock_count', ${drift.skuId}, ${drift.localTotal === null ? null : String(drift.localTotal)},
                  ${String(drift.externalTotal)}, ${stockAction(drift.outcome)}, ${options.now()})`;
      }
    }
    const channels = options.channelStoresFor ? await reconcileChannels(options, options.channelStoresFor, runId) : null;
    const report: ReconciliationRunReport = {
      runId,
      trigger: options.trigger,
      orders,
      stock,
      channels,
      drift: orders.ordersMissing + orders.statusesBehind + stockDrift + (channels?.conflictsRaised ?? 0),
    };
    const failed = orders.failures.length > 0 || (stock?.failures.length ?? 0) > 0 || (channels?.failures.length ?? 0) > 0;
    await sql`update public.reconciliation_runs set status = ${failed ? "failed" : "succeeded"}, finished_at = ${options.now()}, report = ${sql.json(report as never)}
               where id = ${runId}`;
    await sql`delete from public.reconciliation_runs where started_at < ${options.now()}::timestamptz - ${RUNS_KEPT_DAYS} * interval '1 day'`;
    return report;
  } catch (error) {
    await sql`update public.reconciliation_runs set status = 'failed', finished_at = ${options.now()}, error = ${describe(error).slice(0, 1000)} where id = ${runId}`;
    throw error;
  }
}

/** Every connected store of the other channels against the pool; each disagreement kept as drift beside TikTok's. */
async function reconcileChannels(options: ReconcileShopsOptions, storesFor: NonNullable<ReconcileShopsOptions["channelStoresFor"]>, runId: string): Promise<Omit<ChannelReconciliationReport, "drift">> {
  const { sql } = options;
  const stores = await storesFor(sql, options.creatorIds);
  const { drift, ...report } = await reconcileChannelStores({ sql, stores, now: options.now, runId });
  for (const found of drift) {
    await sql`
      insert into public.reconciliation_drift (run_id, creator_id, shop_id, kind, reference, applied, observed, action, found_at)
      values (${runId}, ${found.creatorId}::uuid, ${found.shopId}, 'stock_count', ${found.skuId}, ${String(found.pool)}, ${String(found.channelCount)},
              ${`${channelName(found.channel)}'s count differs from the pool's: conflict ${found.conflictId} raised for a person to resolve`}, ${options.now()})`;
  }
  return report;
}

function channelName(channel: ChannelStoreToReconcile["channel"]): string {
  return channel === "shopify" ? "Shopify" : "TikTok Shop";
}

function stockAction(outcome: "adopted" | "auto_resolved" | "left_for_person"): string {
  switch (outcome) {
    case "adopted":
      return "adopted TikTok's count";
    case "auto_resolved":
      return "conflict raised and settled by the sync rules";
    case "left_for_person":
      return "conflict raised for a person to resolve";
    default: {
      const unhandled: never = outcome;
      throw new Error(`unknown outcome ${String(unhandled)}`);
    }
  }
}

function orderAction(entry: ObservedOrderAppend): string {
  return `appended ${entry.events.map((event) => event.type).join(", ")}`;
}

async function reconcileOrders(options: ReconcileShopsOptions, runId: string): Promise<OrderReconciliationReport> {
  const { sql } = options;
  const report: OrderReconciliationReport = { shops: 0, ordersChecked: 0, ordersMissing: 0, statusesBehind: 0, eventsAppended: 0, rateLimitedRetries: 0, rateLimitWarnings: 0, failures: [] };
  const shops = await sql<ShopToReconcile[]>`
    select s.shop_id, s.creator_id::text as creator_id, m.orders_checked_until as checked_until
      from public.tiktok_shops s left join public.shop_reconciliation_marks m on m.shop_id = s.shop_id
     -- A shop whose seller must reconnect gets no calls (its creator has been told already).
     where s.connection_status = 'connected'
     ${options.creatorIds ? sql`and s.creator_id = any(${[...options.creatorIds]}::uuid[])` : sql``}
     order by s.creator_id, s.shop_id`;
  for (const shop of shops) {
    report.shops += 1;
    await reconcileShopOrders(options, runId, shop, report);
  }
  return report;
}

interface ShopToReconcile {
  shop_id: string;
  creator_id: string;
  checked_until: Date | null;
}

/** The shop's orders updated since it was last checked (with an overlap), page by page; then the mark moves on. */
async function reconcileShopOrders(options: ReconcileShopsOptions, runId: string, shop: ShopToReconcile, report: OrderReconciliationReport): Promise<void> {
  const { sql } = options;
  const store = createEventStore({ sql });
  const creatorId = shop.creator_id;
  const now = options.now();
  const from = shop.checked_until ? new Date(shop.checked_until.getTime() - (options.overlapMs ?? DEFAULT_OVERLAP_MS)) : new Date(now.getTime() - (options.firstWindowMs ?? DEFAULT_FIRST_WINDOW_MS));
  const caller = createRateLimitedCaller({
    now: options.now,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    api: "tiktok_shop.search",
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    reportApproached: reportRateLimitApproached(store, creatorId, RECONCILIATION_COMPONENT),
  });
  const reader = options.readerFor({ creatorId, shopId: shop.shop_id });
  try {
    let pageToken: string | null = null;
    do {
      const page: { pageSize: number; pageToken?: string } = pageToken === null ? { pageSize: options.pageSize ?? 100 } : { pageSize: options.pageSize ?? 100, pageToken };
      const result = await caller.call(() =>
        reader.searchOrders({ updateTimeGe: Math.floor(from.getTime() / 1000), updateTimeLt: Math.floor(now.getTime() / 1000) + 1 }, page),
      );
      report.ordersChecked += result.data.orders.length;
      await saveOrderPage(options, runId, { shopId: shop.shop_id, creatorId }, result.data.orders, report);
      pageToken = result.data.nextPageToken;
    } while (pageToken !== null);
    await sql`
      insert into public.shop_reconciliation_marks (shop_id, creator_id, orders_checked_until, last_run_id, last_checked_at)
      values (${shop.shop_id}, ${creatorId}::uuid, ${now}, ${runId}, ${now})
      on conflict (shop_id) do update set orders_checked_until = excluded.orders_checked_until, last_run_id = excluded.last_run_id, last_checked_at = excluded.last_checked_at`;
  } catch (error) {
    report.failures.push({ shopId: shop.shop_id, error: describe(error) });
  }
  report.rateLimitedRetries += caller.tally.rateLimitedRetries;
  report.rateLimitWarnings += caller.tally.warnings;
}

/** What a page of TikTok's orders tells that the streams do not know yet, appended with the drift it settles. */
async function saveOrderPage(
  options: ReconcileShopsOptions,
  runId: string,
  { shopId, creatorId }: { shopId: string; creatorId: string },
  orders: Parameters<typeof decideOnObservedPage>[0],
  report: OrderReconciliationReport,
): Promise<void> {
  const { sql } = options;
  const metadata = automatedOrigin(RECONCILIATION_COMPONENT, { correlation_id: runId });
  for (let attempt = 1; ; attempt += 1) {
    const applied = await loadAppliedOrders(sql, orders.map((order) => order.id));
    const observed = decideOnObservedPage(orders, shopId, creatorId, applied, metadata);
    if (observed.appends.length === 0) return;
    try {
      // The events and the drift they settle commit together.
      await sql.begin(async (tx) => {
        for (const entry of observed.appends) {
          const rows = await tx<{ event_id: string }[]>`
            select event_id from public.append_to_stream(${creatorId}::uuid, ${entry.append.aggregate_id}, 'order', ${entry.append.expected}, ${tx.json(entry.append.events as never)}::jsonb)`;
          await tx`
            insert into public.reconciliation_drift (run_id, creator_id, shop_id, kind, reference, applied, observed, action, event_ids, found_at)
            values (${runId}, ${creatorId}::uuid, ${shopId}, ${entry.drift}, ${entry.orderId}, ${entry.applied?.status ?? null}, ${entry.observedStatus},
                    ${orderAction(entry)}, ${rows.map((row) => row.event_id)}::uuid[], ${options.now()})`;
        }
      });
    } catch (error) {
      if ((error as { code?: string }).code === "CF409" && attempt < MAX_CONFLICT_RETRIES) continue;
      throw error;
    }
    for (const entry of observed.appends) {
      if (entry.drift === "order_missing") report.ordersMissing += 1;
      else report.statusesBehind += 1;
      report.eventsAppended += entry.events.length;
    }
    return;
  }
}

/**
 * The reconciliation as a periodic job: whoever runs the fulfilment lane calls this after
 * each call, and it runs at most once per period across all callers (one conditional
 * UPDATE claims it), or at once when someone asked (requestReconciliation).
 */
export async function reconcileWhenDue(options: Omit<ReconcileShopsOptions, "trigger"> & { everyMs?: number; jobName?: string }): Promise<ReconciliationRunReport | null> {
  const { sql } = options;
  const job = options.jobName ?? RECONCILIATION_JOB;
  const everyMs = options.everyMs ?? DEFAULT_RECONCILIATION_EVERY_MS;
  await sql`insert into public.scheduled_jobs (name) values (${job}) on conflict do nothing`;
  const [claimed] = await sql<{ previous: Date | null; requested_at: Date | null }[]>`
    update public.scheduled_jobs j set last_started_at = now()
      from (select name, last_started_at as previous from public.scheduled_jobs where name = ${job} for update) old
     where j.name = old.name
       and (old.previous is null or old.previous < now() - ${everyMs} * interval '1 millisecond' or j.requested_at > old.previous)
    returning old.previous, j.requested_at`;
  if (!claimed) return null;
  const manual = claimed.requested_at !== null && (claimed.previous === null || claimed.requested_at > claimed.previous);
  try {
    const report = await runReconciliation({ ...options, trigger: manual ? "manual" : "scheduled" });
    await sql`update public.scheduled_jobs set last_finished_at = now(), last_report = ${sql.json(report as never)}, last_error = null where name = ${job}`;
    return report;
  } catch (error) {
    await sql`update public.scheduled_jobs set last_finished_at = now(), last_error = ${describe(error)} where name = ${job}`;
    throw error;
  }
}

/** Asks for a reconciliation now (the admin panel's button): the fulfilment lane is woken to run it. */
export async function requestReconciliation(sql: Sql, options: { jobName?: string } = {}): Promise<void> {
  const job = options.jobName ?? RECONCILIATION_JOB;
  await sql`insert into public.scheduled_jobs (name, requested_at) values (${job}, now()) on conflict (name) do update set requested_at = now()`;
  await sql`select public.request_event_processing(array['fulfilment']::text[], true)`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
