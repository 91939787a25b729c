// Weeks of past sales for the demo shops (`npm run simulate -- --history-days N [--anomalies]`),
// so their demand forecasts have something to learn from before live traffic starts. The
// sales are drawn from demand-history.ts (known daily and weekly shape and trend, optional
// labelled spikes and drops) for each shop's own SKUs, and written as the orders the engine
// would have validated at the time: `order.validated` events dated when they were placed,
// appended through the event store like any other event, so the demand forecasts projection
// (and a rebuild) folds them as it folds live orders. The labelled anomalies come back in the
// run's summary: the truth a detection can be checked against.
import type { Sql } from "postgres";
import { automatedOrigin } from "../core/event-catalogue.ts";
import { createEventStore } from "../core/event-store/index.ts";
import { orderAggregateId } from "../core/orders/events.ts";
import type { DemoShop, DemoSku } from "./demo-catalogue.ts";
import { generateDemandHistory, type LabelledAnomaly } from "./demand-history.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
export const MAX_HISTORY_DAYS = 90;
/** Demo SKUs sell a few an hour on an average hour (a creator's shop, not a warehouse). */
const DEMO_BASE_RATE = { min: 0.5, max: 3 };
const COMPONENT = "simulator-history";

export interface SalesHistoryPlanOptions {
  days: number;
  /** Inject labelled spikes and drops (about one per SKU and week, spikes and drops alternating). */
  anomalies: boolean;
  seed: number;
  /** The history ends at the start of this hour. */
  now: Date;
}

export interface PlannedSale {
  shop: DemoShop;
  sku: DemoSku;
  orderId: string;
  at: Date;
  quantity: number;
}

export interface SalesHistoryPlan {
  start: Date;
  end: Date;
  /** Per shop, oldest first within each SKU. */
  sales: PlannedSale[];
  anomalies: LabelledAnomaly[];
}

/** The past sales of `shops`, the same for the same seed, days and hour. */
export function planSalesHistory(shops: readonly DemoShop[], options: SalesHistoryPlanOptions): SalesHistoryPlan {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_HISTORY_DAYS) throw new RangeError(`history days must be 1-${MAX_HISTORY_DAYS}`);
  const end = new Date(Math.floor(options.now.getTime() / HOUR_MS) * HOUR_MS);
  const start = new Date(end.getTime() - options.days * 24 * HOUR_MS);
  const sales: PlannedSale[] = [];
  const anomalies: LabelledAnomaly[] = [];
  shops.forEach((shop) => {
    const history = generateDemandHistory({
      seed: (options.seed ^ Math.imul(shop.creatorIndex, 0x9e3779b1)) >>> 0,
      skus: shop.skus.length,
      skuIds: shop.skus.map((sku) => sku.skuId),
      days: options.days,
      start,
      anomaliesPerSku: options.anomalies ? Math.max(1, Math.floor(options.days / 7)) : 0,
      baseRate: DEMO_BASE_RATE,
    });
    anomalies.push(...history.anomalies);
    history.skus.forEach((skuHistory, skuIndex) => {
      const sku = shop.skus[skuIndex]!;
      skuHistory.minutes.forEach((units, minute) => {
        if (units === 0) return;
        // Digits only, 19 long: never one of the live traffic's order ids (18 digits).
        const orderId = `5766849${String(shop.creatorIndex).padStart(3, "0")}${String(skuIndex).padStart(2, "0")}${String(minute).padStart(7, "0")}`;
        sales.push({ shop, sku, orderId, at: new Date(start.getTime() + minute * MINUTE_MS + 30_000), quantity: units });
      });
    });
  });
  return { start, end, sales, anomalies };
}

export interface SalesHistoryReport {
  days: number;
  start: string;
  end: string;
  /** Orders written (0 in a dry run), and planned. */
  ordersWritten: number;
  ordersPlanned: number;
  unitsPlanned: number;
  /** Shops whose creator already had simulated history (not written twice), or that are linked to no creator. */
  shopsSkipped: { shopId: string; reason: "already_seeded" | "not_linked" }[];
  anomalies: { skuId: string; kind: "spike" | "drop"; start: string; end: string; factor: number }[];
}

export function describePlan(plan: SalesHistoryPlan, days: number): SalesHistoryReport {
  return {
    days,
    start: plan.start.toISOString(),
    end: plan.end.toISOString(),
    ordersWritten: 0,
    ordersPlanned: plan.sales.length,
    unitsPlanned: plan.sales.reduce((sum, sale) => sum + sale.quantity, 0),
    shopsSkipped: [],
    anomalies: plan.anomalies.map((anomaly) => ({ ...anomaly, start: anomaly.start.toISOString(), end: anomaly.end.toISOString() })),
  };
}

const historyKey = (orderId: string) => `${COMPONENT}:${orderId}`;

/**
 * Writes the plan's sales for every shop linked to a creator (tiktok_shops), once per creator:
 * a creator who already has simulated history is skipped, so running the simulator again
 * does not double their past. Each SKU's sales are appended oldest first (SKUs side by side).
 */
export async function writeSalesHistory(sql: Sql, plan: SalesHistoryPlan, days: number): Promise<SalesHistoryReport> {
  const report = describePlan(plan, days);
  const store = createEventStore({ sql });
  const shopIds = [...new Set(plan.sales.map((sale) => sale.shop.shopId))];
  const links = await sql<{ shop_id: string; creator_id: string }[]>`
    select shop_id, creator_id::text from public.tiktok_shops where shop_id = any(${shopIds}::text[])`;
  const creatorOf = new Map(links.map((link) => [link.shop_id, link.creator_id]));
  for (const shopId of shopIds) {
    const creatorId = creatorOf.get(shopId);
    if (!creatorId) {
      report.shopsSkipped.push({ shopId, reason: "not_linked" });
      continue;
    }
    const [seeded] = await sql`select 1 from public.idempotency_keys where creator_id = ${creatorId}::uuid and key like ${`${COMPONENT}:%`} limit 1`;
    if (seeded) {
      report.shopsSkipped.push({ shopId, reason: "already_seeded" });
      continue;
    }
    const bySku = new Map<string, PlannedSale[]>();
    for (const sale of plan.sales) {
      if (sale.shop.shopId !== shopId) continue;
      const sales = bySku.get(sale.sku.skuId) ?? [];
      sales.push(sale);
      bySku.set(sale.sku.skuId, sales);
    }
    const written = await Promise.all(
      [...bySku.values()].map(async (sales) => {
        let count = 0;
        for (const sale of sales) {
          const subtotal = sale.sku.priceMinor * sale.quantity;
          const result = await store.appendToStream({
            creatorId,
            aggregateId: orderAggregateId(sale.orderId),
            aggregateType: "order",
            expectedVersion: "any",
            idempotencyKey: historyKey(sale.orderId),
            metadata: automatedOrigin(COMPONENT),
            events: [{
              type: "order.validated",
              occurredAt: sale.at,
              data: {
                order_id: sale.orderId,
                items: [{ sku_id: sale.sku.skuId, product_id: sale.sku.productId, quantity: sale.quantity, unit_price_minor: sale.sku.priceMinor, product_name: sale.sku.productName }],
                subtotal_minor: subtotal,
                shipping_minor: 0,
                total_minor: subtotal,
                currency: sale.shop.currency,
              },
            }],
          });
          if (!result.duplicate) count += 1;
        }
        return count;
      }),
    );
    report.ordersWritten += written.reduce((sum, count) => sum + count, 0);
  }
  return report;
}
