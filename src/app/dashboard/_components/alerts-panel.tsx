"use client";

import type { AlertCounts, AlertRow, Severity } from "@/lib/dashboard/dashboard-types.ts";
import { inventoryRowAnchor } from "./inventory-table.tsx";

const severityRank: Record<Severity, number> = { emergency: 0, critical: 1, warning: 2 };
const kindLabels: Record<AlertRow["kind"], string> = {
  low_stock: "Low stock",
  sync_failure: "Sync failure",
  sync_conflict: "Stock conflict",
  stuck_saga: "Stuck order",
  shop_connection: "TikTok Shop connection",
};

export function AlertsPanel({ alerts, counts, locale }: { alerts: AlertRow[]; counts: AlertCounts; locale: string }) {
  const sorted = [...alerts].sort((a, b) => severityRank[a.severity] - severityRank[b.severity] || b.openedAt.localeCompare(a.openedAt));
  return (
    <section aria-labelledby="alerts-heading" className="panel dashboard-section">
      <h2 id="alerts-heading">
        Alerts <span className="count-pill" data-testid="alerts-open-count">{counts.open}</span>
      </h2>
      <p className="section-note">
        {counts.emergency} emergency · {counts.critical} critical · {counts.warning} warning
      </p>
      {sorted.length === 0 && counts.open > 0 ? (
        // A live delta brings the counts at once and the list with the next refresh: never "none" meanwhile.
        <p className="empty-state" role="status">
          {counts.open === 1 ? "1 new alert" : `${counts.open} new alerts`}: loading the details…
        </p>
      ) : sorted.length === 0 ? (
        <p className="empty-state">No open alerts. Low stock, sync failures and stuck orders show up here as they happen.</p>
      ) : (
        <ul className="alert-list">
          {sorted.map((alert) => (
            <li key={alert.id} className="alert-item" data-severity={alert.severity}>
              <span className="severity-tag" data-severity={alert.severity}>
                {alert.severity}
              </span>
              <span className="alert-kind">{kindLabels[alert.kind]}</span>
              <span className="alert-message">
                {alert.message}
                {alert.kind === "shop_connection" ? (
                  <>
                    {" "}
                    {/* A navigation, not a fetch: the route sends the browser on to TikTok. */}
                    <a href="/api/tiktok/connect">Reconnect</a>
                  </>
                ) : null}
                {alert.skuId ? (
                  <>
                    {" "}
                    <a href={`#${encodeURIComponent(inventoryRowAnchor(alert.skuId))}`} data-testid={`alert-sku-link-${alert.skuId}`}>
                      See SKU {alert.skuId}
                    </a>
                  </>
                ) : null}
              </span>
              <time dateTime={alert.openedAt} suppressHydrationWarning>
                {new Date(alert.openedAt).toLocaleString(locale, { dateStyle: "short", timeStyle: "short" })}
              </time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
