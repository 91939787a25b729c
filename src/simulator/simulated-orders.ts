// An order's life in the simulated market, as TikTok notifies it: placed (maybe unpaid),
// paid, held for an hour, handed over, in transit, delivered, completed; or cancelled by the
// buyer, the seller or the system, or returned. Each step schedules the next in simulated time.
import type { TiktokOrderStatus } from "../core/orders/events.ts";
import type { DemoShop } from "./demo-catalogue.ts";
import { checkInventory, reportInventory } from "./simulated-inventory.ts";
import { day, hour, market, minute, unitsBySku, type SimulatedMarket } from "./simulated-market.ts";
import { availableOf, type SimulatedOrder } from "./shop-world.ts";

function setStatus(simulated: SimulatedMarket, order: SimulatedOrder, status: TiktokOrderStatus, at: number) {
  order.status = status;
  order.updateTime = at;
  order.isOnHold = status === "ON_HOLD";
  simulated.notify(1, order.shop, at, {
    order_id: order.orderId,
    order_status: status === "CANCELLED" ? "CANCEL" : status,
    is_on_hold_order: order.isOnHold,
    update_time: at,
  });
}

const isOpen = (order: SimulatedOrder) => order.status !== "CANCELLED" && order.status !== "COMPLETED";

/** One or a few in-stock SKUs of `shop`, one or two units each, committed at TikTok; undefined when nothing is in stock. */
function pickLineItems(simulated: SimulatedMarket, shop: DemoShop) {
  const { random, stockOf } = simulated;
  const inStock = shop.skus.filter((sku) => availableOf(stockOf(sku.skuId)) > 0);
  if (inStock.length === 0) return undefined;
  simulated.countOrderPlaced();
  const distinct = Math.min(inStock.length, random.chance(0.7) ? 1 : random.int(2, 3));
  const chosen = new Set<(typeof inStock)[number]>();
  const viralSku = shop.skus[0]!;
  if (simulated.isViral() && inStock.includes(viralSku) && random.chance(market.viralSkuShare)) chosen.add(viralSku);
  while (chosen.size < distinct) chosen.add(random.pick(inStock));
  const lineItems: SimulatedOrder["lineItems"] = [];
  for (const sku of chosen) {
    const units = Math.min(availableOf(stockOf(sku.skuId)), random.chance(0.8) ? 1 : 2);
    for (let unit = 0; unit < units; unit++) lineItems.push({ lineItemId: simulated.uniqueId("5770", 14), sku });
    stockOf(sku.skuId).committed += units;
  }
  return { chosen, lineItems };
}

export function placeOrder(simulated: SimulatedMarket, shop: DemoShop, at: number) {
  const { random, stats, schedule, stockOf } = simulated;
  const picked = pickLineItems(simulated, shop);
  if (picked === undefined) return;
  const { chosen, lineItems } = picked;
  const subtotalMinor = lineItems.reduce((sum, item) => sum + item.sku.priceMinor, 0);
  const unpaid = random.chance(market.unpaidShare);
  const order: SimulatedOrder = {
    orderId: simulated.uniqueId("5766840", 11),
    shop,
    buyerUserId: simulated.uniqueId("7021", 15),
    status: "UNPAID",
    isOnHold: false,
    createTime: at,
    updateTime: at,
    lineItems,
    subtotalMinor,
    shippingMinor: subtotalMinor >= 2500 ? 0 : 499,
  };
  simulated.world.orders.set(order.orderId, order);
  stats.orders.placed++;
  const goesOnHold = random.chance(market.onHoldShare);
  if (unpaid) {
    stats.orders.unpaid++;
    setStatus(simulated, order, "UNPAID", at);
    if (random.chance(market.unpaidNeverPaidShare)) schedule(at + 2 * hour, (t) => cancel(simulated, order, "SYSTEM", "Payment not completed", t));
    else schedule(at + random.int(1 * minute, 15 * minute), (t) => pay(simulated, order, goesOnHold, t));
  } else {
    pay(simulated, order, goesOnHold, at);
  }
  for (const sku of chosen) {
    const stock = stockOf(sku.skuId);
    checkInventory(simulated, stock, at);
    if (availableOf(stock) <= 3 * sku.lowStockThreshold && random.chance(market.predictionAlertShare)) reportInventory(simulated, stock, at, "PREDICTION");
  }
}

function pay(simulated: SimulatedMarket, order: SimulatedOrder, goesOnHold: boolean, at: number) {
  const { random, schedule } = simulated;
  if (order.status !== "UNPAID") return;
  order.paidTime = at;
  if (goesOnHold) {
    simulated.stats.orders.onHold++;
    setStatus(simulated, order, "ON_HOLD", at);
    // The one-hour window in which the buyer may still cancel.
    if (random.chance(market.buyerCancelsDuringHoldShare)) schedule(at + random.int(2 * minute, 55 * minute), (t) => cancel(simulated, order, "BUYER", "No longer needed", t));
    else schedule(at + hour, (t) => releaseHold(simulated, order, t));
  } else {
    setStatus(simulated, order, "AWAITING_SHIPMENT", at);
    prepareShipment(simulated, order, at);
  }
}

function releaseHold(simulated: SimulatedMarket, order: SimulatedOrder, at: number) {
  if (order.status !== "ON_HOLD") return;
  setStatus(simulated, order, "AWAITING_SHIPMENT", at);
  prepareShipment(simulated, order, at);
}

function prepareShipment(simulated: SimulatedMarket, order: SimulatedOrder, at: number) {
  const { random, schedule } = simulated;
  if (order.lineItems.length > 1 && random.chance(market.packageUpdateShare)) {
    schedule(at + random.int(10 * minute, 2 * hour), (t) => {
      if (order.status !== "AWAITING_SHIPMENT") return;
      order.packageId = simulated.uniqueId("11529928", 11);
      simulated.notify(4, order.shop, t, {
        sc_type: random.pick(["SPLIT", "COMBINE"]),
        role_type: "SELLER",
        package_list: [{ package_id: order.packageId, order_id_list: [order.orderId] }],
        update_time: t,
      });
    });
  }
  if (random.chance(market.sellerCancelsShare)) schedule(at + random.int(30 * minute, 6 * hour), (t) => cancel(simulated, order, "SELLER", "Out of stock", t));
  else schedule(at + random.int(4 * hour, 30 * hour), (t) => handOver(simulated, order, t));
}

function handOver(simulated: SimulatedMarket, order: SimulatedOrder, at: number) {
  const { random, schedule } = simulated;
  if (order.status !== "AWAITING_SHIPMENT") return;
  order.packageId ??= simulated.uniqueId("11529928", 11);
  order.trackingNumber = `9400${random.digits(18)}`;
  for (const [skuId, units] of unitsBySku(order)) {
    const stock = simulated.stockOf(skuId);
    stock.committed -= units;
    stock.total -= units;
  }
  simulated.stats.orders.shipped++;
  setStatus(simulated, order, "AWAITING_COLLECTION", at);
  schedule(at + random.int(2 * hour, 18 * hour), (t) => {
    if (order.status !== "AWAITING_COLLECTION") return;
    setStatus(simulated, order, "IN_TRANSIT", t);
    schedule(t + random.int(12 * hour, 3 * day), (deliveredAt) => deliver(simulated, order, deliveredAt));
  });
}

function deliver(simulated: SimulatedMarket, order: SimulatedOrder, at: number) {
  const { random, schedule } = simulated;
  if (order.status !== "IN_TRANSIT") return;
  simulated.stats.orders.delivered++;
  setStatus(simulated, order, "DELIVERED", at);
  if (random.chance(market.returnShare)) schedule(at + random.int(1 * day, 3 * day), (t) => requestReturn(simulated, order, t));
  else
    schedule(at + random.int(1 * day, 3 * day), (t) => {
      if (order.status !== "DELIVERED") return;
      simulated.stats.orders.completed++;
      setStatus(simulated, order, "COMPLETED", t);
    });
}

function requestReturn(simulated: SimulatedMarket, order: SimulatedOrder, at: number) {
  const { random } = simulated;
  const returnId = simulated.uniqueId("40352367", 11);
  const returnType = random.pick(["REFUND", "RETURN_AND_REFUND"] as const);
  const returnStatus = (status: string, t: number) =>
    simulated.notify(12, order.shop, t, { order_id: order.orderId, return_role: "BUYER", return_type: returnType, return_status: status, return_id: returnId, create_time: at, update_time: t });
  returnStatus("RETURN_OR_REFUND_REQUEST_PENDING", at);
  simulated.schedule(at + random.int(1 * day, 4 * day), (t) => {
    simulated.stats.orders.refunded++;
    if (returnType === "RETURN_AND_REFUND") {
      for (const [skuId, units] of unitsBySku(order)) simulated.stockOf(skuId).total += units;
    }
    returnStatus("RETURN_OR_REFUND_REQUEST_COMPLETE", t);
  });
}

function cancel(simulated: SimulatedMarket, order: SimulatedOrder, role: "BUYER" | "SELLER" | "SYSTEM", reason: string, at: number) {
  const { random } = simulated;
  if (!isOpen(order) || order.status === "AWAITING_COLLECTION" || order.status === "IN_TRANSIT" || order.status === "DELIVERED") return;
  const requestedAt = at - random.int(30, 10 * minute);
  order.cancelReason = reason;
  for (const [skuId, units] of unitsBySku(order)) {
    const stock = simulated.stockOf(skuId);
    stock.committed -= units;
    checkInventory(simulated, stock, at);
  }
  simulated.stats.orders.cancelled++;
  simulated.notify(11, order.shop, at, {
    order_id: order.orderId,
    cancellations_role: role,
    cancel_status: "CANCELLATION_REQUEST_COMPLETE",
    cancel_id: simulated.uniqueId("40352367", 11),
    create_time: requestedAt,
  });
  setStatus(simulated, order, "CANCELLED", at + random.int(1, 30));
}
