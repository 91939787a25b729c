// The periodic reconciliation: read every known SKU's count through the TikTok Shop API
// (signed; the simulator locally), raise and settle conflicts exactly as for webhooks, and
// write the count back to TikTok when the local one won. Webhooks stop after ~15.5 h of
// failed deliveries, so this is what eventually brings the two sides together.
// Respects TikTok's rate limits: records system.api_rate_limit_approached when the
// remaining budget runs low and waits for the window; backs off and retries on 429.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin, type DomainEvent } from "../event-catalogue.ts";
import { createEventStore, type EventStore } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { evolveStockOutbox, initialStockOutboxState, pushedVersionFor } from "../inventory/stock-outbox.ts";
import { withStockPushLock } from "../inventory/stock-push-lock.ts";
import type { TikTokShopClient, TikTokShopResult } from "../channels/tiktok-shop/api-client.ts";
import { createRateLimitedCaller } from "../channels/tiktok-shop/rate-limited-calls.ts";
import { conflictIdFor, deterministicUuid } from "./conflict-ids.ts";
import {
  availableToSell,
  decideOnInventoryRead,
  emptyReconciliationReport,
  pushUnderWayByStockOutbox,
  reconciliationPushed,
  tallyInventoryRead,
  type DecidedPush,
  type InventoryRead,
  type InventoryReadDecision,
  type ReconciliationReport,
} from "./reconciliation-decisions.ts";
import { evolveSkuSync, initialSkuSyncState, SYNC_CONFLICTS_COMPONENT, type SkuSyncState } from "./sku-sync-state.ts";
import type { SyncRules } from "./sync-rules.ts";
import { loadSyncRules } from "./sync-rules-store.ts";

export interface ReconcileInventoryOptions {
  sql: Sql;
  /** A signed client for a shop (its cipher and token come from wherever the app keeps them). */
  clientForShop: (shop: { shopId: string; creatorId: string }) => TikTokShopClient;
  now: () => Date;
  /** Only these creators' shops; all linked shops by default. */
  creatorIds?: readonly string[];
  /** Names this run: the same run id and SKU give the same conflict id, so a rerun of a crashed run raises nothing twice. */
  runId?: string;
  rulesFor?: (sql: Sql, creatorId: string) => Promise<SyncRules>;
  /** Warn (and wait for the window) when the remaining calls fall to this share of the limit or below. */
  rateLimitWarningShare?: number;
  maxAttempts?: number;
  skusPerRequest?: number;
  /** Waits between calls; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const API_NAME = "tiktok_shop.inventory";

/** One run: its options with their defaults, the store, and the report it fills. */
interface ReconciliationRun {
  options: ReconcileInventoryOptions;
  sql: Sql;
  store: EventStore;
  runId: string;
  report: ReconciliationReport;
  sleep: (ms: number) => Promise<void>;
  skusPerRequest: number;
  rulesFor: (sql: Sql, creatorId: string) => Promise<SyncRules>;
}

/** One shop within a run: TikTok's client for it, called within the shop's rate limits. */
interface ShopReconciliation {
  run: ReconciliationRun;
  shopId: string;
  creatorId: string;
  client: TikTokShopClient;
  callTikTok: <T>(call: () => Promise<TikTokShopResult<T>>) => Promise<TikTokShopResult<T>>;
  recordSystemEvent: (event: DomainEvent<"system.api_rate_limit_approached" | "system.sync_failure_detected">) => Promise<unknown>;
}

// Its own events are the ones the sync-conflicts consumer must not judge again.
const reconciliationOrigin = () => automatedOrigin(SYNC_CONFLICTS_COMPONENT);

export async function reconcileInventory(options: ReconcileInventoryOptions): Promise<ReconciliationReport> {
  const runId = options.runId ?? crypto.randomUUID();
  const run: ReconciliationRun = {
    options,
    sql: options.sql,
    store: createEventStore({ sql: options.sql }),
    runId,
    report: emptyReconciliationReport(runId),
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    skusPerRequest: options.skusPerRequest ?? 50,
    rulesFor: options.rulesFor ?? loadSyncRules,
  };
  for (const shop of await connectedShops(options.sql, options.creatorIds)) {
    run.report.shops += 1;
    await reconcileShop(shopReconciliation(run, shop));
  }
  return run.report;
}

function connectedShops(sql: Sql, creatorIds: readonly string[] | undefined) {
  return sql<{ shop_id: string; creator_id: string }[]>`
    select shop_id, creator_id from public.tiktok_shops
     -- A shop whose seller must reconnect gets no calls (its creator has been told already).
     where connection_status = 'connected'
     ${creatorIds ? sql`and creator_id = any(${[...creatorIds]}::uuid[])` : sql``}
     order by creator_id, shop_id`;
}

function shopReconciliation(run: ReconciliationRun, shop: { shop_id: string; creator_id: string }): ShopReconciliation {
  const { options, report, store } = run;
  const creatorId = shop.creator_id;
  const recordSystemEvent = (event: DomainEvent<"system.api_rate_limit_approached" | "system.sync_failure_detected">) =>
    store.appendToStream({ creatorId, aggregateId: `system-${creatorId}`, aggregateType: "system", events: [event], metadata: reconciliationOrigin() });
  const caller = createRateLimitedCaller({
    now: options.now,
    sleep: run.sleep,
    api: API_NAME,
    warningShare: options.rateLimitWarningShare ?? 0.2,
    maxAttempts: options.maxAttempts ?? 5,
    reportApproached: (data) => recordSystemEvent({ type: "system.api_rate_limit_approached", data }).then(() => undefined),
  });
  // The caller counts this shop's calls; the report adds them to the shops' before it.
  const baseWarnings = report.rateLimitWarnings;
  const baseRetries = report.rateLimitedRetries;
  const callTikTok = async <T>(call: () => Promise<TikTokShopResult<T>>): Promise<TikTokShopResult<T>> => {
    try {
      return await caller.call(call);
    } finally {
      report.rateLimitWarnings = baseWarnings + caller.tally.warnings;
      report.rateLimitedRetries = baseRetries + caller.tally.rateLimitedRetries;
    }
  };
  return { run, shopId: shop.shop_id, creatorId, client: options.clientForShop({ shopId: shop.shop_id, creatorId }), callTikTok, recordSystemEvent };
}

/** Every SKU with an inventory stream, read from TikTok a page at a time; a failure of the shop is recorded and the run goes on. */
async function reconcileShop(shop: ShopReconciliation): Promise<void> {
  const { sql, report, skusPerRequest } = shop.run;
  try {
    const streams = await sql<{ aggregate_id: string }[]>`
      select aggregate_id from public.streams where creator_id = ${shop.creatorId}::uuid and aggregate_type = 'inventory' order by aggregate_id`;
    const skuIds = streams.map((row) => row.aggregate_id.replace(/^inventory-/, ""));
    const rules = await shop.run.rulesFor(sql, shop.creatorId);
    for (let start = 0; start < skuIds.length; start += skusPerRequest) await reconcilePage(shop, skuIds.slice(start, start + skusPerRequest), rules);
  } catch (error) {
    report.failures.push({ shopId: shop.shopId, error: describe(error) });
    await shop
      .recordSystemEvent({ type: "system.sync_failure_detected", data: { source: "inventory_reconciliation", reason: describe(error).slice(0, 1000), reference: shop.shopId } })
      .catch(() => undefined);
  }
}

async function reconcilePage(shop: ShopReconciliation, skuIds: string[], rules: SyncRules): Promise<void> {
  // By the database's clock, as the pushes are recorded: a push recorded after this may be newer than what TikTok answers.
  const [{ readStartedAt }] = await shop.run.sql<{ readStartedAt: Date }[]>`select clock_timestamp() as "readStartedAt"`;
  const page = await shop.callTikTok(() => shop.client.searchInventory({ skuIds }));
  for (const product of page.data.inventory) {
    for (const sku of product.skus) {
      const read = { productId: product.product_id, available: sku.total_available_quantity, committed: sku.total_committed_quantity ?? 0, readStartedAt };
      try {
        await reconcileSku(shop, sku.id, read, rules);
      } catch (error) {
        shop.run.report.failures.push({ shopId: shop.shopId, skuId: sku.id, error: describe(error) });
      }
    }
  }
}

/** One SKU: left to the outbox while its push is under way, else TikTok's count judged; then the local count sent when it was decided. */
async function reconcileSku(shop: ShopReconciliation, skuId: string, read: Omit<InventoryRead, "readId">, rules: SyncRules): Promise<void> {
  const { run } = shop;
  run.report.skusChecked += 1;
  const outbox = await run.store.aggregateStream({ aggregateId: inventoryAggregateId(skuId), initialState: initialStockOutboxState, evolve: evolveStockOutbox });
  if (pushUnderWayByStockOutbox(outbox.state, run.options.now())) {
    run.report.leftToStockOutbox += 1;
    return;
  }
  const { decided, result } = await decideOnRead(shop, skuId, read, rules);
  tallyInventoryRead(run.report, decided, result.duplicate, { creatorId: shop.creatorId, shopId: shop.shopId, skuId });
  const pushTotal = decided?.pushTotal ?? null;
  if (pushTotal === null || result.duplicate) return;
  const push = { shopId: shop.shopId, skuId, productId: read.productId, total: pushTotal, availableToSell: availableToSell(pushTotal, read.committed, decided?.holds ?? 0), decided: result };
  const pushed = await withStockPushLock(run.sql, shop.shopId, skuId, () => pushDecidedCount(shop, push));
  if (pushed) run.report.pushedToTikTok += 1;
  else run.report.leftToStockOutbox += 1;
}

/** The read judged and its events appended, once per run and SKU (a rerun of the run finds the command done). */
async function decideOnRead(shop: ShopReconciliation, skuId: string, read: Omit<InventoryRead, "readId">, rules: SyncRules) {
  const { run } = shop;
  const readId = await deterministicUuid(`reconciliation:${run.runId}:${skuId}`);
  const conflictId = await conflictIdFor(readId, "reconciliation");
  const now = run.options.now();
  // Set by the decision (which a concurrent append may make run again): the last one stands.
  let decided: InventoryReadDecision | undefined;
  const result = await handleCommand({
    store: run.store,
    creatorId: shop.creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    initialState: initialSkuSyncState,
    evolve: evolveSkuSync,
    commandId: `reconciliation:${run.runId}:${skuId}`,
    metadata: reconciliationOrigin(),
    decide: (state: SkuSyncState) => {
      decided = decideOnInventoryRead(state, { ...read, readId }, { skuId, conflictId, rules, now });
      return decided.events;
    },
  });
  return { decided, result };
}

/**
 * Sends TikTok the count decided at `push.decided.version`, unless a push recorded since (the
 * outbox's, under the same lock) already sent one at least as new: never an older count
 * after a newer one. Returns whether it pushed.
 */
async function pushDecidedCount(shop: ShopReconciliation, push: DecidedPush): Promise<boolean> {
  const { store, runId } = shop.run;
  const outbox = await store.aggregateStream({ aggregateId: inventoryAggregateId(push.skuId), initialState: initialStockOutboxState, evolve: evolveStockOutbox });
  if (pushedVersionFor(outbox.state, shop.shopId) >= push.decided.version) return false;
  await shop.callTikTok(() => shop.client.updateInventory(push.productId, { skus: [{ id: push.skuId, inventory: [{ quantity: push.availableToSell }] }] }));
  await store.appendToStream({
    creatorId: shop.creatorId,
    aggregateId: inventoryAggregateId(push.skuId),
    aggregateType: "inventory",
    events: [reconciliationPushed(push)],
    metadata: reconciliationOrigin(),
    idempotencyKey: `reconciliation-push:${runId}:${push.skuId}`,
  });
  return true;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
