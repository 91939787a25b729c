"use client";

// The dashboard's charts, drawn as plain SVG: bars, lines and an interval band over a row of
// buckets, on one or two value axes, with a reference line and a tooltip for the bucket under
// the pointer. A chart library (recharts, with redux, immer and most of d3) was over a third
// of the JavaScript a phone downloaded for the dashboard; this needs d3-array's nice ticks
// (about 1 KB) and straight paths (chart-paths.ts). Hidden from assistive technology: each chart's
// caption says what it shows in words.
import { nice, ticks } from "d3-array";
import { bandPath, linePath } from "@/lib/dashboard/chart-paths.ts";
import { useLayoutEffect, useRef, useState, type PointerEvent, type RefObject } from "react";

export type AxisSide = "left" | "right";

export type ChartSeries =
  | { kind: "bar" | "line"; name: string; axis: AxisSide; color: string; values: (number | null)[] }
  | { kind: "band"; name: string; axis: AxisSide; color: string; lower: (number | null)[]; upper: (number | null)[] };

export interface ChartAxis {
  width: number;
  format: (value: number) => string;
  /** Counts: no tick between whole numbers. */
  integers?: boolean;
}

export interface ChartReference {
  axis: AxisSide;
  value: number;
  label: string;
  color: string;
}

export interface ComboChartProps {
  labels: string[];
  series: ChartSeries[];
  axes: { left: ChartAxis; right?: ChartAxis };
  references?: ChartReference[];
  /** A value as the tooltip shows it. */
  formatValue: (series: ChartSeries, value: number) => string;
  /** The least room, in pixels, between two bucket labels on the x axis. */
  minLabelGap?: number;
}

const MARGIN = { top: 8, bottom: 22, edge: 8 };
const TICK_COUNT = 5;
const FONT_SIZE = 11;
/** A bucket label's width per character at FONT_SIZE, for spacing labels without measuring text. */
const CHAR_WIDTH = 6.5;

interface Scale {
  ticks: number[];
  at: (value: number) => number;
}

function valueScale(values: number[], axis: ChartAxis, top: number, bottom: number): Scale {
  const [min, max] = nice(Math.min(0, ...values), Math.max(1, ...values), TICK_COUNT);
  const at = (value: number) => bottom - ((value - min) / (max - min || 1)) * (bottom - top);
  const all = ticks(min, max, TICK_COUNT);
  return { at, ticks: axis.integers ? all.filter(Number.isInteger) : all };
}

function seriesValues(series: ChartSeries): number[] {
  const values = series.kind === "band" ? [...series.lower, ...series.upper] : series.values;
  return values.filter((value): value is number => value !== null);
}

export function ComboChart({ labels, series, axes, references = [], formatValue, minLabelGap = 16 }: ComboChartProps) {
  const [box, { width, height }] = useBoxSize();
  const [hovered, setHovered] = useState<number | null>(null);
  const left = axes.left.width;
  const right = width - (axes.right?.width ?? MARGIN.edge);
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const ready = width > left + MARGIN.edge && bottom > top && labels.length > 0;
  const scales: Record<AxisSide, Scale> = {
    left: valueScale(valuesOn("left", series, references), axes.left, top, bottom),
    right: valueScale(valuesOn("right", series, references), axes.right ?? axes.left, top, bottom),
  };
  const step = (right - left) / Math.max(1, labels.length);
  const centre = (index: number) => left + step * (index + 0.5);
  const labelEvery = Math.max(1, Math.ceil((Math.max(...labels.map((label) => label.length)) * CHAR_WIDTH + minLabelGap) / Math.max(step, 1)));
  const barWidth = Math.max(1, Math.min(step * 0.8, 32));

  const pointTo = (event: PointerEvent<SVGSVGElement>) => {
    const x = event.clientX - event.currentTarget.getBoundingClientRect().left;
    const index = Math.floor((x - left) / step);
    setHovered(index >= 0 && index < labels.length ? index : null);
  };

  return (
    <div className="combo-chart" ref={box}>
      {ready ? (
        <svg className="chart-surface" width={width} height={height} onPointerMove={pointTo} onPointerLeave={() => setHovered(null)}>
          <ValueAxes scales={scales} axes={axes} left={left} right={right} />
          {labels.map((label, index) =>
            index % labelEvery === 0 ? (
              <text key={`label-${index}`} x={centre(index)} y={height - 6} textAnchor="middle" fontSize={FONT_SIZE} fill="var(--text-muted)">
                {label}
              </text>
            ) : null,
          )}
          {hovered !== null ? <rect x={left + step * hovered} y={top} width={step} height={bottom - top} fill="var(--border)" opacity={0.5} /> : null}
          {series.map((one) => (
            <SeriesShape key={one.name} series={one} scale={scales[one.axis]} centre={centre} barWidth={barWidth} bottom={bottom} />
          ))}
          {references.map((reference) => (
            <g key={reference.label}>
              <line x1={left} x2={right} y1={scales[reference.axis].at(reference.value)} y2={scales[reference.axis].at(reference.value)} stroke={reference.color} strokeDasharray="4 4" />
              <text x={right - 4} y={scales[reference.axis].at(reference.value) - 4} textAnchor="end" fontSize={FONT_SIZE} fill={reference.color}>
                {reference.label}
              </text>
            </g>
          ))}
        </svg>
      ) : null}
      {ready && hovered !== null ? <ChartTooltip index={hovered} label={labels[hovered]!} series={series} formatValue={formatValue} x={centre(hovered)} width={width} /> : null}
    </div>
  );
}

/** The box's size in pixels, kept up to date as the layout changes (a phone turned, a panel opened). */
function useBoxSize(): [RefObject<HTMLDivElement | null>, { width: number; height: number }] {
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setSize({ width: element.clientWidth, height: element.clientHeight });
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [box, size];
}

/** Grid lines at the left axis's ticks, with their values; the right axis's values beside the plot. */
function ValueAxes({ scales, axes, left, right }: { scales: Record<AxisSide, Scale>; axes: ComboChartProps["axes"]; left: number; right: number }) {
  return (
    <g fontSize={FONT_SIZE} fill="var(--text-muted)">
      {scales.left.ticks.map((tick) => (
        <g key={`left-${tick}`}>
          <line x1={left} x2={right} y1={scales.left.at(tick)} y2={scales.left.at(tick)} stroke="var(--border)" strokeDasharray="3 3" />
          <text x={left - 4} y={scales.left.at(tick)} textAnchor="end" dominantBaseline="middle">
            {axes.left.format(tick)}
          </text>
        </g>
      ))}
      {axes.right
        ? scales.right.ticks.map((tick) => (
            <text key={`right-${tick}`} x={right + 4} y={scales.right.at(tick)} dominantBaseline="middle">
              {axes.right!.format(tick)}
            </text>
          ))
        : null}
    </g>
  );
}

function valuesOn(side: AxisSide, series: ChartSeries[], references: ChartReference[]): number[] {
  return [...series.filter((one) => one.axis === side).flatMap(seriesValues), ...references.filter((reference) => reference.axis === side).map((reference) => reference.value)];
}

function SeriesShape({ series, scale, centre, barWidth, bottom }: { series: ChartSeries; scale: Scale; centre: (index: number) => number; barWidth: number; bottom: number }) {
  const pointsOf = (values: (number | null)[]) => values.map((value, index) => (value === null ? null : ([centre(index), scale.at(value)] as const)));
  if (series.kind === "band") {
    return <path d={bandPath(pointsOf(series.upper), pointsOf(series.lower))} fill={series.color} fillOpacity={0.2} stroke="none" />;
  }
  if (series.kind === "line") {
    return <path d={linePath(pointsOf(series.values))} fill="none" stroke={series.color} strokeWidth={2} />;
  }
  const zero = Math.min(bottom, scale.at(0));
  return (
    <g fill={series.color} fillOpacity={0.45} stroke={series.color}>
      {series.values.map((value, index) =>
        value === null || value === 0 ? null : (
          <rect key={index} x={centre(index) - barWidth / 2} width={barWidth} y={Math.min(scale.at(value), zero)} height={Math.abs(zero - scale.at(value))} />
        ),
      )}
    </g>
  );
}

function ChartTooltip({ index, label, series, formatValue, x, width }: { index: number; label: string; series: ChartSeries[]; formatValue: ComboChartProps["formatValue"]; x: number; width: number }) {
  const rows = series.flatMap((one) => {
    if (one.kind === "band") {
      const [low, high] = [one.lower[index], one.upper[index]];
      return low == null || high == null ? [] : [{ name: one.name, color: one.color, text: `${formatValue(one, low)} – ${formatValue(one, high)}` }];
    }
    const value = one.values[index];
    return value == null ? [] : [{ name: one.name, color: one.color, text: formatValue(one, value) }];
  });
  // On the side of the pointer with more room, so it never runs off a phone's screen.
  const position = x < width / 2 ? { left: x + 12 } : { right: width - x + 12 };
  return (
    <div className="chart-tooltip" style={position}>
      <p className="chart-tooltip-label">{label}</p>
      {rows.map((row) => (
        <p key={row.name} style={{ color: row.color }}>
          {row.name}: {row.text}
        </p>
      ))}
    </div>
  );
}
