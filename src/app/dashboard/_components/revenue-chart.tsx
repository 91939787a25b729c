"use client";

import { useEffect, useMemo, useState } from "react";
import type { SeriesPoint } from "@/lib/dashboard/dashboard-types.ts";
import { currencyDigits, formatMoney, formatNumber } from "@/lib/dashboard/formatting.ts";
import { ComboChart, type ChartSeries } from "./combo-chart.tsx";

export type ChartRange = "24h" | "7d" | "30d";
const ranges: { value: ChartRange; label: string; description: string }[] = [
  { value: "24h", label: "24 h", description: "last 24 hours, by hour" },
  { value: "7d", label: "7 d", description: "last 7 days, by day (UTC)" },
  { value: "30d", label: "30 d", description: "last 30 days, by day (UTC)" },
];

export interface ChartPoint {
  label: string;
  revenue: number;
  orders: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Every bucket of the range, zero-filled, so quiet hours show as gaps rather than vanish.
 * Buckets are whole UTC hours (as the server cuts them: local hours would miss them in a
 * half-hour time zone) and UTC days; labels are in the viewer's locale, hours in their time zone.
 */
export function chartPoints(range: ChartRange, hourly: SeriesPoint[], daily: SeriesPoint[], today: string, now: Date, digits: number, locale?: string): ChartPoint[] {
  const scale = 10 ** digits;
  if (range === "24h") {
    const hourLabel = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const byHour = new Map(hourly.map((point) => [Date.parse(point.bucketStart), point]));
    const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    return Array.from({ length: 24 }, (_, index) => {
      const at = first + index * HOUR_MS;
      const point = byHour.get(at);
      return { label: hourLabel.format(at), revenue: (point?.netMinor ?? 0) / scale, orders: point?.orders ?? 0 };
    });
  }
  const days = range === "7d" ? 7 : 30;
  const dayLabel = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
  const byDay = new Map(daily.map((point) => [point.bucketStart.slice(0, 10), point]));
  const last = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(last - (days - 1 - index) * DAY_MS);
    const point = byDay.get(day.toISOString().slice(0, 10));
    return { label: dayLabel.format(day), revenue: (point?.netMinor ?? 0) / scale, orders: point?.orders ?? 0 };
  });
}

export function RevenueChart({ hourly, daily, today, currency, locale }: { hourly: SeriesPoint[]; daily: SeriesPoint[]; today: string; currency: string | null; locale: string }) {
  const [range, setRange] = useState<ChartRange>("24h");
  // Bucket labels depend on the viewer's time zone: draw after hydration.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const digits = currency ? currencyDigits(currency, locale) : 2;
  const points = useMemo(() => (mounted ? chartPoints(range, hourly, daily, today, new Date(), digits, locale) : []), [mounted, range, hourly, daily, today, digits, locale]);
  const selected = ranges.find((candidate) => candidate.value === range)!;
  const totalRevenue = points.reduce((sum, point) => sum + point.revenue, 0);
  const totalOrders = points.reduce((sum, point) => sum + point.orders, 0);
  const money = (major: number) => formatMoney(Math.round(major * 10 ** digits), currency, locale);

  return (
    <section aria-labelledby="chart-heading" className="panel dashboard-section dashboard-wide">
      <div className="section-header">
        <h2 id="chart-heading">Net revenue and orders</h2>
        <div role="group" aria-label="Time range" className="range-switch">
          {ranges.map((option) => (
            <button key={option.value} type="button" aria-pressed={range === option.value} onClick={() => setRange(option.value)}>
              {option.label}
            </button>
          ))}
        </div>
      </div>
      <figure className="chart-figure">
        <figcaption className="section-note">
          {mounted ? `${money(totalRevenue)} net from ${formatNumber(totalOrders, locale)} orders, ${selected.description}.` : `Loading the ${selected.description}…`}
        </figcaption>
        <div className="chart-box" aria-hidden="true">
          {mounted ? <RevenuePlot points={points} money={money} locale={locale} /> : null}
        </div>
      </figure>
    </section>
  );
}

function RevenuePlot({ points, money, locale }: { points: ChartPoint[]; money: (major: number) => string; locale: string }) {
  const series: ChartSeries[] = [
    { kind: "bar", name: "Orders", axis: "right", color: "var(--accent)", values: points.map((point) => point.orders) },
    { kind: "line", name: "Net revenue", axis: "left", color: "var(--ok)", values: points.map((point) => point.revenue) },
  ];
  return (
    <ComboChart
      labels={points.map((point) => point.label)}
      series={series}
      axes={{ left: { width: 56, format: (value) => formatNumber(value, locale) }, right: { width: 32, format: (value) => formatNumber(value, locale), integers: true } }}
      formatValue={(one, value) => (one.name === "Net revenue" ? money(value) : formatNumber(value, locale))}
    />
  );
}
