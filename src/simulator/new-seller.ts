// A seller who signs up through the consent page: a new shop in the world, stocked from
// the catalogue, with a month of order history behind it (placed before the app was
// connected, so no webhook ever told the app about them: only a backfill finds them).
import type { TiktokOrderStatus } from "../core/orders/events.ts";
import { newSellerShop, type DemoShop } from "./demo-catalogue.ts";
import { createSeededRandom, type SeededRandom } from "./seeded-random.ts";
import { addShop, availableOf, type ShopWorld, type SimulatedOrder, type SimulatedSeller } from "./shop-world.ts";

const hour = 3600;
const day = 24 * hour;
export const historyDays = 30;

/** Statuses an order of this age has reached, with their weights. */
function statusesForAge(ageSeconds: number): [TiktokOrderStatus, number][] {
  if (ageSeconds < hour) return [["ON_HOLD", 5], ["UNPAID", 2], ["AWAITING_SHIPMENT", 3]];
  if (ageSeconds < day) return [["AWAITING_SHIPMENT", 6], ["AWAITING_COLLECTION", 3], ["CANCELLED", 1]];
  if (ageSeconds < 3 * day) return [["AWAITING_COLLECTION", 2], ["IN_TRANSIT", 5], ["DELIVERED", 2], ["CANCELLED", 1]];
  if (ageSeconds < 7 * day) return [["IN_TRANSIT", 2], ["DELIVERED", 5], ["COMPLETED", 2], ["CANCELLED", 1]];
  return [["COMPLETED", 8], ["DELIVERED", 1], ["CANCELLED", 1]];
}

function weightedPick<T>(random: SeededRandom, choices: [T, number][]): T {
  let ticket = random.next() * choices.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [choice, weight] of choices) {
    ticket -= weight;
    if (ticket < 0) return choice;
  }
  return (choices.at(-1) as [T, number])[0];
}

const openStatuses = new Set<TiktokOrderStatus>(["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"]);
const shippedStatuses = new Set<TiktokOrderStatus>(["AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"]);

/**
 * Orders of the last `historyDays` days, in TikTok's current view of them: old ones
 * completed, recent ones on their way, the newest on hold or awaiting shipment. Open orders
 * commit stock; shipped ones have already left the (initial) stock.
 */
export function seedOrderHistory(world: ShopWorld, shop: DemoShop, nowSeconds: number, random: SeededRandom): SimulatedOrder[] {
  const uniqueId = (prefix: string, digits: number) => {
    for (;;) {
      const id = prefix + random.digits(digits);
      if (!world.orders.has(id)) return id;
    }
  };
  // Mostly spread over the month, and always a few from the last day and the last hour,
  // so a backfill of any window has something to find.
  const ages = [random.int(60, hour - 60), random.int(hour, day - hour), random.int(2 * hour, day - hour)];
  const count = random.int(10, 18);
  while (ages.length < count) ages.push(random.int(hour, historyDays * day - hour));
  const orders: SimulatedOrder[] = [];
  for (const age of ages.sort((a, b) => b - a)) {
    const createTime = nowSeconds - age;
    const status = weightedPick(random, statusesForAge(age));
    const inStock = shop.skus.filter((sku) => {
      const stock = world.stockBySku.get(sku.skuId);
      return stock !== undefined && availableOf(stock) > 2;
    });
    if (inStock.length === 0) break;
    const lineItems: SimulatedOrder["lineItems"] = [];
    for (const sku of new Set([random.pick(inStock), ...(random.chance(0.3) ? [random.pick(inStock)] : [])])) {
      const units = random.chance(0.8) ? 1 : 2;
      for (let unit = 0; unit < units; unit++) lineItems.push({ lineItemId: uniqueId("5770", 14), sku });
      const stock = world.stockBySku.get(sku.skuId);
      if (stock !== undefined && openStatuses.has(status)) stock.committed += units;
    }
    const subtotalMinor = lineItems.reduce((sum, item) => sum + item.sku.priceMinor, 0);
    const paidTime = status === "UNPAID" ? undefined : createTime + (status === "ON_HOLD" ? 0 : random.int(0, 10 * 60));
    const updateTime = status === "UNPAID" || status === "ON_HOLD" ? (paidTime ?? createTime) : Math.min(nowSeconds, createTime + Math.max(1, Math.round(age * (0.3 + 0.6 * random.next()))));
    const order: SimulatedOrder = {
      orderId: uniqueId("5766841", 11),
      shop,
      buyerUserId: uniqueId("7021", 15),
      status,
      isOnHold: status === "ON_HOLD",
      createTime,
      updateTime,
      lineItems,
      subtotalMinor,
      shippingMinor: subtotalMinor >= 2500 ? 0 : 499,
    };
    if (paidTime !== undefined && status !== "CANCELLED") order.paidTime = paidTime;
    if (status === "CANCELLED") order.cancelReason = "No longer needed";
    if (shippedStatuses.has(status)) {
      order.packageId = uniqueId("11529928", 11);
      order.trackingNumber = `9400${random.digits(18)}`;
    }
    world.orders.set(order.orderId, order);
    orders.push(order);
  }
  return orders;
}

/**
 * The n-th seller to consent (1-based): a new shop and its history, the same for the same
 * seed, index and clock. Adds both to the world.
 */
export function openNewSeller(world: ShopWorld, sellerIndex: number, options: { seed: number; nowSeconds: number }): SimulatedSeller {
  const random = createSeededRandom((options.seed ^ Math.imul(sellerIndex, 0x9e3779b1)) >>> 0);
  const shop = newSellerShop(sellerIndex);
  addShop(world, shop);
  let openId = `7${random.digits(18)}`;
  while (world.sellers.has(openId)) openId = `7${random.digits(18)}`;
  const seller: SimulatedSeller = { openId, sellerName: shop.creatorName, baseRegion: shop.region, shops: [shop] };
  world.sellers.set(openId, seller);
  seedOrderHistory(world, shop, options.nowSeconds, random);
  return seller;
}
