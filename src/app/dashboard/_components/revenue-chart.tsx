"use client";

import { addDays, addHours, format, parseISO, startOfHour, subHours } from "date-fns";
import dynamic from "next/dynamic";
import { useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { SeriesPoint } from "@/lib/dashboard/dashboard-types.ts";
import { currencyDigits, formatMoney, formatNumber } from "@/lib/dashboard/formatting.ts";

// The chart library is most of the dashboard's JavaScript: it loads on its own, once the chart
// is (nearly) on screen, so a phone's first load carries none of it. The box keeps its
// height meanwhile, so nothing moves when it arrives.
const RevenueChartPlot = dynamic(() => import("./revenue-chart-plot.tsx").then((module) => module.RevenueChartPlot), { ssr: false, loading: () => null });

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

/** Every bucket of the range, zero-filled, so quiet hours show as gaps rather than vanish. */
export function chartPoints(range: ChartRange, hourly: SeriesPoint[], daily: SeriesPoint[], today: string, now: Date, digits: number): ChartPoint[] {
  const scale = 10 ** digits;
  if (range === "24h") {
    const byHour = new Map(hourly.map((point) => [new Date(point.bucketStart).getTime(), point]));
    const first = subHours(startOfHour(now), 23);
    return Array.from({ length: 24 }, (_, index) => {
      const at = addHours(first, index);
      const point = byHour.get(at.getTime());
      return { label: format(at, "HH:mm"), revenue: (point?.netMinor ?? 0) / scale, orders: point?.orders ?? 0 };
    });
  }
  const days = range === "7d" ? 7 : 30;
  const byDay = new Map(daily.map((point) => [point.bucketStart.slice(0, 10), point]));
  // Buckets are UTC days: walk calendar dates (parsed as local midnights) and key them by their YYYY-MM-DD.
  const first = addDays(parseISO(today), -(days - 1));
  return Array.from({ length: days }, (_, index) => {
    const day = addDays(first, index);
    const point = byDay.get(format(day, "yyyy-MM-dd"));
    return { label: format(day, "MMM d"), revenue: (point?.netMinor ?? 0) / scale, orders: point?.orders ?? 0 };
  });
}

export function RevenueChart({ hourly, daily, today, currency, locale }: { hourly: SeriesPoint[]; daily: SeriesPoint[]; today: string; currency: string | null; locale: string }) {
  const [range, setRange] = useState<ChartRange>("24h");
  // Recharts measures the DOM, and bucket labels depend on the viewer's time zone: draw after hydration.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const box = useRef<HTMLDivElement>(null);
  const inView = useNearViewport(box);
  const digits = currency ? currencyDigits(currency, locale) : 2;
  const points = useMemo(() => (mounted ? chartPoints(range, hourly, daily, today, new Date(), digits) : []), [mounted, range, hourly, daily, today, digits]);
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
        <div className="chart-box" aria-hidden="true" ref={box}>
          {mounted && inView ? <RevenueChartPlot points={points} money={money} locale={locale} /> : null}
        </div>
      </figure>
    </section>
  );
}

/** Whether the element has come within a screen of the viewport (true at once where IntersectionObserver is missing). */
function useNearViewport(ref: RefObject<HTMLElement | null>): boolean {
  const [near, setNear] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === "undefined") {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          setNear(true);
          observer.disconnect();
        }
      },
      { rootMargin: "100% 0px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return near;
}
