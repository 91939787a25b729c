"use client";

import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatNumber } from "@/lib/dashboard/formatting.ts";
import type { ChartPoint } from "./revenue-chart.tsx";

/** The drawing of the revenue chart (recharts), loaded on its own by revenue-chart.tsx. */
export function RevenueChartPlot({ points, money, locale }: { points: ChartPoint[]; money: (major: number) => string; locale: string }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      {/* No keyboard layer: the figure is hidden from assistive technology (the caption says it in words), so nothing in it may take focus. */}
      <ComposedChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="label" tick={{ fill: "var(--text-muted)", fontSize: 12 }} minTickGap={16} />
        <YAxis yAxisId="revenue" tick={{ fill: "var(--text-muted)", fontSize: 12 }} width={56} tickFormatter={(value: number) => formatNumber(value, locale)} />
        <YAxis yAxisId="orders" orientation="right" allowDecimals={false} tick={{ fill: "var(--text-muted)", fontSize: 12 }} width={32} />
        <Tooltip
          contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", color: "var(--text)" }}
          formatter={(value, name) => (name === "Net revenue" ? money(Number(value)) : formatNumber(Number(value), locale))}
        />
        <Bar yAxisId="orders" dataKey="orders" name="Orders" fill="var(--accent-soft)" stroke="var(--accent)" isAnimationActive={false} />
        <Line yAxisId="revenue" dataKey="revenue" name="Net revenue" stroke="var(--ok)" strokeWidth={2} dot={false} isAnimationActive={false} />
      </ComposedChart>
    </ResponsiveContainer>
  );
}
