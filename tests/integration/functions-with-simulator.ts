// The Edge Functions in real Deno as production configures them (app credentials, TikTok's
// API, a token encryption key), against a database of the test file's own and the TikTok
// Shop simulator with one shop: for tests of process-events end to end. The simulator and
// the stand-in stop after the file's tests.
import path from "node:path";
import { afterAll } from "vitest";
import { generateTokenEncryptionKey } from "../../src/core/shops/token-encryption.ts";
import { startTikTokShopSimulator } from "../../src/simulator/api-server.ts";
import type { DemoShop } from "../../src/simulator/demo-catalogue.ts";
import { createShopWorld } from "../../src/simulator/shop-world.ts";
import { ownTestDatabase } from "./database.ts";
import { startTestStandIn } from "./stand-in/stand-in-harness.ts";

const functionsDir = path.resolve(import.meta.dirname, "../../supabase/functions");

export interface FunctionsWithSimulatorOptions {
  /** The file's own database: its name, its port offset from TEST_DB_PORT, and its pool size. */
  database: { name: string; portOffset: number; max: number };
  shop: DemoShop;
  appKey: string;
  appSecret: string;
  /** Run the pg_net and pg_cron workers (wake-ups and the safety net). */
  databaseWorkers?: boolean;
  /** More environment for the functions, over the production settings. */
  env?: Record<string, string>;
}

export async function startFunctionsWithSimulator(options: FunctionsWithSimulatorOptions) {
  const { appKey, appSecret } = options;
  const tokenEncryptionKey = generateTokenEncryptionKey();
  const { url: databaseUrl, sql } = await ownTestDatabase(options.database.name, options.database.portOffset, { max: options.database.max });
  const simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world: createShopWorld([options.shop]), rateLimitPerSecond: 10_000 });
  afterAll(() => simulator.close());
  const standIn = await startTestStandIn({
    databaseUrl,
    ...(options.databaseWorkers ? { databaseWorkers: true } : {}),
    functions: {
      dir: functionsDir,
      env: { TIKTOK_APP_KEY: appKey, TIKTOK_APP_SECRET: appSecret, TIKTOK_API_BASE_URL: simulator.url, TIKTOK_AUTH_BASE_URL: simulator.url, TIKTOK_TOKEN_ENCRYPTION_KEY: tokenEncryptionKey, ...options.env },
    },
  });
  return { sql, simulator, standIn, tokenEncryptionKey };
}
