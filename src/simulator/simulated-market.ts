// What the simulated market shares while it runs: simulated time (an agenda of actions run in
// time order), the notifications TikTok would send, ids that never repeat, and the tunables.
// The inventory and order lifecycle modules act on it; webhook-traffic.ts drives it.
import type { DemoShop } from "./demo-catalogue.ts";
import type { SeededRandom } from "./seeded-random.ts";
import type { ShopWorld, SimulatedOrder, SimulatedStock } from "./shop-world.ts";
import type { WebhookDelivery, WebhookTrafficStats } from "./webhook-traffic.ts";

export const minute = 60;
export const hour = 3600;
export const day = 86400;

/** Tunables of the simulated market; rates are per order unless stated. */
export const market = {
  unpaidShare: 0.25,
  unpaidNeverPaidShare: 0.15,
  onHoldShare: 0.75,
  buyerCancelsDuringHoldShare: 0.08,
  sellerCancelsShare: 0.03,
  packageUpdateShare: 0.15,
  returnShare: 0.06,
  inventoryDisagreementShare: 0.3,
  predictionAlertShare: 0.08,
  liveSessionStartShare: 0.05,
  arrivalMeanSeconds: 6 * hour,
  liveArrivalMeanSeconds: 15 * minute,
  /** Share of orders that include the viral SKU once the video has taken off. */
  viralSkuShare: 0.9,
} as const;

export interface SimulatedMarket {
  random: SeededRandom;
  world: ShopWorld;
  stats: WebhookTrafficStats;
  /** Runs `run` at simulated time `at` (seconds), after everything scheduled earlier or at the same time. */
  schedule(at: number, run: (at: number) => void): void;
  /** Queues a notification as TikTok sends it, timestamped a few seconds after `at`. */
  notify(type: number, shop: DemoShop, at: number, data: Record<string, unknown>): void;
  /** `prefix` and `digits` random digits, never handed out before in this market. */
  uniqueId(prefix: string, digits: number): string;
  stockOf(skuId: string): SimulatedStock;
  /** The next notification, running the agenda until one is queued. */
  nextNotification(): WebhookDelivery;
  /** Counts an order placed; the viral spike starts after a set number of them. */
  countOrderPlaced(): void;
  /** Whether the video has gone viral (see WebhookTrafficOptions.viralAfterOrders). */
  isViral(): boolean;
}

interface ScheduledAction {
  at: number;
  sequence: number;
  run: (at: number) => void;
}

export function createSimulatedMarket(random: SeededRandom, world: ShopWorld, stats: WebhookTrafficStats, viralAfterOrders?: number): SimulatedMarket {
  const agenda: ScheduledAction[] = [];
  let ordersPlaced = 0;
  let sequence = 0;
  const usedIds = new Set<string>();
  const originals: WebhookDelivery[] = [];

  const simulated: SimulatedMarket = {
    random,
    world,
    stats,
    schedule(at, run) {
      const action = { at: Math.round(at), sequence: sequence++, run };
      let index = agenda.length;
      while (index > 0 && (agenda[index - 1] as ScheduledAction).at > action.at) index--;
      agenda.splice(index, 0, action);
    },
    notify(type, shop, at, data) {
      const notificationId = simulated.uniqueId("73271", 14);
      // Key order as TikTok sends it; the body is signed byte for byte.
      const body = JSON.stringify({ type, tts_notification_id: notificationId, shop_id: shop.shopId, timestamp: at + random.int(1, 20), data });
      originals.push({ body, type, notificationId, isDuplicate: false, wasReordered: false });
      stats.notifications++;
      stats.byType[String(type)] = (stats.byType[String(type)] ?? 0) + 1;
    },
    uniqueId(prefix, digits) {
      for (;;) {
        const id = prefix + random.digits(digits);
        if (!usedIds.has(id)) {
          usedIds.add(id);
          return id;
        }
      }
    },
    stockOf(skuId) {
      const stock = world.stockBySku.get(skuId);
      if (stock === undefined) throw new Error(`no stock for SKU ${skuId}`);
      return stock;
    },
    nextNotification() {
      while (originals.length === 0) {
        const action = agenda.shift();
        if (action === undefined) throw new Error("the simulated market has stopped");
        action.run(action.at);
      }
      return originals.shift() as WebhookDelivery;
    },
    countOrderPlaced() {
      ordersPlaced += 1;
    },
    isViral: () => viralAfterOrders !== undefined && ordersPlaced >= viralAfterOrders,
  };
  return simulated;
}

export function unitsBySku(order: SimulatedOrder): Map<string, number> {
  const units = new Map<string, number>();
  for (const item of order.lineItems) units.set(item.sku.skuId, (units.get(item.sku.skuId) ?? 0) + 1);
  return units;
}
