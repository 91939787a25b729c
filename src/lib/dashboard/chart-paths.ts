// SVG path data for the dashboard's charts: straight segments through each run of points that
// have a value, and a band between two such runs. d3-shape draws the same for linear curves,
// but its builders and d3-path were the 2.5 KB (compressed) that put the dashboard's
// JavaScript over its 250 KB budget on a phone (docs/BENCHMARKS.md, `dashboard_mobile`), and
// straight lines need nothing of them.

export type ChartPoint = readonly [x: number, y: number];

/** A line through the points, broken where a point is null (no value in that bucket). */
export function linePath(points: readonly (ChartPoint | null)[]): string {
  return runsOf(points)
    .map((run) => run.map(([x, y], index) => `${index === 0 ? "M" : "L"}${x},${y}`).join(""))
    .join("");
}

/** The area between upper and lower points of the same x, closed per run of buckets where both have a value. */
export function bandPath(upper: readonly (ChartPoint | null)[], lower: readonly (ChartPoint | null)[]): string {
  const pairs = upper.map((top, index) => (top !== null && lower[index] !== null ? ([top, lower[index]] as const) : null));
  return runsOf(pairs)
    .map((run) => {
      const top = run.map(([point]) => point);
      const bottom = run.map(([, point]) => point).reverse();
      return `${linePath(top)}${bottom.map(([x, y]) => `L${x},${y}`).join("")}Z`;
    })
    .join("");
}

/** The runs of consecutive non-null items. */
function runsOf<T>(items: readonly (T | null)[]): T[][] {
  const runs: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    if (item === null) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push(item);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
