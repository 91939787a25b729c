// Deterministic TikTok Shop webhook traffic: orders from the demo catalogue move through
// their lifecycle in simulated time (the hold lasts an hour, delivery takes days), and the
// resulting notifications come out one at a time, some duplicated or held back to arrive
// out of order, as TikTok delivers them. Same seed and start time → same bodies.
import { demoShops, type DemoShop } from "./demo-catalogue.ts";
import { createSeededRandom, type SeededRandom } from "./seeded-random.ts";
import { createShopWorld, type ShopWorld } from "./shop-world.ts";
import { createSimulatedMarket, hour, market, type SimulatedMarket } from "./simulated-market.ts";
import { placeOrder } from "./simulated-orders.ts";

export interface WebhookTrafficOptions {
  seed: number;
  creators: number;
  /** Simulated time of the first order, seconds since the epoch. */
  startTime: number;
  /** Share of deliveries sent a second time, 0-1. */
  duplicateRate: number;
  /** Share of deliveries held back behind later ones, 0-1. */
  reorderRate: number;
  /** Pass the API server's world so order details match the webhooks. */
  world?: ShopWorld;
  /**
   * A video goes viral after this many orders: from then on each shop's first SKU is in
   * almost every order and buyers arrive as fast as during a live session, so its sales
   * jump far above their usual rate (the demo's sales spike). Absent: no spike.
   */
  viralAfterOrders?: number;
}

export interface WebhookDelivery {
  /** The exact raw body to send and sign. */
  body: string;
  type: number;
  notificationId: string;
  isDuplicate: boolean;
  wasReordered: boolean;
}

export interface WebhookTrafficStats {
  notifications: number;
  deliveries: number;
  duplicates: number;
  reordered: number;
  byType: Record<string, number>;
  orders: { placed: number; unpaid: number; onHold: number; cancelled: number; shipped: number; delivered: number; completed: number; refunded: number };
  inventory: { alerts: number; disagreements: number; restocks: number };
}

export interface WebhookTraffic {
  world: ShopWorld;
  stats: WebhookTrafficStats;
  next(): WebhookDelivery;
}

interface ShopActivity {
  shop: DemoShop;
  liveUntil: number;
}

const emptyStats = (): WebhookTrafficStats => ({
  notifications: 0,
  deliveries: 0,
  duplicates: 0,
  reordered: 0,
  byType: {},
  orders: { placed: 0, unpaid: 0, onHold: 0, cancelled: 0, shipped: 0, delivered: 0, completed: 0, refunded: 0 },
  inventory: { alerts: 0, disagreements: 0, restocks: 0 },
});

/** Each shop's buyers arrive at random, busier while the creator is live. */
function scheduleNextArrival(simulated: SimulatedMarket, activity: ShopActivity, from: number) {
  const { random } = simulated;
  if (from >= activity.liveUntil && random.chance(market.liveSessionStartShare)) activity.liveUntil = from + random.int(1 * hour, 3 * hour);
  const mean = from < activity.liveUntil || simulated.isViral() ? market.liveArrivalMeanSeconds : market.arrivalMeanSeconds;
  simulated.schedule(from + Math.max(1, random.exponential(mean)), (at) => {
    placeOrder(simulated, activity.shop, at);
    scheduleNextArrival(simulated, activity, at);
  });
}

/** TikTok's delivery on top of the notifications: some sent twice, some held back behind later ones. */
function deliverAsTikTok(options: WebhookTrafficOptions, simulated: SimulatedMarket): () => WebhookDelivery {
  const { random, stats } = simulated;
  const ready: WebhookDelivery[] = [];
  const held: { delivery: WebhookDelivery; after: number }[] = [];

  function releaseHeld() {
    for (let index = held.length - 1; index >= 0; index--) {
      const entry = held[index] as (typeof held)[number];
      entry.after--;
      if (entry.after <= 0) {
        held.splice(index, 1);
        ready.push(entry.delivery);
      }
    }
  }

  return () => {
    while (ready.length === 0) {
      const delivery = simulated.nextNotification();
      if (random.chance(options.duplicateRate)) {
        held.push({ delivery: { ...delivery, isDuplicate: true }, after: random.int(1, 6) });
      }
      if (random.chance(options.reorderRate)) held.push({ delivery: { ...delivery, wasReordered: true }, after: random.int(1, 4) });
      else ready.push(delivery);
    }
    const delivery = ready.shift() as WebhookDelivery;
    releaseHeld();
    stats.deliveries++;
    if (delivery.isDuplicate) stats.duplicates++;
    if (delivery.wasReordered) stats.reordered++;
    return delivery;
  };
}

export function createWebhookTraffic(options: WebhookTrafficOptions): WebhookTraffic {
  const random: SeededRandom = createSeededRandom(options.seed);
  const world = options.world ?? createShopWorld(demoShops(options.creators));
  const shops = world.shops.slice(0, options.creators);
  if (shops.length === 0) throw new RangeError("at least one creator is needed");
  const stats = emptyStats();
  const simulated = createSimulatedMarket(random, world, stats, options.viralAfterOrders);
  for (const shop of shops) scheduleNextArrival(simulated, { shop, liveUntil: 0 }, options.startTime);
  return { world, stats, next: deliverAsTikTok(options, simulated) };
}
