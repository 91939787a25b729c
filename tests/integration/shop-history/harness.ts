// Shared set-up for the shop-history tests: the TikTok Shop simulator, in process, serving a
// world in which each test has a shop with ids no other test uses; that shop's webhook
// traffic through the real ingestion (a share dropped, as --drop-rate does); signed API
// clients of the simulator; a fault to inject for crash tests.
import type { Sql } from "postgres";
import { afterAll } from "vitest";
import type { ShopHistoryReader } from "../../../src/core/shop-history/history-reader.ts";
import { createTikTokShopClient, TikTokShopApiError, type TikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { defaultTikTokCredentials, startTikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { addShop, createShopWorld, type ShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { withDroppedWebhooks } from "../../../src/simulator/webhook-drops.ts";
import { createWebhookTraffic } from "../../../src/simulator/webhook-traffic.ts";
import { uniqueShop, webhookIngestion } from "../conflicts/harness.ts";

export { linkShop, webhookIngestion } from "../conflicts/harness.ts";

export const startTime = 1_764_000_000;

/** One simulated TikTok Shop per test file; each test adds a shop of its own. */
export function createWorld(): ShopWorld {
  return createShopWorld([]);
}

export function simulatedShop(world: ShopWorld): DemoShop {
  const shop = uniqueShop();
  addShop(world, shop);
  return shop;
}

export function ordersOf(world: ShopWorld, shop: DemoShop): SimulatedOrder[] {
  return [...world.orders.values()].filter((order) => order.shop.shopId === shop.shopId);
}

/**
 * Generates `deliveries` notifications for the shop into the world and posts them through
 * the real ingestion, except those the simulator drops (`dropRate`, as `--drop-rate`) and
 * a share held back (`holdBack`) and returned, to be posted late by the test.
 */
export async function playTraffic(sql: Sql, world: ShopWorld, shop: DemoShop, options: { deliveries: number; dropRate?: number; holdBack?: number }) {
  const seed = Math.floor(Math.random() * 0xffffffff);
  const traffic = withDroppedWebhooks(createWebhookTraffic({ seed, creators: 1, startTime, duplicateRate: 0.05, reorderRate: 0.1, world: shopOnly(world, shop) }), { seed, dropRate: options.dropRate ?? 0 });
  const ingest = webhookIngestion(sql);
  const heldBack: string[] = [];
  for (let index = 0; index < options.deliveries; index += 1) {
    const delivery = traffic.next();
    if (Math.random() < (options.holdBack ?? 0)) heldBack.push(delivery.body);
    else await ingest(delivery.body);
  }
  return { heldBack, drops: traffic.drops };
}

/** A view of the world whose traffic plays only this shop (the world may hold other tests' shops). */
function shopOnly(world: ShopWorld, shop: DemoShop): ShopWorld {
  return { ...world, shops: [shop] };
}

/** The simulator serving `world` over HTTP (signed calls, its own 429s), closed after the file's tests. */
export async function startSimulator(world: ShopWorld, options: { rateLimitErrorRate?: number; rateLimitPerSecond?: number } = {}) {
  const simulator = await startTikTokShopSimulator({ port: 0, world, seed: 7, ...options });
  afterAll(() => simulator.close());
  const clientFor = (shop: DemoShop): TikTokShopClient =>
    createTikTokShopClient({ baseUrl: simulator.url, appKey: defaultTikTokCredentials.appKey, appSecret: defaultTikTokCredentials.appSecret, accessToken: "test-static-token", shopCipher: shop.shopCipher });
  return { simulator, clientFor };
}

export interface FaultControls {
  calls: number;
  /** Throws on this call number (1-based), as a crash of the caller would stop it there. */
  failOnCall?: number;
}

/** The reader with a fault injected, for crash tests. */
export function withFault(reader: ShopHistoryReader, controls: FaultControls): ShopHistoryReader {
  const gate = () => {
    controls.calls += 1;
    if (controls.failOnCall === controls.calls) throw new TikTokShopApiError("invalid_request", "the caller died here");
  };
  return {
    searchOrders: async (filter, page) => (gate(), reader.searchOrders(filter, page)),
    searchProducts: async (page) => (gate(), reader.searchProducts(page)),
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
