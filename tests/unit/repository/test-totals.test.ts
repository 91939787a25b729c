// npm test's closing line: real Vitest and Deno runs over small suites, one of which
// cannot load, must count that as a failure rather than as nothing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { countedFailures, denoTotals, playwrightTotals, vitestTotals, type VitestReport } from "../../../scripts/test-totals.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const fixtures = path.join(root, "tests/fixtures/test-runs");

function runVitest(): { report: VitestReport; exitCode: number } {
  const output = path.join(mkdtempSync(path.join(os.tmpdir(), "totals-")), "report.json");
  const run = spawnSync(path.join(root, "node_modules/.bin/vitest"), ["run", "--root", path.join(fixtures, "vitest"), "--config", path.join(fixtures, "vitest/vitest.config.ts"), "--reporter=json", `--outputFile.json=${output}`], {
    encoding: "utf8",
  });
  return { report: JSON.parse(readFileSync(output, "utf8")) as VitestReport, exitCode: run.status ?? 1 };
}

function runDeno(folder: string): { output: string; exitCode: number } {
  const run = spawnSync(path.join(root, "node_modules/.bin/deno"), ["test", "--no-check", path.join(fixtures, folder)], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { output: `${run.stdout}${run.stderr}`, exitCode: run.status ?? 1 };
}

// Each of the first two starts a whole test runner (a Vitest or Deno process), which takes
// more than the unit project's 5 s on a loaded machine.
const RUNNER_TIMEOUT_MS = 60_000;

describe("npm test's totals", () => {
  it("count a Vitest file that throws on import as a failure, beside the tests that passed", () => {
    const { report, exitCode } = runVitest();
    expect(exitCode).not.toBe(0);
    const totals = vitestTotals(report, exitCode);
    expect(totals.passed).toBe(1);
    expect(totals.failed).toBe(1);
    expect(totals.unloadedFiles.map((file) => path.basename(file))).toEqual(["throws-on-import.test.ts"]);
  }, RUNNER_TIMEOUT_MS);

  it("read Deno's summary, and count a suite that cannot load as one failure", () => {
    const ok = runDeno("deno-ok");
    expect(denoTotals(ok.output, ok.exitCode)).toMatchObject({ passed: 1, failed: 0 });
    const broken = runDeno("deno-broken");
    expect(broken.exitCode).not.toBe(0);
    expect(denoTotals(broken.output, broken.exitCode)).toMatchObject({ passed: 0, failed: 1 });
  }, RUNNER_TIMEOUT_MS);

  it("count Playwright's errors outside any test, and a runner with no report that exited non-zero", () => {
    expect(playwrightTotals({ stats: { expected: 3, unexpected: 0, flaky: 1 }, errors: [{ message: "global setup failed" }] }, 1)).toMatchObject({ passed: 4, failed: 1 });
    expect(playwrightTotals(undefined, 1)).toMatchObject({ passed: 0, failed: 1 });
    expect(countedFailures(0, 1)).toBe(1);
    expect(countedFailures(undefined, 0)).toBe(0);
    expect(countedFailures(2, 1)).toBe(2);
  });
});
