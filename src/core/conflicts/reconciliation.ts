// The periodic reconciliation: read every known SKU's count through the TikTok Shop API
// (signed; the simulator locally), raise and settle conflicts exactly as for webhooks, and
// write the count back to TikTok when the local one won. Webhooks stop after ~15.5 h of
// failed deliveries, so this is what eventually brings the two sides together.
// Respects TikTok's rate limits: records system.api_rate_limit_approached when the
// remaining budget runs low and waits for the window; backs off and retries on 429.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin, type DomainEvent } from "../event-catalogue.ts";
import { createEventStore } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { evolveStockOutbox, initialStockOutboxState, pushedVersionFor, stockPushPending } from "../inventory/stock-outbox.ts";
import { withStockPushLock } from "../inventory/stock-push-lock.ts";
import type { TikTokShopClient, TikTokShopResult } from "../channels/tiktok-shop/api-client.ts";
import { createRateLimitedCaller } from "../channels/tiktok-shop/rate-limited-calls.ts";
import { conflictIdFor, deterministicUuid } from "./conflict-ids.ts";
import { decideOnInventoryRead, type InventoryRead, type InventoryReadDecision } from "./reconciliation-decisions.ts";
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

export interface ReconciliationReport {
  runId: string;
  shops: number;
  skusChecked: number;
  agreed: number;
  adopted: number;
  conflictsDetected: number;
  autoResolved: number;
  leftForPerson: number;
  pushedToTikTok: number;
  /** SKUs left alone because the stock outbox has a push of a local change under way, or pushed a count at least as new. */
  leftToStockOutbox: number;
  rateLimitWarnings: number;
  rateLimitedRetries: number;
  failures: { shopId: string; skuId?: string; error: string }[];
  /** Every SKU whose TikTok count differed from the local one: what the drift report shows. */
  stockDrift: StockDrift[];
}

export interface StockDrift {
  creatorId: string;
  shopId: string;
  skuId: string;
  outcome: "adopted" | "auto_resolved" | "left_for_person";
  externalTotal: number;
  localTotal: number | null;
}

const API_NAME = "tiktok_shop.inventory";
/**
 * How long a local change is the stock outbox's to push: TikTok's count is not compared with
 * it meanwhile (it would look like a conflict) and not pushed twice. Past this, the outbox has
 * stalled or dead-lettered and the reconciliation handles the SKU as before.
 */
export const STOCK_OUTBOX_GRACE_MS = 2 * 60 * 1000;

export async function reconcileInventory(options: ReconcileInventoryOptions): Promise<ReconciliationReport> {
  const { sql } = options;
  const runId = options.runId ?? crypto.randomUUID();
  // Its own events are the ones the sync-conflicts consumer must not judge again.
  const reconciliationOrigin = automatedOrigin(SYNC_CONFLICTS_COMPONENT);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 5;
  const warningShare = options.rateLimitWarningShare ?? 0.2;
  const skusPerRequest = options.skusPerRequest ?? 50;
  const rulesFor = options.rulesFor ?? loadSyncRules;
  const store = createEventStore({ sql });
  const report: ReconciliationReport = {
    runId,
    shops: 0,
    skusChecked: 0,
    agreed: 0,
    adopted: 0,
    conflictsDetected: 0,
    autoResolved: 0,
    leftForPerson: 0,
    pushedToTikTok: 0,
    leftToStockOutbox: 0,
    rateLimitWarnings: 0,
    rateLimitedRetries: 0,
    failures: [],
    stockDrift: [],
  };

  const shops = await sql<{ shop_id: string; creator_id: string }[]>`
    select shop_id, creator_id from public.tiktok_shops
     -- A shop whose seller must reconnect gets no calls (its creator has been told already).
     where connection_status = 'connected'
     ${options.creatorIds ? sql`and creator_id = any(${[...options.creatorIds]}::uuid[])` : sql``}
     order by creator_id, shop_id`;

  for (const shop of shops) {
    report.shops += 1;
    const creatorId = shop.creator_id;
    const client = options.clientForShop({ shopId: shop.shop_id, creatorId });
    const recordSystemEvent = (event: DomainEvent<"system.api_rate_limit_approached" | "system.sync_failure_detected">) =>
      store.appendToStream({ creatorId, aggregateId: `system-${creatorId}`, aggregateType: "system", events: [event], metadata: reconciliationOrigin });

    const caller = createRateLimitedCaller({
      now: options.now,
      sleep,
      api: API_NAME,
      warningShare,
      maxAttempts,
      reportApproached: (data) => recordSystemEvent({ type: "system.api_rate_limit_approached", data }).then(() => undefined),
    });
    const callTikTok = async <T>(call: () => Promise<TikTokShopResult<T>>): Promise<TikTokShopResult<T>> => {
      try {
        return await caller.call(call);
      } finally {
        report.rateLimitWarnings = baseWarnings + caller.tally.warnings;
        report.rateLimitedRetries = baseRetries + caller.tally.rateLimitedRetries;
      }
    };
    const baseWarnings = report.rateLimitWarnings;
    const baseRetries = report.rateLimitedRetries;

    try {
      const streams = await sql<{ aggregate_id: string }[]>`
        select aggregate_id from public.streams where creator_id = ${creatorId}::uuid and aggregate_type = 'inventory' order by aggregate_id`;
      const skuIds = streams.map((row) => row.aggregate_id.replace(/^inventory-/, ""));
      const rules = await rulesFor(sql, creatorId);
      for (let start = 0; start < skuIds.length; start += skusPerRequest) {
        // By the database's clock, as the pushes are recorded: a push recorded after this may be newer than what TikTok answers.
        const [{ readStartedAt }] = await sql<{ readStartedAt: Date }[]>`select clock_timestamp() as "readStartedAt"`;
        const page = await callTikTok(() => client.searchInventory({ skuIds: skuIds.slice(start, start + skusPerRequest) }));
        for (const product of page.data.inventory) {
          for (const sku of product.skus) {
            try {
              await reconcileSku({ productId: product.product_id, available: sku.total_available_quantity, committed: sku.total_committed_quantity ?? 0, readStartedAt }, sku.id, rules);
            } catch (error) {
              report.failures.push({ shopId: shop.shop_id, skuId: sku.id, error: describe(error) });
            }
          }
        }
      }
    } catch (error) {
      report.failures.push({ shopId: shop.shop_id, error: describe(error) });
      await recordSystemEvent({ type: "system.sync_failure_detected", data: { source: "inventory_reconciliation", reason: describe(error).slice(0, 1000), reference: shop.shop_id } }).catch(() => undefined);
    }

    async function reconcileSku(tiktokRead: Omit<InventoryRead, "readId">, skuId: string, rules: SyncRules): Promise<void> {
      const { productId, committed } = tiktokRead;
      report.skusChecked += 1;
      const outbox = await store.aggregateStream({ aggregateId: inventoryAggregateId(skuId), initialState: initialStockOutboxState, evolve: evolveStockOutbox });
      if (stockPushPending(outbox.state) && outbox.state.pushableAt && options.now().getTime() - outbox.state.pushableAt.getTime() < STOCK_OUTBOX_GRACE_MS) {
        report.leftToStockOutbox += 1;
        return;
      }
      const readId = await deterministicUuid(`reconciliation:${runId}:${skuId}`);
      const conflictId = await conflictIdFor(readId, "reconciliation");
      const now = options.now();
      // Set by the decision (which a concurrent append may make run again): the last one stands.
      const decided: { read?: InventoryReadDecision } = {};
      const result = await handleCommand({
        store,
        creatorId,
        aggregateId: inventoryAggregateId(skuId),
        aggregateType: "inventory",
        initialState: initialSkuSyncState,
        evolve: evolveSkuSync,
        commandId: `reconciliation:${runId}:${skuId}`,
        metadata: reconciliationOrigin,
        decide: (state: SkuSyncState) => {
          decided.read = decideOnInventoryRead(state, { ...tiktokRead, readId }, { skuId, conflictId, rules, now });
          return decided.read.events;
        },
      });
      const outcome = decided.read?.decision?.outcome;
      if (outcome === "agrees") report.agreed += 1;
      if (outcome === "adopted") report.adopted += 1;
      if (outcome === "auto_resolved" || outcome === "left_for_person") report.conflictsDetected += 1;
      if (outcome === "auto_resolved") report.autoResolved += 1;
      if (outcome === "left_for_person") report.leftForPerson += 1;
      if (!result.duplicate && decided.read && (outcome === "adopted" || outcome === "auto_resolved" || outcome === "left_for_person")) {
        report.stockDrift.push({ creatorId, shopId: shop.shop_id, skuId, outcome, externalTotal: decided.read.externalTotal, localTotal: decided.read.localTotal });
      }
      const pushTotal = decided.read?.pushTotal ?? null;
      if (pushTotal === null || result.duplicate) return;
      const holds = decided.read?.holds ?? 0;
      const pushed = await withStockPushLock(sql, shop.shop_id, skuId, () => pushDecidedCount(productId, skuId, pushTotal, committed, holds, result));
      if (pushed) report.pushedToTikTok += 1;
      else report.leftToStockOutbox += 1;
    }

    /**
     * Sends TikTok the count decided at `decided.version`, unless a push recorded since (the
     * outbox's, under the same lock) already sent one at least as new: never an older count
     * after a newer one. Returns whether it pushed.
     */
    async function pushDecidedCount(productId: string, skuId: string, total: number, committed: number, holds: number, decided: { version: number; state: SkuSyncState }): Promise<boolean> {
      const outbox = await store.aggregateStream({ aggregateId: inventoryAggregateId(skuId), initialState: initialStockOutboxState, evolve: evolveStockOutbox });
      if (pushedVersionFor(outbox.state, shop.shop_id) >= decided.version) return false;
      const availableToSell = Math.max(0, total - committed - holds);
      await callTikTok(() => client.updateInventory(productId, { skus: [{ id: skuId, inventory: [{ quantity: availableToSell }] }] }));
      await store.appendToStream({
        creatorId,
        aggregateId: inventoryAggregateId(skuId),
        aggregateType: "inventory",
        events: [
          {
            type: "inventory.external_count_pushed",
            data: {
              sku_id: skuId,
              product_id: productId,
              total,
              available: availableToSell,
              // The version the decision saw: an outbox push of an older change is skipped after this.
              stream_version: decided.version,
              pushed_by: "reconciliation",
              shop_id: shop.shop_id,
              ...(decided.state.pendingPushToTikTok ? { conflict_id: decided.state.pendingPushToTikTok.conflictId } : {}),
            },
          },
        ],
        metadata: reconciliationOrigin,
        idempotencyKey: `reconciliation-push:${runId}:${skuId}`,
      });
      return true;
    }
  }
  return report;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
