// The import of a shop's history when it is linked: its products and stock, then its
// orders of the last 30 days (configurable), page by page through TikTok's search APIs.
// Each page's events and the import's progress commit together (save_shop_import_page),
// so a crash resumes at the next page, and a page read twice decides nothing twice: orders
// go through the webhook path's decision against the order's applied status, stock reports
// carry an idempotency key. Runs from the process-events fulfilment lane.
import type { Sql } from "postgres";
import { DomainError } from "../domain-error.ts";
import { automatedOrigin } from "../event-catalogue.ts";
import { createEventStore, toAppendRows } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { createRateLimitedCaller } from "../channels/tiktok-shop/rate-limited-calls.ts";
import { reportRateLimitApproached } from "../system/rate-limit-report.ts";
import { decideOnObservedPage, loadAppliedOrders } from "./applied-orders.ts";
import type { ShopHistoryReader } from "./history-reader.ts";
import { stockReportsOfProduct } from "./observations.ts";

export const SHOP_IMPORT_COMPONENT = "shop_import";
export const DEFAULT_IMPORT_DAYS = 30;
const MAX_ATTEMPTS = 8;
const MAX_CONFLICT_RETRIES = 5;

export type ImportPhase = "products" | "orders" | "done";
export type ImportStatus = "running" | "completed" | "failed";

export interface ShopImportRow {
  id: string;
  creator_id: string;
  shop_id: string;
  status: ImportStatus;
  phase: ImportPhase;
  page_token: string | null;
  pages: number;
  orders_since: Date;
  orders_until: Date;
  products_imported: number;
  skus_imported: number;
  orders_imported: number;
  products_total: number | null;
  orders_total: number | null;
  attempts: number;
  last_error: string | null;
}

/**
 * Starts the import of a shop the creator has linked (a running one is returned as it is).
 * A shop linked to someone else is not found: no creator imports another's shop.
 */
export async function startShopImport(sql: Sql, request: { creatorId: string; shopId: string; now: Date; days?: number }): Promise<{ importId: string; started: boolean }> {
  const [shop] = await sql<{ shop_id: string }[]>`
    select shop_id from public.tiktok_shops where shop_id = ${request.shopId} and creator_id = ${request.creatorId}::uuid`;
  if (!shop) throw new DomainError("not_found", `shop ${request.shopId} is not linked to this creator`);
  const days = request.days ?? DEFAULT_IMPORT_DAYS;
  const since = new Date(request.now.getTime() - days * 86_400_000);
  const [inserted] = await sql<{ id: string }[]>`
    insert into public.shop_imports (creator_id, shop_id, orders_since, orders_until)
    values (${request.creatorId}::uuid, ${request.shopId}, ${since}, ${request.now})
    on conflict (shop_id) where status = 'running' do nothing
    returning id`;
  if (inserted) return { importId: inserted.id, started: true };
  const [running] = await sql<{ id: string }[]>`select id from public.shop_imports where shop_id = ${request.shopId} and status = 'running'`;
  return { importId: running.id, started: false };
}

/** Starts an import for every linked shop that never had one (a shop linked by any path). */
export async function startImportsForNewShops(sql: Sql, options: { now: Date; days?: number; creatorIds?: readonly string[] }): Promise<string[]> {
  const shops = await sql<{ shop_id: string; creator_id: string }[]>`
    select s.shop_id, s.creator_id::text as creator_id from public.tiktok_shops s
     where s.connection_status = 'connected'
       and not exists (select 1 from public.shop_imports i where i.shop_id = s.shop_id)
       ${options.creatorIds ? sql`and s.creator_id = any(${[...options.creatorIds]}::uuid[])` : sql``}`;
  const started: string[] = [];
  for (const shop of shops) {
    const result = await startShopImport(sql, { creatorId: shop.creator_id, shopId: shop.shop_id, now: options.now, ...(options.days ? { days: options.days } : {}) });
    if (result.started) started.push(result.importId);
  }
  return started;
}

export interface AdvanceShopImportsOptions {
  sql: Sql;
  readerFor: (shop: { creatorId: string; shopId: string }) => ShopHistoryReader;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  creatorIds?: readonly string[];
  /** Start imports for linked shops that never had one (default true). */
  startNewShops?: boolean;
  days?: number;
  pageSize?: number;
  /** Pages per import per call, so one call of the lane stays short; the next call goes on. */
  maxPagesPerCall?: number;
  leaseMs?: number;
  rateLimitWarningShare?: number;
  maxAttempts?: number;
}

export interface ImportAdvance {
  importId: string;
  shopId: string;
  pages: number;
  events: number;
  status: ImportStatus;
  phase: ImportPhase;
  error?: string;
  rateLimitedRetries: number;
  rateLimitWarnings: number;
  /** Time spent waiting on TikTok's rate limit (backoff and window resets). */
  waitedMs: number;
}

/** Moves every due import forward by up to `maxPagesPerCall` pages. */
export async function advanceShopImports(options: AdvanceShopImportsOptions): Promise<ImportAdvance[]> {
  const { sql } = options;
  if (options.startNewShops !== false) await startImportsForNewShops(sql, { now: options.now(), ...(options.days ? { days: options.days } : {}), ...(options.creatorIds ? { creatorIds: options.creatorIds } : {}) });
  const leaseMs = options.leaseMs ?? 60_000;
  const claimed = await sql<ShopImportRow[]>`
    update public.shop_imports set lease_until = now() + ${leaseMs} * interval '1 millisecond'
     where status = 'running'
       and (lease_until is null or lease_until < now())
       and (next_attempt_at is null or next_attempt_at <= ${options.now()})
       ${options.creatorIds ? sql`and creator_id = any(${[...options.creatorIds]}::uuid[])` : sql``}
    returning *`;
  const advances: ImportAdvance[] = [];
  for (const row of claimed) {
    try {
      advances.push(await advanceImport(options, row));
    } finally {
      await sql`update public.shop_imports set lease_until = null where id = ${row.id}`;
    }
  }
  return advances;
}

async function advanceImport(options: AdvanceShopImportsOptions, row: ShopImportRow): Promise<ImportAdvance> {
  const { sql } = options;
  const store = createEventStore({ sql });
  const creatorId = row.creator_id;
  const caller = createRateLimitedCaller({
    now: options.now,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    api: "tiktok_shop.search",
    ...(options.rateLimitWarningShare !== undefined ? { warningShare: options.rateLimitWarningShare } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    reportApproached: reportRateLimitApproached(store, creatorId, SHOP_IMPORT_COMPONENT),
  });
  const run: ImportRun = {
    sql,
    row,
    now: options.now,
    call: (read) => caller.call(read),
    reader: options.readerFor({ creatorId, shopId: row.shop_id }),
    pageSize: options.pageSize ?? 100,
    metadata: automatedOrigin(SHOP_IMPORT_COMPONENT, { correlation_id: row.id }),
  };
  const maxPages = options.maxPagesPerCall ?? 20;
  const advance: ImportAdvance = { importId: row.id, shopId: row.shop_id, pages: 0, events: 0, status: row.status, phase: row.phase, rateLimitedRetries: 0, rateLimitWarnings: 0, waitedMs: 0 };
  let state: PageState = { phase: row.phase, pageToken: row.page_token, pages: row.pages };
  try {
    while (state.phase !== "done" && advance.pages < maxPages) {
      const saved = state.phase === "products" ? await importProductsPage(run, state) : await importOrdersPage(run, state);
      if (!saved) break;
      advance.pages += 1;
      advance.events += saved.events;
      state = saved.next;
    }
    advance.phase = state.phase;
    advance.status = state.phase === "done" ? "completed" : "running";
  } catch (error) {
    Object.assign(advance, await recordFailedAttempt(run, error));
  }
  advance.rateLimitedRetries = caller.tally.rateLimitedRetries;
  advance.rateLimitWarnings = caller.tally.warnings;
  advance.waitedMs = caller.tally.waitedMs;
  return advance;
}

type PageState = { phase: ImportPhase; pageToken: string | null; pages: number };
type SavedPage = { next: PageState; events: number } | null;

/** One call's import of one shop: what each page needs. */
interface ImportRun {
  sql: Sql;
  row: ShopImportRow;
  now: () => Date;
  /** A TikTok read through the import's rate-limited caller. */
  call: ReturnType<typeof createRateLimitedCaller>["call"];
  reader: ShopHistoryReader;
  pageSize: number;
  metadata: ReturnType<typeof automatedOrigin>;
}

const pageOf = (run: ImportRun, at: PageState) => (at.pageToken === null ? { pageSize: run.pageSize } : { pageSize: run.pageSize, pageToken: at.pageToken });

async function importProductsPage(run: ImportRun, at: PageState): Promise<SavedPage> {
  const { sql, row } = run;
  // By the database's clock, as pushes are recorded: a push recorded after it may be newer than the counts read.
  const [{ readStartedAt }] = await sql<{ readStartedAt: Date }[]>`select clock_timestamp() as "readStartedAt"`;
  const result = await run.call(() => run.reader.searchProducts(pageOf(run, at)));
  const { products, nextPageToken, totalCount } = result.data;
  const updateTime = Math.floor(run.now().getTime() / 1000);
  // A SKU the engine already follows (a webhook's count, a local write) is left to the
  // stock reconciliation, which weighs TikTok's holds and commitments; search gives
  // only what is available to sell, and would read as a conflict.
  const known = await knownSkus(sql, products.flatMap((product) => product.skus.map((sku) => sku.id)));
  const appends = products.flatMap((product) =>
    stockReportsOfProduct(product, updateTime, row.shop_id, readStartedAt).filter((event) => !known.has(event.aggregateId)).map((event) => ({
      aggregate_id: event.aggregateId,
      aggregate_type: event.aggregateType,
      expected: "any",
      idempotency_key: `shop-import:${row.id}:${event.aggregateId}`,
      events: toAppendRows({ creatorId: row.creator_id, metadata: run.metadata, idempotencyKey: `shop-import:${row.id}:${event.aggregateId}` }, [event]),
    })),
  );
  const next: PageState = { phase: nextPageToken ? "products" : "orders", pageToken: nextPageToken ?? null, pages: at.pages + 1 };
  const skus = products.reduce((sum, product) => sum + product.skus.length, 0);
  const ok = await savePage(run, at.pages, next, { products: products.length, skus, orders: 0, productsTotal: totalCount, ordersTotal: null }, appends);
  return ok ? { next, events: appends.length } : null;
}

async function importOrdersPage(run: ImportRun, at: PageState): Promise<SavedPage> {
  const { sql, row } = run;
  const filter = { createTimeGe: Math.floor(row.orders_since.getTime() / 1000), createTimeLt: Math.floor(row.orders_until.getTime() / 1000) };
  const result = await run.call(() => run.reader.searchOrders(filter, pageOf(run, at)));
  const { orders, nextPageToken, totalCount } = result.data;
  const next: PageState = { phase: nextPageToken ? "orders" : "done", pageToken: nextPageToken ?? null, pages: at.pages + 1 };
  // A webhook for one of these orders may commit between the read and the save: decide again.
  for (let attempt = 1; ; attempt += 1) {
    const applied = await loadAppliedOrders(sql, orders.map((order) => order.id));
    const observed = decideOnObservedPage(orders, row.shop_id, row.creator_id, applied, run.metadata);
    try {
      const ok = await savePage(run, at.pages, next, { products: 0, skus: 0, orders: orders.length, productsTotal: null, ordersTotal: totalCount }, observed.appends.map((entry) => entry.append));
      return ok ? { next, events: observed.appends.reduce((sum, entry) => sum + entry.events.length, 0) } : null;
    } catch (error) {
      if ((error as { code?: string }).code !== "CF409" || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}

/** A failed attempt, recorded for a retry with backoff, or as the import's end after the last. */
async function recordFailedAttempt(run: ImportRun, error: unknown): Promise<Pick<ImportAdvance, "status" | "error">> {
  const { sql, row } = run;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const attempts = row.attempts + 1;
  const failed = attempts >= MAX_ATTEMPTS;
  const retryAt = new Date(run.now().getTime() + Math.min(60_000, 1000 * 2 ** (attempts - 1)));
  await sql`update public.shop_imports
               set attempts = ${attempts}, last_error = ${message.slice(0, 1000)}, next_attempt_at = ${retryAt}, updated_at = now(),
                   status = ${failed ? "failed" : "running"}, finished_at = ${failed ? run.now() : null}
             where id = ${row.id}`;
  return { status: failed ? "failed" : "running", error: message };
}

async function knownSkus(sql: Sql, skuIds: string[]): Promise<Set<string>> {
  if (skuIds.length === 0) return new Set();
  const rows = await sql<{ aggregate_id: string }[]>`
    select aggregate_id from public.streams where aggregate_id = any(${skuIds.map(inventoryAggregateId)}::text[])`;
  return new Set(rows.map((row) => row.aggregate_id));
}

async function savePage(
  run: ImportRun,
  expectedPages: number,
  next: PageState,
  counts: { products: number; skus: number; orders: number; productsTotal: number | null; ordersTotal: number | null },
  appends: unknown[],
): Promise<boolean> {
  const { sql } = run;
  const [saved] = await sql<{ ok: boolean }[]>`
    select public.save_shop_import_page(
      ${run.row.id}::uuid, ${expectedPages}, ${next.phase}, ${next.pageToken}, ${next.phase === "done" ? "completed" : "running"},
      ${counts.products}, ${counts.skus}, ${counts.orders}, ${counts.productsTotal}, ${counts.ordersTotal},
      ${sql.json(appends as never)}::jsonb) as ok`;
  return saved.ok;
}
