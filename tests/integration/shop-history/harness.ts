// Shared set-up for the shop-history tests: a simulated TikTok Shop world for a shop with
// ids no other test uses, its webhook traffic (with a share dropped, as --drop-rate does),
// and a reader of the world through the search APIs' shapes, which can answer 429.
import type { Sql } from "postgres";
import type { ShopHistoryReader } from "../../../src/core/shop-history/history-reader.ts";
import { TikTokShopApiError, type TikTokOrderDetail } from "../../../src/core/tiktok/api-client.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld, formatMinor, type ShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";
import { uniqueShop, webhookIngestion } from "../conflicts/harness.ts";

export { linkShop, webhookIngestion } from "../conflicts/harness.ts";

export const startTime = 1_764_000_000;

export function simulatedShop(): { shop: DemoShop; world: ShopWorld } {
  const shop = uniqueShop();
  return { shop, world: createShopWorld([shop]) };
}

/** Generates `count` deliveries into the world; posts each through the real ingestion unless dropped. Returns how many were dropped. */
export async function playTraffic(sql: Sql, world: ShopWorld, options: { deliveries: number; dropRate: number; deliver: boolean }): Promise<{ delivered: number; dropped: number; droppedBodies: string[] }> {
  const traffic = createWebhookTraffic({ seed: Math.floor(Math.random() * 0xffffffff), creators: 1, startTime, duplicateRate: 0.05, reorderRate: 0.1, world });
  const ingest = webhookIngestion(sql);
  let delivered = 0;
  let dropped = 0;
  const droppedBodies: string[] = [];
  for (let index = 0; index < options.deliveries; index += 1) {
    const delivery = traffic.next();
    if (!options.deliver || Math.random() < options.dropRate) {
      dropped += 1;
      droppedBodies.push(delivery.body);
      continue;
    }
    await ingest(delivery.body);
    delivered += 1;
  }
  return { delivered, dropped, droppedBodies };
}

function detailOf(order: SimulatedOrder): TikTokOrderDetail {
  const currency = order.shop.currency;
  return {
    id: order.orderId,
    status: order.status,
    create_time: order.createTime,
    update_time: order.updateTime,
    is_on_hold_order: order.isOnHold,
    payment: { currency, sub_total: formatMinor(order.subtotalMinor), shipping_fee: formatMinor(order.shippingMinor), total_amount: formatMinor(order.subtotalMinor + order.shippingMinor) },
    line_items: order.lineItems.map((item) => ({ id: item.lineItemId, sku_id: item.sku.skuId, product_id: item.sku.productId, product_name: item.sku.productName, sale_price: formatMinor(item.sku.priceMinor), currency })),
  };
}

export interface WorldReaderControls {
  calls: number;
  /** Answers 429 to these call numbers (1-based). */
  rateLimitedCalls: Set<number>;
  /** Throws a network failure on this call number, as a crash of the caller would stop it there. */
  failOnCall?: number;
}

/** The world through the search APIs' shapes, paged by offset tokens. */
export function worldReader(world: ShopWorld, shop: DemoShop, controls: WorldReaderControls = { calls: 0, rateLimitedCalls: new Set() }): ShopHistoryReader {
  const gate = () => {
    controls.calls += 1;
    if (controls.failOnCall === controls.calls) throw new TikTokShopApiError("invalid_request", "the caller died here");
    if (controls.rateLimitedCalls.has(controls.calls)) throw new TikTokShopApiError("rate_limited", "Too many requests", { httpStatus: 429, rateLimit: { limit: 10, remaining: 0, resetAfterSeconds: 1 } });
  };
  const page = <T>(items: T[], request: { pageSize?: number; pageToken?: string }) => {
    const offset = Number(request.pageToken ?? 0);
    const size = request.pageSize ?? 20;
    const next = offset + size < items.length ? String(offset + size) : null;
    return { items: items.slice(offset, offset + size), next, total: items.length };
  };
  return {
    async searchOrders(filter, request) {
      gate();
      const orders = [...world.orders.values()]
        .filter((order) => order.shop.shopId === shop.shopId)
        .filter((order) => (filter.createTimeGe === undefined || order.createTime >= filter.createTimeGe) && (filter.createTimeLt === undefined || order.createTime < filter.createTimeLt))
        .filter((order) => (filter.updateTimeGe === undefined || order.updateTime >= filter.updateTimeGe) && (filter.updateTimeLt === undefined || order.updateTime < filter.updateTimeLt))
        .sort((a, b) => a.orderId.localeCompare(b.orderId));
      const { items, next, total } = page(orders, request);
      return { data: { orders: items.map(detailOf), nextPageToken: next, totalCount: total } };
    },
    async searchProducts(request) {
      gate();
      const byProduct = new Map<string, { id: string; title: string; skus: { id: string; inventory: { quantity: number }[] }[] }>();
      for (const sku of shop.skus) {
        const stock = world.stockBySku.get(sku.skuId)!;
        const product = byProduct.get(sku.productId) ?? { id: sku.productId, title: sku.productName, skus: [] };
        product.skus.push({ id: sku.skuId, inventory: [{ quantity: stock.total - stock.committed }] });
        byProduct.set(sku.productId, product);
      }
      const { items, next, total } = page([...byProduct.values()], request);
      return { data: { products: items, nextPageToken: next, totalCount: total } };
    },
  };
}

/** The order read model's status per order, once the projections have run. */
export async function orderStreamsOf(sql: Sql, creatorId: string): Promise<Map<string, { received: number; status: string | undefined }>> {
  const rows = await sql<{ aggregate_id: string; event_type: string; event_data: { tiktok_status?: string } }[]>`
    select aggregate_id, event_type, event_data from public.event_store where creator_id = ${creatorId}::uuid and aggregate_type = 'order' order by aggregate_id, version`;
  const streams = new Map<string, { received: number; status: string | undefined }>();
  for (const row of rows) {
    const id = row.aggregate_id.replace(/^order-/, "");
    const stream = streams.get(id) ?? { received: 0, status: undefined };
    if (row.event_type === "order.received_from_tiktok") stream.received += 1;
    streams.set(id, stream);
  }
  return streams;
}
