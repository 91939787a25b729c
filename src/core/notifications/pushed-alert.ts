// Which alerts are worth a push, and what the notification says: pure. The service worker
// reads the same shape (src/service-worker/push-notification.ts).
import type { Alert } from "../projections/alerts.ts";

/** The kinds a creator can turn on per device. */
export const PUSH_KINDS = ["stock_out", "unfulfillable_order", "shop_reconnect", "sales_spike"] as const;
export type PushKind = (typeof PUSH_KINDS)[number];

/** The payload a push carries (JSON, encrypted for the device by Web Push). */
export interface PushedAlert {
  alertId: string;
  kind: PushKind;
  title: string;
  body: string;
  /** This app's page that shows what the alert is about. */
  url: string;
  openedAt: string;
}

/** The anchors the dashboard gives an inventory row and an order (inventory-table.tsx, order-feed.tsx). */
export const skuPageUrl = (skuId: string) => `/dashboard#${encodeURIComponent(`sku-${skuId}`)}`;
export const orderPageUrl = (orderId: string) => `/dashboard#${encodeURIComponent(`order-${orderId}`)}`;

/**
 * The push kind of an alert, or null when it is not one that needs the creator now: only an
 * emergency stock-out (not every low-stock warning), orders that cannot be fulfilled, a
 * shop that needs reconnecting, and a sales spike.
 */
export function pushKindOf(alert: Pick<Alert, "kind" | "severity">): PushKind | null {
  switch (alert.kind) {
    case "low_stock":
      return alert.severity === "emergency" ? "stock_out" : null;
    case "stuck_saga":
      return "unfulfillable_order";
    case "shop_connection":
      return "shop_reconnect";
    case "sales_spike":
      return "sales_spike";
    case "sync_failure":
    case "sync_conflict":
    // Hours in the making, seen on the dashboard: not worth waking the creator for.
    case "sales_drop":
      return null;
  }
}

const titles: Record<PushKind, string> = {
  stock_out: "About to sell out",
  unfulfillable_order: "An order cannot be fulfilled",
  shop_reconnect: "Reconnect your TikTok Shop",
  sales_spike: "Sales are spiking",
};

/** The notification for a newly opened alert, in the alert's own words, or null when it is not worth a push. */
export function pushedAlertFor(alert: Alert): PushedAlert | null {
  const kind = pushKindOf(alert);
  if (!kind || alert.resolvedAt !== null) return null;
  // The alert's own link when it is a dashboard page; a route that acts (reconnecting starts
  // TikTok's consent) is for the creator to choose on the dashboard, not for a tap.
  const url = alert.actionHref.startsWith("/dashboard") ? alert.actionHref : alert.skuId ? skuPageUrl(alert.skuId) : "/dashboard";
  return { alertId: alert.id, kind, title: alert.title || titles[kind], body: alert.message.slice(0, 240), url, openedAt: alert.openedAt.toISOString() };
}
