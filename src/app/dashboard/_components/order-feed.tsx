"use client";

import type { OrderRow } from "@/lib/dashboard/dashboard-types.ts";
import { formatMoney } from "@/lib/dashboard/formatting.ts";
import type { OrderArrival } from "@/lib/dashboard/order-arrival.ts";
import { OrderArrivalLine } from "./order-arrival-line.tsx";

const statusLabels: Record<string, string> = {
  received: "Received",
  validating: "Checking",
  validated: "Checked",
  allocated: "Stock allocated",
  paid: "Paid",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
  refunded: "Refunded",
  completed: "Completed",
};

const statusLabel = (status: string) => statusLabels[status] ?? status.replaceAll("_", " ");

export interface OrderFeedProps {
  orders: OrderRow[];
  newOrderIds: string[];
  /** How orders that arrived live took from TikTok's webhook to the screen; orders read by a refetch have none. */
  arrivals?: Record<string, OrderArrival>;
  locale: string;
  /** The page's monotonic clock, as the arrivals were timed with. */
  clock?: () => number;
}

export function OrderFeed({ orders, newOrderIds, arrivals = {}, locale, clock }: OrderFeedProps) {
  const fresh = new Set(newOrderIds);
  const newest = orders.find((order) => fresh.has(order.orderId));
  return (
    <section aria-labelledby="feed-heading" className="panel dashboard-section">
      <h2 id="feed-heading">Latest orders</h2>
      {/* Announces arrivals once, instead of making the whole list a live region. */}
      <p className="visually-hidden" aria-live="polite">
        {newest ? `New order ${newest.orderId}, ${statusLabel(newest.status)}` : ""}
      </p>
      {orders.length === 0 ? (
        <div className="empty-state" role="region" aria-label="No orders yet">
          <p>
            <strong>No orders yet.</strong> New TikTok Shop orders appear here the moment they arrive, no reload needed.
          </p>
          <p>Check that your shop is linked and its webhooks point at CreatorFlow; locally, run <code>npm run simulate</code>.</p>
        </div>
      ) : (
        <ol className="order-feed" data-testid="order-feed">
          {orders.map((order) => (
            <li key={order.orderId} id={`order-${order.orderId}`} className="order-row" data-new={fresh.has(order.orderId) ? "true" : undefined} data-order-id={order.orderId}>
              <span className="order-id">
                Order <code>{order.orderId}</code>
                {fresh.has(order.orderId) ? <span className="badge badge-new">New</span> : null}
                {order.onHold ? <span className="badge">On hold</span> : null}
              </span>
              <span className="order-status" data-status={order.status}>
                {statusLabel(order.status)}
              </span>
              <span className="order-total numeric">{formatMoney(order.totalMinor, order.currency, locale)}</span>
              {order.receivedAt ? (
                <time className="order-time" dateTime={order.receivedAt} suppressHydrationWarning>
                  {new Date(order.receivedAt).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })}
                </time>
              ) : null}
              {arrivals[order.orderId] ? <OrderArrivalLine arrival={arrivals[order.orderId]} locale={locale} clock={clock} /> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
