// The whole local stack a browser benchmark measures: an embedded PostgreSQL (database
// recreated), the Supabase stand-in with the Edge Functions and the database workers, the demo
// creators seeded, then the production build under `next start`, and Chromium signed in as the
// first demo creator. One place starts and stops it, so the mobile and dashboard benchmarks
// measure the same stack.
import os from "node:os";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { chromium, type Browser, type Page } from "playwright-core";
import type { ChildProcess } from "node:child_process";
import { generateTokenEncryptionKey } from "../../src/core/shops/token-encryption.ts";
import { prepareDatabase } from "../../supabase/local/database.ts";
import { DEMO_PASSWORD, seedDemoData } from "../../supabase/local/demo-seed.ts";
import { startSupabaseStandIn, type SupabaseStandIn } from "../../supabase/local/stand-in/index.ts";
import { buildApp, startApp, stopProcessGroup, waitForHttp } from "./app-server.ts";
import { log } from "./measure.ts";

const root = path.resolve(import.meta.dirname, "../..");

/** The TikTok app credentials the stand-in's Edge Functions verify webhooks with. */
export const BENCH_TIKTOK_APP = { key: "test_app_key", secret: "test_app_secret" };

export interface BenchStackOptions {
  /** Names the embedded cluster and its database: `postgres-bench-<name>`, `creatorflow_bench_<name>`. */
  name: string;
  dbPort: number;
  supabasePort: number;
  appPort: number;
  /** Connections in the benchmark's own pool. */
  sqlMax: number;
}

export interface BenchStack {
  databaseUrl: string;
  sql: Sql;
  standIn: SupabaseStandIn;
  browser: Browser;
  appUrl: string;
  /** `next build` (skipped with BENCH_SKIP_BUILD=1) and `next start`, answering /api/health. */
  startApp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const database = await prepareDatabase({
    port: options.dbPort,
    name: `postgres-bench-${options.name}`,
    database: `creatorflow_bench_${options.name}`,
    recreate: true,
    ephemeral: true,
    log: (line) => log(line.trimEnd()),
  });
  const sql = postgres(database.url, { max: options.sqlMax, onnotice: () => {} });
  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    port: options.supabasePort,
    // The e2e's keys directory, so one build (its inlined NEXT_PUBLIC_* values) serves both.
    keysDir: path.join(os.tmpdir(), "creatorflow-e2e-supabase-keys"),
    functions: { dir: path.join(root, "supabase/functions"), env: { TIKTOK_APP_KEY: BENCH_TIKTOK_APP.key, TIKTOK_APP_SECRET: BENCH_TIKTOK_APP.secret, FULFILMENT_PROVIDERS: "simulated" } },
    // Appends wake process-events through the pg_net and pg_cron stand-ins, as in production.
    databaseWorkers: true,
    log: () => {},
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const appUrl = `http://127.0.0.1:${options.appPort}`;
  let app: ChildProcess | undefined;
  const stop = async () => {
    await browser.close();
    if (app) await stopProcessGroup(app);
    await standIn.stop();
    await sql.end({ timeout: 5 });
    await database.stop();
  };
  try {
    // The benchmarks call no TikTok API: a throwaway key seals the demo shops' credentials.
    await seedDemoData(sql, { tokenEncryptionKey: generateTokenEncryptionKey() });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    databaseUrl: database.url,
    sql,
    standIn,
    browser,
    appUrl,
    async startApp() {
      const appEnv = { NEXT_PUBLIC_SUPABASE_URL: standIn.url, NEXT_PUBLIC_SUPABASE_ANON_KEY: standIn.anonKey, SUPABASE_SERVICE_ROLE_KEY: standIn.serviceRoleKey };
      if (process.env.BENCH_SKIP_BUILD !== "1") await buildApp(appEnv);
      app = startApp(options.appPort, { ...appEnv, DATABASE_URL: database.url });
      await waitForHttp(`${appUrl}/api/health`);
    },
    stop,
  };
}

/** Signs the first demo creator in on `page` and waits for the dashboard to go live. */
export async function signInToDashboard(page: Page, appUrl: string): Promise<void> {
  await page.goto(`${appUrl}/sign-in?next=/dashboard`);
  await page.getByLabel("Email").fill("creator1@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/dashboard");
  await page.getByTestId("connection-status").getByText("Live").waitFor();
}
