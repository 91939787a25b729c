// What the periodic reconciliation decides for one SKU when TikTok's inventory search
// answers: tell TikTok a count already decided here, or judge TikTok's count as for a
// webhook; and whether TikTok must then be sent the local count. With the run's report and
// what a push records. Pure: reconciliation.ts reads TikTok, appends the events and makes
// the push.
import type { DomainEvent } from "../event-catalogue.ts";
import type { NewEvent } from "../event-store/index.ts";
import { tiktokHeld } from "../inventory/inventory.ts";
import { stockPushPending, type StockOutboxState } from "../inventory/stock-outbox.ts";
import { methodsThatTellTikTok, type SkuSyncState } from "./sku-sync-state.ts";
import { decideOnExternalCount, type SkuDecisionContext, type SyncDecision } from "./sync-decisions.ts";

/** One SKU as TikTok's inventory search reports it. */
export interface InventoryRead {
  /** Names this read: the reconciliation run's own id for the SKU. */
  readId: string;
  productId: string;
  available: number;
  committed: number;
  /** When the search that gave it began, by the database's clock. */
  readStartedAt?: Date;
}

export interface InventoryReadDecision {
  events: NewEvent[];
  /** Null when a count decided earlier only had to be sent to TikTok. */
  decision: SyncDecision | null;
  /** The count TikTok must be sent, or null. */
  pushTotal: number | null;
  /** TikTok's campaign and creator holds, as its last webhook reported them. */
  holds: number;
  externalTotal: number;
  localTotal: number | null;
}

export function decideOnInventoryRead(state: SkuSyncState, read: InventoryRead, context: SkuDecisionContext): InventoryReadDecision {
  // The search reports no campaign or creator holds; TikTok's newest webhook's are the best estimate.
  const holds = tiktokHeld(state.inventory);
  const externalTotal = read.available + read.committed + holds;
  const localTotal = state.hasLocalLevel ? state.inventory.total : null;
  if (state.pendingPushToTikTok && state.hasLocalLevel && externalTotal !== state.inventory.total) {
    // Already decided (an admin or a rule chose the local count): just tell TikTok.
    return { events: [], decision: null, pushTotal: state.inventory.total, holds, externalTotal, localTotal };
  }
  const decision = decideOnExternalCount(
    state,
    { source: "reconciliation", triggerId: read.readId, productId: read.productId, total: externalTotal, available: read.available, committed: read.committed, updateTime: Math.floor(context.now.getTime() / 1000), ...(read.readStartedAt ? { readStartedAt: read.readStartedAt } : {}) },
    context,
  );
  const resolution = decision.resolution;
  let pushTotal: number | null = null;
  // Local changes TikTok was never sent, and the outbox's time for them is past (it stalled or gave up): send them now.
  if (decision.outcome === "explained") pushTotal = state.inventory.total;
  if (resolution?.resolved && resolution.winner === "local" && methodsThatTellTikTok.has(resolution.method)) pushTotal = resolution.winningValue;
  return { events: decision.events, decision, pushTotal, holds, externalTotal, localTotal };
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

export const emptyReconciliationReport = (runId: string): ReconciliationReport => ({
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
});

/**
 * How long a local change is the stock outbox's to push: TikTok's count is not compared with
 * it meanwhile (it would look like a conflict) and not pushed twice. Past this, the outbox has
 * stalled or dead-lettered and the reconciliation handles the SKU as before.
 */
export const STOCK_OUTBOX_GRACE_MS = 2 * 60 * 1000;

export function pushUnderWayByStockOutbox(outbox: StockOutboxState, now: Date): boolean {
  return stockPushPending(outbox) && outbox.pushableAt !== null && now.getTime() - outbox.pushableAt.getTime() < STOCK_OUTBOX_GRACE_MS;
}

/** Counts one SKU's decision in the run's report; its drift when TikTok's count differed, unless a rerun of the run decided it already. */
export function tallyInventoryRead(report: ReconciliationReport, decided: InventoryReadDecision | undefined, rerun: boolean, where: Omit<StockDrift, "outcome" | "externalTotal" | "localTotal">): void {
  const outcome = decided?.decision?.outcome;
  if (outcome === "agrees") report.agreed += 1;
  if (outcome === "adopted") report.adopted += 1;
  if (outcome === "auto_resolved" || outcome === "left_for_person") report.conflictsDetected += 1;
  if (outcome === "auto_resolved") report.autoResolved += 1;
  if (outcome === "left_for_person") report.leftForPerson += 1;
  if (!rerun && decided && (outcome === "adopted" || outcome === "auto_resolved" || outcome === "left_for_person")) {
    report.stockDrift.push({ ...where, outcome, externalTotal: decided.externalTotal, localTotal: decided.localTotal });
  }
}

export interface DecidedPush {
  shopId: string;
  skuId: string;
  productId: string;
  total: number;
  /** What TikTok may sell: the total less its commitments (as just read) and holds. */
  availableToSell: number;
  /** The stream version whose count is sent, and the state the decision saw there. */
  decided: { version: number; state: SkuSyncState };
}

export const availableToSell = (total: number, committed: number, holds: number) => Math.max(0, total - committed - holds);

/** The record of a push the reconciliation made: an outbox push of an older change is skipped after it. */
export function reconciliationPushed(push: DecidedPush): DomainEvent<"inventory.external_count_pushed"> {
  const pending = push.decided.state.pendingPushToTikTok;
  return {
    type: "inventory.external_count_pushed",
    data: {
      sku_id: push.skuId,
      product_id: push.productId,
      total: push.total,
      available: push.availableToSell,
      stream_version: push.decided.version,
      pushed_by: "reconciliation",
      shop_id: push.shopId,
      ...(pending ? { conflict_id: pending.conflictId } : {}),
    },
  };
}
