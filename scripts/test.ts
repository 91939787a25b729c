// npm test — every suite the project has, in one command: Vitest (unit, integration
// against real Postgres), the Deno suites of the Edge Functions, and the browser tests.
// Ends with one "N passed, N failed" line summing all of them.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { prepareDatabase } from "../supabase/local/database.ts";

const root = path.resolve(import.meta.dirname, "..");
const resultsDir = path.join(root, "test-results");
mkdirSync(resultsDir, { recursive: true });

interface SuiteResult {
  suite: string;
  passed: number;
  failed: number;
  exitCode: number;
}

function run(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("close", (code) => resolve({ exitCode: code ?? 1, output }));
  });
}

async function vitest(): Promise<SuiteResult> {
  const report = path.join(resultsDir, "vitest.json");
  const { exitCode } = await run(path.join(root, "node_modules/.bin/vitest"), [
    "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`,
  ]);
  const summary = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number }) : undefined;
  return { suite: "vitest", passed: summary?.numPassedTests ?? 0, failed: summary?.numFailedTests ?? (exitCode ? 1 : 0), exitCode };
}

async function denoFunctions(): Promise<SuiteResult | undefined> {
  const testsDir = path.join(root, "supabase/functions/tests");
  if (!existsSync(testsDir) || readdirSync(testsDir).every((entry) => !entry.endsWith(".ts"))) return undefined;
  // Type-check every function as deployed (tsconfig leaves supabase/functions to Deno).
  const entrypoints = readdirSync(path.join(root, "supabase/functions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, "supabase/functions", entry.name, "index.ts")))
    .map((entry) => `supabase/functions/${entry.name}/index.ts`);
  const check = await run(path.join(root, "node_modules/.bin/deno"), ["check", ...entrypoints]);
  if (check.exitCode !== 0) return { suite: "deno check", passed: 0, failed: 1, exitCode: check.exitCode };
  // The functions' own suites run against a real database too: DATABASE_URL, or a fresh embedded one.
  const database = await prepareDatabase({ port: 54333, name: "postgres-test-deno", ephemeral: true, database: "creatorflow_deno", recreate: true });
  const { exitCode, output } = await run(path.join(root, "node_modules/.bin/deno"), ["test", "--allow-all", testsDir], {
    DATABASE_URL: database.url,
  }).finally(() => database.stop());
  const summary = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output.replace(/\x1b\[[0-9;]*m/g, ""));
  return { suite: "deno", passed: Number(summary?.[1] ?? 0), failed: Number(summary?.[2] ?? (exitCode ? 1 : 0)), exitCode };
}

async function browser(): Promise<SuiteResult> {
  const report = path.join(resultsDir, "playwright.json");
  const { exitCode } = await run(path.join(root, "node_modules/.bin/playwright"), ["test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
  });
  const stats = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number } }).stats
    : undefined;
  return {
    suite: "playwright",
    passed: stats ? stats.expected + stats.flaky : 0,
    failed: stats?.unexpected ?? (exitCode ? 1 : 0),
    exitCode,
  };
}

const results: SuiteResult[] = [];
results.push(await vitest());
const deno = await denoFunctions();
if (deno) results.push(deno);
results.push(await browser());

const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
for (const result of results) console.log(`${result.suite}: ${result.passed} passed, ${result.failed} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.some((result) => result.exitCode !== 0) || failed > 0 ? 1 : 0);
