"use client";

import { useEffect, useMemo, useState } from "react";
import { adjustmentPoster, alertActionPoster, snapshotFetcher, type FetchSnapshot, type PostAdjustment, type PostAlertAction, type ReachServer } from "@/lib/dashboard/dashboard-api.ts";
import { pipelineCounts } from "@/lib/dashboard/dashboard-state.ts";
import type { DashboardSnapshot } from "@/lib/dashboard/dashboard-types.ts";
import { connectCreatorChannel, type RealtimeConnector } from "@/lib/dashboard/realtime-connection.ts";
import { useDashboardLive } from "@/lib/dashboard/use-dashboard-live.ts";
import { AlertsPanel } from "./alerts-panel.tsx";
import { ChannelSummary } from "./channel-summary.tsx";
import { ConnectionBadge } from "./connection-badge.tsx";
import { HealthIndicator } from "./health-indicator.tsx";
import { InventoryTable } from "./inventory-table.tsx";
import { KpiCards } from "./kpi-cards.tsx";
import { OrderFeed } from "./order-feed.tsx";
import { OrderPipeline } from "./order-pipeline.tsx";
import { PushSettings } from "./push-settings.tsx";
import { RevenueChart } from "./revenue-chart.tsx";
import { forecastHash, SkuForecastPanel, skuFromForecastHash } from "./sku-forecast.tsx";

export interface DashboardLiveProps {
  initial: DashboardSnapshot;
  locale: string;
  /** Set when an admin views a creator's dashboard: the API calls name that creator. */
  creatorQuery?: string | null;
  /** Injected by tests; the page uses the real channel and route handlers. */
  connect?: RealtimeConnector;
  fetchSnapshot?: FetchSnapshot;
  postAdjustment?: PostAdjustment;
  postAlertAction?: PostAlertAction;
  refreshDelayMs?: number;
  /** The page's monotonic clock (performance.now()); tests drive their own. */
  clock?: () => number;
  /** Whether the server answers, asked when the channel fails while the browser says online. */
  reachServer?: ReachServer;
}

export function DashboardLive({ initial, locale, creatorQuery = null, connect, fetchSnapshot, postAdjustment, postAlertAction, refreshDelayMs, clock, reachServer }: DashboardLiveProps) {
  const defaultFetch = useMemo(() => snapshotFetcher(creatorQuery), [creatorQuery]);
  const defaultPost = useMemo(() => adjustmentPoster(creatorQuery), [creatorQuery]);
  const defaultAlertAction = useMemo(() => alertActionPoster(creatorQuery), [creatorQuery]);
  const live = useDashboardLive({
    initial,
    connect: connect ?? connectCreatorChannel,
    fetchSnapshot: fetchSnapshot ?? defaultFetch,
    postAdjustment: postAdjustment ?? defaultPost,
    refreshDelayMs,
    clock,
    reachServer,
  });
  const { data, newOrderIds, lastUpdateAt, arrivals, pending, notice } = live.state;
  const forecast = useForecastSku();
  const pipeline = pipelineCounts(data);
  const isNewCreator = data.orders.length === 0 && data.today.ordersReceived === 0 && data.series.daily.length === 0;

  return (
    <div className="dashboard">
      <div className="dashboard-status">
        <ConnectionBadge state={live.connection} lastUpdateAt={lastUpdateAt} stale={live.stale} locale={locale} />
        <HealthIndicator health={data.health} locale={locale} />
      </div>
      {isNewCreator ? <GettingStarted /> : null}
      <KpiCards today={data.today} yesterday={data.yesterday} awaitingShipment={pipeline.pending} currency={data.currency} locale={locale} />
      <ChannelSummary data={data} locale={locale} />
      <div className="dashboard-grid">
        <RevenueChart hourly={data.series.hourly} daily={data.series.daily} today={data.today.day} currency={data.currency} locale={locale} />
        <OrderPipeline counts={pipeline} locale={locale} />
        <AlertsPanel alerts={data.alerts} counts={data.alertCounts} locale={locale} onAction={postAlertAction ?? defaultAlertAction} />
        <OrderFeed orders={data.orders} newOrderIds={newOrderIds} arrivals={arrivals} locale={locale} clock={clock} />
        <InventoryTable
          rows={data.inventory}
          pending={pending}
          notice={notice}
          locale={locale}
          onAdjust={(skuId, total) => void live.adjustStock(skuId, total)}
          onDismissNotice={live.dismissNotice}
          onOpenForecast={forecast.open}
        />
        {forecast.sku ? <SkuForecastPanel key={forecast.sku} skuId={forecast.sku} creatorQuery={creatorQuery} locale={locale} onClose={forecast.close} /> : null}
      </div>
      <PushSettings creatorQuery={creatorQuery} />
    </div>
  );
}

/** The SKU whose forecast is open: opened from its row, or from a link to #forecast-<sku> (a sales-spike alert's). */
function useForecastSku() {
  const [sku, setSku] = useState<string | null>(null);
  useEffect(() => {
    const follow = () => {
      const fromHash = skuFromForecastHash(window.location.hash);
      if (fromHash) setSku(fromHash);
    };
    follow();
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);
  const open = (skuId: string) => {
    setSku(skuId);
    window.history.replaceState(null, "", forecastHash(skuId));
  };
  return { sku, open, close: () => setSku(null) };
}

function GettingStarted() {
  return (
    <div className="empty-state panel" role="region" aria-label="Getting started">
      <p>
        <strong>Welcome! Nothing has sold yet.</strong> As soon as TikTok Shop sends your first order, revenue, orders and
        stock update here live.
      </p>
      <p>Link your TikTok shop and point its webhooks at CreatorFlow; locally, <code>npm run simulate</code> sends sample orders.</p>
    </div>
  );
}
