// The simulated market's stock reports (TikTok's type 27 notification): status changes,
// prediction alerts, changes made in Seller Center that no order explains, and restocks.
import { day, hour, market, type SimulatedMarket } from "./simulated-market.ts";
import { availableOf, heldOf, inventoryStatusOf, type SimulatedStock } from "./shop-world.ts";

export function reportInventory(simulated: SimulatedMarket, stock: SimulatedStock, at: number, alertType: "REALTIME" | "PREDICTION") {
  const { random } = simulated;
  const available = availableOf(stock);
  simulated.notify(27, stock.shop, at, {
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
  simulated.stats.inventory.alerts++;
}

/** Reports a change of stock status; sometimes the seller changed stock in Seller Center first, which no order explains. */
export function checkInventory(simulated: SimulatedMarket, stock: SimulatedStock, at: number) {
  const { random } = simulated;
  const status = inventoryStatusOf(stock);
  if (status === stock.lastReportedStatus) return;
  stock.lastReportedStatus = status;
  if (status === "IN_STOCK") return;
  if (random.chance(market.inventoryDisagreementShare)) {
    if (random.chance(0.5) && availableOf(stock) > 0) stock.campaignReserved += Math.min(availableOf(stock), random.int(1, 3));
    // A correction in Seller Center removes only units nothing holds: the books stay whole.
    else stock.total = Math.max(heldOf(stock), stock.total - random.int(1, 3));
    simulated.stats.inventory.disagreements++;
  }
  reportInventory(simulated, stock, at, "REALTIME");
  if (availableOf(stock) === 0) simulated.schedule(at + random.int(12 * hour, 3 * day), (restockAt) => restock(simulated, stock, restockAt));
}

function restock(simulated: SimulatedMarket, stock: SimulatedStock, at: number) {
  if (availableOf(stock) > stock.sku.lowStockThreshold) return;
  stock.total += simulated.random.int(40, 120);
  stock.campaignReserved = 0;
  simulated.stats.inventory.restocks++;
  stock.lastReportedStatus = inventoryStatusOf(stock);
  reportInventory(simulated, stock, at, "REALTIME");
}
