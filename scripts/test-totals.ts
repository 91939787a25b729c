// How `npm test` counts each runner's report into its closing "N passed, N failed" line.
// A runner that crashed, could not load a file, or exited non-zero with no report adds a
// failure of its own: a red run never closes on "0 failed".

export interface Totals {
  passed: number;
  failed: number;
  /** Files that failed to load or run, by name, for one line each. */
  unloadedFiles: string[];
}

export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

export interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number };
  errors: unknown[];
}

/** The runner's own failures, plus at least one when it exited non-zero without any. */
export function countedFailures(reported: number | undefined, exitCode: number): number {
  if (reported === undefined) return exitCode !== 0 ? 1 : 0;
  return exitCode !== 0 && reported === 0 ? 1 : reported;
}

export function vitestTotals(report: VitestReport | undefined, exitCode: number): Totals {
  // A file that throws on import has no failed test, only a failed status: count it.
  const unloadedFiles = (report?.testResults ?? [])
    .filter((file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"))
    .map((file) => file.name);
  const failed = report ? report.numFailedTests + unloadedFiles.length : undefined;
  return { passed: report?.numPassedTests ?? 0, failed: countedFailures(failed, exitCode), unloadedFiles };
}

export function denoTotals(output: string, exitCode: number): Totals {
  const summary = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output.replace(/\x1b\[[0-9;]*m/g, ""));
  return { passed: Number(summary?.[1] ?? 0), failed: countedFailures(summary ? Number(summary[2]) : undefined, exitCode), unloadedFiles: [] };
}

export function playwrightTotals(report: PlaywrightReport | undefined, exitCode: number): Totals {
  // Errors outside any test (global setup, a spec that fails to load) count as failures too.
  const failed = report ? report.stats.unexpected + report.errors.length : undefined;
  return { passed: report ? report.stats.expected + report.stats.flaky : 0, failed: countedFailures(failed, exitCode), unloadedFiles: [] };
}
