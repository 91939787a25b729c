// Small helpers shared by the benchmarks: timed concurrent workers, percentiles, and
// the stdout/stderr split (JSON lines on stdout, everything else on stderr).

export interface Measurement {
  /** Operations run (appends, reads). */
  operations: number;
  elapsedMs: number;
  /** Latency of every operation, in milliseconds, sorted ascending. */
  latenciesMs: Float64Array;
}

/**
 * Runs `total` operations with `concurrency` workers pulling the next index from a
 * shared counter, timing each one. The counter (rather than fixed slices per worker)
 * keeps every worker busy until the end, so the elapsed time is not set by one slow slice.
 */
export async function runTimed(total: number, concurrency: number, operation: (index: number) => Promise<unknown>): Promise<Measurement> {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < total; index = next++) {
      const started = performance.now();
      await operation(index);
      latencies[index] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const elapsedMs = performance.now() - started;
  latencies.sort();
  return { operations: total, elapsedMs, latenciesMs: latencies };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** One result line on stdout: the only thing a benchmark writes there. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
