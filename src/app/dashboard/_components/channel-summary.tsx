"use client";

import { CHANNEL_LABELS, channelFigures } from "@/lib/dashboard/channel-figures.ts";
import type { DashboardSnapshot } from "@/lib/dashboard/dashboard-types.ts";
import { formatMoney, formatNumber } from "@/lib/dashboard/formatting.ts";
import styles from "./channel-summary.module.css";

/** Today's sales and the stock each channel shows, per channel and in total (the total's stock is the pool they share). */
export function ChannelSummary({ data, locale }: { data: Pick<DashboardSnapshot, "today" | "inventory" | "currency">; locale: string }) {
  const { channels, total } = channelFigures(data);
  return (
    <section aria-labelledby="channels-heading" className="panel dashboard-section" data-testid="channel-summary">
      <h2 id="channels-heading">Channels</h2>
      <p className="section-note">Today&apos;s orders and sales by where they were placed; stock is what each channel shows for sale, drawn from one pool.</p>
      <table className={styles.table}>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col" className="numeric">Orders</th>
            <th scope="col" className="numeric">Sales</th>
            <th scope="col" className="numeric">In stock</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((row) => (
            <tr key={row.channel} data-channel={row.channel}>
              <th scope="row">{CHANNEL_LABELS[row.channel]}</th>
              <td className="numeric" data-figure="orders">{formatNumber(row.ordersToday, locale)}</td>
              <td className="numeric" data-figure="sales">{formatMoney(row.grossTodayMinor, data.currency, locale)}</td>
              <td className="numeric" data-figure="stock">{row.shownAvailable === null ? "—" : formatNumber(row.shownAvailable, locale)}</td>
            </tr>
          ))}
          <tr className={styles.total} data-channel="total">
            <th scope="row">Total</th>
            <td className="numeric" data-figure="orders">{formatNumber(total.ordersToday, locale)}</td>
            <td className="numeric" data-figure="sales">{formatMoney(total.grossTodayMinor, data.currency, locale)}</td>
            <td className="numeric" data-figure="stock">{formatNumber(total.poolAvailable, locale)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
