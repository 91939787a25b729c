"use client";

import { useEffect, useState } from "react";
import type { SkuForecast } from "@/server/inventory/sku-forecast.ts";
import { formatHours, formatNumber } from "@/lib/dashboard/formatting.ts";
import { ComboChart, type ChartSeries } from "./combo-chart.tsx";
import { LeadTimeSetting } from "./lead-time-setting.tsx";

/** Where a SKU's forecast opens: the hash a sales-spike alert links to. */
export const forecastHash = (skuId: string) => `#forecast-${encodeURIComponent(skuId)}`;

export function skuFromForecastHash(hash: string): string | null {
  return hash.startsWith("#forecast-") ? decodeURIComponent(hash.slice("#forecast-".length)) : null;
}

type Loaded = { state: "loading" } | { state: "failed"; message: string } | { state: "ready"; forecast: SkuForecast };

export function SkuForecastPanel({ skuId, creatorQuery, locale, onClose }: { skuId: string; creatorQuery: string | null; locale: string; onClose: () => void }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  useEffect(() => {
    let current = true;
    const query = creatorQuery ? `?creator=${encodeURIComponent(creatorQuery)}` : "";
    setLoaded({ state: "loading" });
    fetch(`/api/inventory/${encodeURIComponent(skuId)}/forecast${query}`, { cache: "no-store" })
      .then(async (response) => {
        const body = (await response.json()) as SkuForecast | { error?: { message?: string } };
        if (!current) return;
        if (response.ok && "points" in body) setLoaded({ state: "ready", forecast: body });
        else setLoaded({ state: "failed", message: ("error" in body && body.error?.message) || `The server answered ${response.status}` });
      })
      .catch(() => current && setLoaded({ state: "failed", message: "Could not reach the server." }));
    return () => {
      current = false;
    };
  }, [skuId, creatorQuery]);

  return (
    <section aria-labelledby="forecast-heading" className="panel dashboard-section dashboard-wide" data-testid="sku-forecast">
      <div className="section-header">
        <h2 id="forecast-heading">Demand forecast: {loaded.state === "ready" && loaded.forecast.productName ? `${loaded.forecast.productName} (SKU ${skuId})` : `SKU ${skuId}`}</h2>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
      {loaded.state === "loading" ? <p className="section-note">Loading the forecast…</p> : null}
      {loaded.state === "failed" ? <p className="notice" role="alert">{loaded.message}</p> : null}
      {loaded.state === "ready" ? <ForecastBody forecast={loaded.forecast} locale={locale} /> : null}
      {loaded.state === "ready" ? <LeadTimeSetting key={skuId} skuId={skuId} creatorQuery={creatorQuery} leadTimeDays={loaded.forecast.leadTimeDays} /> : null}
    </section>
  );
}

function ForecastBody({ forecast, locale }: { forecast: SkuForecast; locale: string }) {
  if (forecast.points.length === 0) return <p className="section-note">No sales of this SKU yet: its forecast starts with its first order.</p>;
  const { stockout, suggestion } = forecast;
  const { points } = forecast;
  const hourLabel = new Intl.DateTimeFormat(locale, { weekday: "short", hour: "2-digit" });
  const series: ChartSeries[] = [
    { kind: "bar", name: "Sold", axis: "left", color: "var(--accent)", values: points.map((point) => point.sold) },
    { kind: "band", name: "80% interval", axis: "left", color: "var(--accent)", lower: points.map((point) => point.lower), upper: points.map((point) => point.upper) },
    { kind: "line", name: "Forecast", axis: "left", color: "var(--accent)", values: points.map((point) => point.expected) },
    { kind: "line", name: "Projected stock", axis: "right", color: "var(--warning)", values: points.map((point) => point.projectedStock) },
  ];
  const units = (value: number) => formatNumber(value, locale, 1);
  return (
    <>
      <p className="section-note" data-testid="forecast-stockout">
        {stockout.expectedHours === null
          ? `${formatNumber(forecast.available, locale)} available: enough for the next 7 days at the forecast rate.`
          : `${formatNumber(forecast.available, locale)} available: sells out in about ${formatHours(stockout.expectedHours, locale)}` +
            (stockout.earliestHours !== null ? ` (between ${formatHours(stockout.earliestHours, locale)} and ${stockout.latestHours === null ? "more than 7 days" : formatHours(stockout.latestHours, locale)})` : "") +
            "."}
      </p>
      <p className="section-note" data-testid="forecast-reorder">
        {suggestion
          ? `Reorder point ${formatNumber(suggestion.reorderPoint, locale)}: ${suggestion.reasoning}.`
          : `Reorder point ${formatNumber(forecast.reorderPoint, locale)}. A reorder suggestion needs three days of sales history.`}
      </p>
      <figure className="chart-figure">
        <figcaption className="visually-hidden">Units sold per hour over the last week, the forecast for the next 7 days with its 80% interval, and stock projected along it.</figcaption>
        <div className="chart-box" aria-hidden="true">
          <ComboChart
            labels={points.map((point) => hourLabel.format(new Date(point.at)))}
            series={series}
            axes={{ left: { width: 32, format: units }, right: { width: 40, format: (value) => formatNumber(value, locale) } }}
            references={[{ axis: "right", value: suggestion?.reorderPoint ?? forecast.reorderPoint, label: "Reorder point", color: "var(--danger)" }]}
            formatValue={(_, value) => units(value)}
            minLabelGap={24}
          />
        </div>
      </figure>
    </>
  );
}
