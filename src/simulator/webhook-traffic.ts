// Deterministic TikTok Shop webhook traffic: orders from the demo catalogue move through
// their lifecycle in simulated time (the hold lasts an hour, delivery takes days), and the
// resulting notifications come out one at a time, some duplicated or held back to arrive
// out of order, as TikTok delivers them. Same seed and start time → same bodies.
import type { TiktokOrderStatus } from "../core/orders/events.ts";
import { demoShops, type DemoShop } from "./demo-catalogue.ts";
import { createSeededRandom, type SeededRandom } from "./seeded-random.ts";
import { availableOf, createShopWorld, heldOf, inventoryStatusOf, type ShopWorld, type SimulatedOrder, type SimulatedStock } from "./shop-world.ts";

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

/** Share of orders that include the viral SKU once the video has taken off. */
export const VIRAL_SKU_SHARE = 0.9;

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

const minute = 60;
const hour = 3600;
const day = 86400;

/** Tunables of the simulated market; rates are per order unless stated. */
const market = {
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
} as const;

interface ScheduledAction {
  at: number;
  sequence: number;
  run: (at: number) => void;
}

interface ShopActivity {
  shop: DemoShop;
  liveUntil: number;
}

export function createWebhookTraffic(options: WebhookTrafficOptions): WebhookTraffic {
  const random: SeededRandom = createSeededRandom(options.seed);
  const world = options.world ?? createShopWorld(demoShops(options.creators));
  const shops = world.shops.slice(0, options.creators);
  if (shops.length === 0) throw new RangeError("at least one creator is needed");

  const stats: WebhookTrafficStats = {
    notifications: 0,
    deliveries: 0,
    duplicates: 0,
    reordered: 0,
    byType: {},
    orders: { placed: 0, unpaid: 0, onHold: 0, cancelled: 0, shipped: 0, delivered: 0, completed: 0, refunded: 0 },
    inventory: { alerts: 0, disagreements: 0, restocks: 0 },
  };

  // --- simulated time: a queue of actions, run in time order -------------------------
  const agenda: ScheduledAction[] = [];
  let sequence = 0;
  function schedule(at: number, run: (at: number) => void) {
    const action = { at: Math.round(at), sequence: sequence++, run };
    let index = agenda.length;
    while (index > 0 && (agenda[index - 1] as ScheduledAction).at > action.at) index--;
    agenda.splice(index, 0, action);
  }

  // --- notifications ------------------------------------------------------------------
  const usedIds = new Set<string>();
  function uniqueId(prefix: string, digits: number): string {
    for (;;) {
      const id = prefix + random.digits(digits);
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  }

  const originals: WebhookDelivery[] = [];
  function notify(type: number, shop: DemoShop, at: number, data: Record<string, unknown>) {
    const notificationId = uniqueId("73271", 14);
    // Key order as TikTok sends it; the body is signed byte for byte.
    const body = JSON.stringify({ type, tts_notification_id: notificationId, shop_id: shop.shopId, timestamp: at + random.int(1, 20), data });
    originals.push({ body, type, notificationId, isDuplicate: false, wasReordered: false });
    stats.notifications++;
    stats.byType[String(type)] = (stats.byType[String(type)] ?? 0) + 1;
  }

  // --- inventory ----------------------------------------------------------------------
  function reportInventory(stock: SimulatedStock, at: number, alertType: "REALTIME" | "PREDICTION") {
    const available = availableOf(stock);
    notify(27, stock.shop, at, {
      product_id: stock.sku.productId,
      sku_id: stock.sku.skuId,
      trigger_reason: { alert_type: alertType, lead_days: alertType === "PREDICTION" ? random.int(1, 7) : 0, low_stock_threshold: stock.sku.lowStockThreshold },
      current_inventory_status: inventoryStatusOf(stock),
      inventory_distribution: {
        total: stock.total,
        available,
        creator_reserved: stock.creatorReserved,
        campaign_reserved: stock.campaignReserved,
        committed: stock.committed,
      },
      update_time: at,
    });
    stats.inventory.alerts++;
  }

  /** Reports a change of stock status; sometimes the seller changed stock in Seller Center first, which no order explains. */
  function checkInventory(stock: SimulatedStock, at: number) {
    const status = inventoryStatusOf(stock);
    if (status === stock.lastReportedStatus) return;
    stock.lastReportedStatus = status;
    if (status === "IN_STOCK") return;
    if (random.chance(market.inventoryDisagreementShare)) {
      if (random.chance(0.5) && availableOf(stock) > 0) stock.campaignReserved += Math.min(availableOf(stock), random.int(1, 3));
      // A correction in Seller Center removes only units nothing holds: the books stay whole.
      else stock.total = Math.max(heldOf(stock), stock.total - random.int(1, 3));
      stats.inventory.disagreements++;
    }
    reportInventory(stock, at, "REALTIME");
    if (availableOf(stock) === 0) schedule(at + random.int(12 * hour, 3 * day), (restockAt) => restock(stock, restockAt));
  }

  function restock(stock: SimulatedStock, at: number) {
    if (availableOf(stock) > stock.sku.lowStockThreshold) return;
    stock.total += random.int(40, 120);
    stock.campaignReserved = 0;
    stats.inventory.restocks++;
    stock.lastReportedStatus = inventoryStatusOf(stock);
    reportInventory(stock, at, "REALTIME");
  }

  function stockOf(skuId: string): SimulatedStock {
    const stock = world.stockBySku.get(skuId);
    if (stock === undefined) throw new Error(`no stock for SKU ${skuId}`);
    return stock;
  }

  function unitsBySku(order: SimulatedOrder): Map<string, number> {
    const units = new Map<string, number>();
    for (const item of order.lineItems) units.set(item.sku.skuId, (units.get(item.sku.skuId) ?? 0) + 1);
    return units;
  }

  // --- order lifecycle ----------------------------------------------------------------
  function setStatus(order: SimulatedOrder, status: TiktokOrderStatus, at: number) {
    order.status = status;
    order.updateTime = at;
    order.isOnHold = status === "ON_HOLD";
    notify(1, order.shop, at, {
      order_id: order.orderId,
      order_status: status === "CANCELLED" ? "CANCEL" : status,
      is_on_hold_order: order.isOnHold,
      update_time: at,
    });
  }

  const isOpen = (order: SimulatedOrder) => order.status !== "CANCELLED" && order.status !== "COMPLETED";

  let ordersPlaced = 0;
  const viral = () => options.viralAfterOrders !== undefined && ordersPlaced >= options.viralAfterOrders;

  function placeOrder(shop: DemoShop, at: number) {
    const inStock = shop.skus.filter((sku) => availableOf(stockOf(sku.skuId)) > 0);
    if (inStock.length === 0) return;
    ordersPlaced += 1;
    const distinct = Math.min(inStock.length, random.chance(0.7) ? 1 : random.int(2, 3));
    const chosen = new Set<(typeof inStock)[number]>();
    const viralSku = shop.skus[0]!;
    if (viral() && inStock.includes(viralSku) && random.chance(VIRAL_SKU_SHARE)) chosen.add(viralSku);
    while (chosen.size < distinct) chosen.add(random.pick(inStock));
    const lineItems: SimulatedOrder["lineItems"] = [];
    for (const sku of chosen) {
      const units = Math.min(availableOf(stockOf(sku.skuId)), random.chance(0.8) ? 1 : 2);
      for (let unit = 0; unit < units; unit++) lineItems.push({ lineItemId: uniqueId("5770", 14), sku });
      stockOf(sku.skuId).committed += units;
    }
    const subtotalMinor = lineItems.reduce((sum, item) => sum + item.sku.priceMinor, 0);
    const unpaid = random.chance(market.unpaidShare);
    const order: SimulatedOrder = {
      orderId: uniqueId("5766840", 11),
      shop,
      buyerUserId: uniqueId("7021", 15),
      status: "UNPAID",
      isOnHold: false,
      createTime: at,
      updateTime: at,
      lineItems,
      subtotalMinor,
      shippingMinor: subtotalMinor >= 2500 ? 0 : 499,
    };
    world.orders.set(order.orderId, order);
    stats.orders.placed++;
    const goesOnHold = random.chance(market.onHoldShare);
    if (unpaid) {
      stats.orders.unpaid++;
      setStatus(order, "UNPAID", at);
      if (random.chance(market.unpaidNeverPaidShare)) schedule(at + 2 * hour, (t) => cancel(order, "SYSTEM", "Payment not completed", t));
      else schedule(at + random.int(1 * minute, 15 * minute), (t) => pay(order, goesOnHold, t));
    } else {
      pay(order, goesOnHold, at);
    }
    for (const sku of chosen) {
      const stock = stockOf(sku.skuId);
      checkInventory(stock, at);
      if (availableOf(stock) <= 3 * sku.lowStockThreshold && random.chance(market.predictionAlertShare)) reportInventory(stock, at, "PREDICTION");
    }
  }

  function pay(order: SimulatedOrder, goesOnHold: boolean, at: number) {
    if (order.status !== "UNPAID") return;
    order.paidTime = at;
    if (goesOnHold) {
      stats.orders.onHold++;
      setStatus(order, "ON_HOLD", at);
      // The one-hour window in which the buyer may still cancel.
      if (random.chance(market.buyerCancelsDuringHoldShare)) schedule(at + random.int(2 * minute, 55 * minute), (t) => cancel(order, "BUYER", "No longer needed", t));
      else schedule(at + hour, (t) => releaseHold(order, t));
    } else {
      setStatus(order, "AWAITING_SHIPMENT", at);
      prepareShipment(order, at);
    }
  }

  function releaseHold(order: SimulatedOrder, at: number) {
    if (order.status !== "ON_HOLD") return;
    setStatus(order, "AWAITING_SHIPMENT", at);
    prepareShipment(order, at);
  }

  function prepareShipment(order: SimulatedOrder, at: number) {
    if (order.lineItems.length > 1 && random.chance(market.packageUpdateShare)) {
      schedule(at + random.int(10 * minute, 2 * hour), (t) => {
        if (order.status !== "AWAITING_SHIPMENT") return;
        order.packageId = uniqueId("11529928", 11);
        notify(4, order.shop, t, {
          sc_type: random.pick(["SPLIT", "COMBINE"]),
          role_type: "SELLER",
          package_list: [{ package_id: order.packageId, order_id_list: [order.orderId] }],
          update_time: t,
        });
      });
    }
    if (random.chance(market.sellerCancelsShare)) schedule(at + random.int(30 * minute, 6 * hour), (t) => cancel(order, "SELLER", "Out of stock", t));
    else schedule(at + random.int(4 * hour, 30 * hour), (t) => handOver(order, t));
  }

  function handOver(order: SimulatedOrder, at: number) {
    if (order.status !== "AWAITING_SHIPMENT") return;
    order.packageId ??= uniqueId("11529928", 11);
    order.trackingNumber = `9400${random.digits(18)}`;
    for (const [skuId, units] of unitsBySku(order)) {
      const stock = stockOf(skuId);
      stock.committed -= units;
      stock.total -= units;
    }
    stats.orders.shipped++;
    setStatus(order, "AWAITING_COLLECTION", at);
    schedule(at + random.int(2 * hour, 18 * hour), (t) => {
      if (order.status !== "AWAITING_COLLECTION") return;
      setStatus(order, "IN_TRANSIT", t);
      schedule(t + random.int(12 * hour, 3 * day), (deliveredAt) => deliver(order, deliveredAt));
    });
  }

  function deliver(order: SimulatedOrder, at: number) {
    if (order.status !== "IN_TRANSIT") return;
    stats.orders.delivered++;
    setStatus(order, "DELIVERED", at);
    if (random.chance(market.returnShare)) schedule(at + random.int(1 * day, 3 * day), (t) => requestReturn(order, t));
    else
      schedule(at + random.int(1 * day, 3 * day), (t) => {
        if (order.status !== "DELIVERED") return;
        stats.orders.completed++;
        setStatus(order, "COMPLETED", t);
      });
  }

  function requestReturn(order: SimulatedOrder, at: number) {
    const returnId = uniqueId("40352367", 11);
    const returnType = random.pick(["REFUND", "RETURN_AND_REFUND"] as const);
    const returnStatus = (status: string, t: number) =>
      notify(12, order.shop, t, { order_id: order.orderId, return_role: "BUYER", return_type: returnType, return_status: status, return_id: returnId, create_time: at, update_time: t });
    returnStatus("RETURN_OR_REFUND_REQUEST_PENDING", at);
    schedule(at + random.int(1 * day, 4 * day), (t) => {
      stats.orders.refunded++;
      if (returnType === "RETURN_AND_REFUND") {
        for (const [skuId, units] of unitsBySku(order)) stockOf(skuId).total += units;
      }
      returnStatus("RETURN_OR_REFUND_REQUEST_COMPLETE", t);
    });
  }

  function cancel(order: SimulatedOrder, role: "BUYER" | "SELLER" | "SYSTEM", reason: string, at: number) {
    if (!isOpen(order) || order.status === "AWAITING_COLLECTION" || order.status === "IN_TRANSIT" || order.status === "DELIVERED") return;
    const requestedAt = at - random.int(30, 10 * minute);
    order.cancelReason = reason;
    for (const [skuId, units] of unitsBySku(order)) {
      const stock = stockOf(skuId);
      stock.committed -= units;
      checkInventory(stock, at);
    }
    stats.orders.cancelled++;
    notify(11, order.shop, at, {
      order_id: order.orderId,
      cancellations_role: role,
      cancel_status: "CANCELLATION_REQUEST_COMPLETE",
      cancel_id: uniqueId("40352367", 11),
      create_time: requestedAt,
    });
    setStatus(order, "CANCELLED", at + random.int(1, 30));
  }

  // --- arrivals: each shop's buyers, busier while the creator is live ------------------
  function scheduleNextArrival(activity: ShopActivity, from: number) {
    if (from >= activity.liveUntil && random.chance(market.liveSessionStartShare)) activity.liveUntil = from + random.int(1 * hour, 3 * hour);
    const mean = from < activity.liveUntil || viral() ? market.liveArrivalMeanSeconds : market.arrivalMeanSeconds;
    schedule(from + Math.max(1, random.exponential(mean)), (at) => {
      placeOrder(activity.shop, at);
      scheduleNextArrival(activity, at);
    });
  }
  for (const shop of shops) scheduleNextArrival({ shop, liveUntil: 0 }, options.startTime);

  function nextOriginal(): WebhookDelivery {
    while (originals.length === 0) {
      const action = agenda.shift();
      if (action === undefined) throw new Error("the simulated market has stopped");
      action.run(action.at);
    }
    return originals.shift() as WebhookDelivery;
  }

  // --- delivery: duplicates and late arrivals ------------------------------------------
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

  return {
    world,
    stats,
    next() {
      while (ready.length === 0) {
        const delivery = nextOriginal();
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
    },
  };
}
