// npm test — every suite the project has, in one command: Vitest (unit, integration
// against real Postgres), the Deno suites of the Edge Functions, and the browser tests.
// Ends with one "N passed, N failed" line summing all of them.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { prepareDatabase } from "../supabase/local/database.ts";
import { denoTotals, playwrightTotals, vitestTotals, type PlaywrightReport, type VitestReport } from "./test-totals.ts";

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
  rmSync(report, { force: true });
  const { exitCode } = await run(path.join(root, "node_modules/.bin/vitest"), [
    "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`,
  ]);
  const summary = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as VitestReport) : undefined;
  const { passed, failed, unloadedFiles } = vitestTotals(summary, exitCode);
  for (const file of unloadedFiles) console.error(`vitest: ${path.relative(root, file)} failed to load or run`);
  return { suite: "vitest", passed, failed, exitCode };
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
  // And as `deploy --use-api` uploads them (npm run functions:bundle), each with its own
  // deno.json; --node-modules-dir=manual serves its npm: versions from node_modules, offline.
  const { bundleFunctions } = await import("./bundle-functions.ts");
  for (const bundled of bundleFunctions()) {
    const config = path.join(bundled.dir, "deno.json");
    const bundledCheck = await run(path.join(root, "node_modules/.bin/deno"), ["check", "--node-modules-dir=manual", "--config", config, bundled.entrypoint]);
    if (bundledCheck.exitCode !== 0) return { suite: "deno check", passed: 0, failed: 1, exitCode: bundledCheck.exitCode };
  }
  // The functions' own suites run against a real database too: DATABASE_URL, or a fresh embedded one.
  // Next to the Vitest database (TEST_DB_PORT, default 24332), so parallel checkouts given their own ports do not collide.
  const database = await prepareDatabase({ port: Number(process.env.TEST_DB_PORT ?? 24332) + 1, name: "postgres-test-deno", ephemeral: true, database: "creatorflow_deno", recreate: true });
  const { exitCode, output } = await run(path.join(root, "node_modules/.bin/deno"), ["test", "--allow-all", testsDir], {
    DATABASE_URL: database.url,
  }).finally(() => database.stop());
  return { suite: "deno", ...denoTotals(output, exitCode), exitCode };
}

async function browser(): Promise<SuiteResult> {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    console.error(`playwright: no Chromium at ${chromium}; install Debian's with \`apt-get install chromium\` (as root), or set CHROMIUM_PATH`);
    return { suite: "playwright", passed: 0, failed: 1, exitCode: 1 };
  }
  const report = path.join(resultsDir, "playwright.json");
  rmSync(report, { force: true });
  const { exitCode } = await run(path.join(root, "node_modules/.bin/playwright"), ["test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
  });
  const summary = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as PlaywrightReport) : undefined;
  return { suite: "playwright", ...playwrightTotals(summary, exitCode), exitCode };
}

/** A suite that cannot even start (Postgres will not run, say) is one failure with one clear line. */
async function guarded(suite: string, start: () => Promise<SuiteResult | undefined>): Promise<SuiteResult[]> {
  try {
    const result = await start();
    return result ? [result] : [];
  } catch (error) {
    console.error(`${suite}: could not run: ${error instanceof Error ? error.message : String(error)}`);
    return [{ suite, passed: 0, failed: 1, exitCode: 1 }];
  }
}

const results: SuiteResult[] = [
  ...(await guarded("vitest", vitest)),
  ...(await guarded("deno", denoFunctions)),
  ...(await guarded("playwright", browser)),
];

const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
for (const result of results) console.log(`${result.suite}: ${result.passed} passed, ${result.failed} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.some((result) => result.exitCode !== 0) || failed > 0 ? 1 : 0);
