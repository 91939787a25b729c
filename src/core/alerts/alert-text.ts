// An alert in the creator's words: what happened, to which product, what it means, and
// the one thing to do, with a link to do it. The technical detail (the failure as the
// engine recorded it) is kept apart, one click away. Pure: recomputed whenever the
// alert's facts or count change, so "12 orders are waiting" stays true.

/** Where the dashboard shows a SKU's row (the inventory table's anchor for it). */
export const skuHref = (skuId: string) => `/dashboard#sku-${encodeURIComponent(skuId)}`;
/** Where the dashboard opens a SKU's demand forecast chart. */
export const forecastHref = (skuId: string) => `/dashboard#forecast-${encodeURIComponent(skuId)}`;
/** The route that sends the browser to TikTok to authorise the shop again. */
export const RECONNECT_HREF = "/api/tiktok/connect";
export const ORDERS_HREF = "/dashboard#feed-heading";
export const HEALTH_HREF = "/dashboard#alerts-heading";

export interface AlertText {
  title: string;
  message: string;
  action: string;
  actionHref: string;
}

const plural = (count: number, one: string, many: string) => (count === 1 ? `1 ${one}` : `${count} ${many}`);

/** "Glow Serum 30 ml (SKU 1729…)" when the product's name is known, else "SKU 1729…". */
export function productLabel(skuId: string, productName: string | null): string {
  const name = productName?.trim();
  return name ? `${name} (SKU ${skuId})` : `SKU ${skuId}`;
}

export function hoursText(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}

export function lowStockText(input: { skuId: string; productName: string | null; available: number; reorderPoint: number; hoursToStockout: number | null }): AlertText {
  const product = productLabel(input.skuId, input.productName);
  const soldOut = input.available <= 0;
  const pace = input.hoursToStockout !== null && !soldOut ? ` At the current rate it sells out in about ${hoursText(input.hoursToStockout)}.` : "";
  return {
    title: soldOut ? `Sold out: ${product}` : `Running low: ${product}`,
    message: soldOut
      ? "Buyers can no longer order it on TikTok Shop."
      : `${plural(input.available, "unit", "units")} left, at or below your reorder point of ${input.reorderPoint}.${pace}`,
    action: `Restock SKU ${input.skuId}`,
    actionHref: skuHref(input.skuId),
  };
}

export function salesSpikeText(input: { skuId: string; productName: string | null; ratePerHour: number; expectedPerHour: number; hoursToStockout: number | null }): AlertText {
  const product = productLabel(input.skuId, input.productName);
  const times = input.expectedPerHour > 0 ? `${Math.round(input.ratePerHour / input.expectedPerHour)}x` : "far above";
  const sellsOut = input.hoursToStockout === null ? "" : ` At the current rate it sells out in about ${hoursText(input.hoursToStockout)}.`;
  return {
    title: `Selling fast: ${product}`,
    message: `Selling ${input.ratePerHour.toFixed(1)} an hour, ${times} the usual ${input.expectedPerHour.toFixed(1)} (a video may be going viral).${sellsOut}`,
    action: input.hoursToStockout === null ? `See the forecast for SKU ${input.skuId}` : `Restock SKU ${input.skuId} now: see its forecast`,
    actionHref: forecastHref(input.skuId),
  };
}

export function salesDropText(input: { skuId: string; productName: string | null; observedUnits: number; expectedUnits: number; windowMinutes: number }): AlertText {
  const product = productLabel(input.skuId, input.productName);
  const window = hoursText(input.windowMinutes / 60);
  const expected = Math.round(input.expectedUnits);
  const sold = input.observedUnits === 0 ? `No sales in the last ${window}` : `Only ${plural(input.observedUnits, "sale", "sales")} in the last ${window}`;
  return {
    title: input.observedUnits === 0 ? `Stopped selling: ${product}` : `Selling far less than usual: ${product}`,
    message: `${sold}, where about ${expected} were expected. A listing may have been taken down or a video gone cold.`,
    action: `Check SKU ${input.skuId}'s listing in TikTok Shop Seller Center`,
    actionHref: forecastHref(input.skuId),
  };
}

export function ordersWaitingForStockText(input: { skuId: string; productName: string | null; waitingOrders: number }): AlertText {
  const product = productLabel(input.skuId, input.productName);
  const orders = plural(input.waitingOrders, "order", "orders");
  return {
    title: `${orders} waiting for stock: ${product}`,
    message: `TikTok sold ${input.waitingOrders === 1 ? "it" : "them"}, but there is no stock left here to fulfil ${input.waitingOrders === 1 ? "it" : "them"}: TikTok's count was higher than yours.`,
    action: `Restock SKU ${input.skuId} or cancel the ${input.waitingOrders === 1 ? "order" : orders} waiting for it`,
    actionHref: skuHref(input.skuId),
  };
}

const stepLabels: Record<string, string> = {
  validate: "checking the order",
  allocate: "reserving stock",
  confirm_payment: "confirming payment",
  create_shipping_label: "creating the shipping label",
  update_tiktok_status: "telling TikTok it shipped",
};

export function ordersStuckText(input: { problem: string; step: string | null; waitingOrders: number }): AlertText {
  const orders = plural(input.waitingOrders, "order", "orders");
  const at = input.step ? (stepLabels[input.step] ?? input.step.replaceAll("_", " ")) : "fulfilment";
  if (input.problem === "stuck") {
    return {
      title: `${orders} waiting too long at ${at}`,
      message: "They are still being retried; nothing is lost, but buyers are waiting.",
      action: "Check these orders in TikTok Shop Seller Center",
      actionHref: ORDERS_HREF,
    };
  }
  return {
    title: `${orders} could not be fulfilled: ${at} failed`,
    message: input.problem === "compensation_failed" ? "Fulfilment failed and could not be fully undone: stock or payment may need a manual fix." : "Fulfilment stopped for good for these orders.",
    action: "Ship or cancel these orders in TikTok Shop Seller Center",
    actionHref: ORDERS_HREF,
  };
}

const sourceLabels: Record<string, string> = {
  tiktok_webhook: "updates from TikTok Shop",
  inventory_reconciliation: "the periodic stock check with TikTok Shop",
};

export function syncFailureText(input: { source: string; occurrences: number }): AlertText {
  const what = sourceLabels[input.source] ?? input.source.replaceAll("_", " ");
  return {
    title: `Sync problem with ${what}`,
    message: `It failed ${plural(input.occurrences, "time", "times")}. Nothing received is lost; it is retried automatically.`,
    action: "If this stays open, reconnect your TikTok Shop",
    actionHref: RECONNECT_HREF,
  };
}

/** `channel`: whose count disagrees (TikTok Shop unless a Shopify store's). */
export function stockConflictText(input: { skuId: string; productName: string | null; localValue: number; externalValue: number; openConflicts: number; channel?: "tiktok_shop" | "shopify" }): AlertText {
  const product = productLabel(input.skuId, input.productName);
  const [where, who] = input.channel === "shopify" ? ["your Shopify store", "Shopify"] : ["TikTok Shop", "TikTok"];
  return {
    title: `Stock counts disagree: ${product}`,
    message: `${input.localValue} here, ${input.externalValue} on ${where}${input.openConflicts > 1 ? ` (${input.openConflicts} open differences)` : ""}. Until it is settled ${who} may oversell or undersell it.`,
    action: `Check SKU ${input.skuId} and set the right count`,
    actionHref: skuHref(input.skuId),
  };
}

export function shopConnectionText(input: { shopId: string; cause: "deauthorized" | "needs_reconnecting"; reason: string | null }): AlertText {
  return {
    title: input.cause === "deauthorized" ? `TikTok Shop ${input.shopId} was disconnected` : `TikTok Shop ${input.shopId} needs reconnecting`,
    message: `Orders and stock no longer sync with it${input.reason ? ` (${input.reason})` : ""}.`,
    action: "Connect the shop again",
    actionHref: RECONNECT_HREF,
  };
}
