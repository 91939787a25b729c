// Playwright global setup: a throwaway embedded Postgres with every migration applied,
// the local Supabase stand-in (Auth, Realtime, the tiktok-webhook and process-events Edge
// Functions in Deno, the pg_net and pg_cron workers, so appends wake process-events as in
// production) with the demo users, the TikTok Shop simulator's API, a production
// build of the app (`next build`, skipped with E2E_SKIP_BUILD=1 when one is already
// there: the stand-in keeps its port and keys between runs so the inlined
// NEXT_PUBLIC_* values stay right), and `next start`. Returns the teardown.
//
// The specs run in worker processes and cannot reach the stand-in object, so a small
// control server (E2E_CONTROL_URL) lets them stop and restart its Realtime.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import postgres from "postgres";
import { prepareDatabase } from "../../supabase/local/database.ts";
import { seedDemoData } from "../../supabase/local/demo-seed.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../src/simulator/api-server.ts";
import { startSupabaseStandIn, type SupabaseStandIn } from "../../supabase/local/stand-in/index.ts";
import { generateTokenEncryptionKey } from "../../src/core/shops/token-encryption.ts";
import webpush from "web-push";
import { vapidEnv } from "../../supabase/local/web-push-keys.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const nextBin = path.join(repoRoot, "node_modules", ".bin", "next");
const tsxBin = path.join(repoRoot, "node_modules", ".bin", "tsx");
const serverLogFile = path.join(repoRoot, "test-results", "e2e-next-server.log");
const standInLogFile = path.join(repoRoot, "test-results", "e2e-supabase-stand-in.log");
/** The webhook fixtures' app credentials, as the dev stack and the simulator use them. */
const E2E_TIKTOK_APP_KEY = "test_app_key";
const E2E_TIKTOK_APP_SECRET = "test_app_secret";
const E2E_SHOPIFY_API_KEY = "e2e_shopify_key";
const E2E_SHOPIFY_API_SECRET = "e2e_shopify_secret";
const SERVER_START_TIMEOUT_MS = 60_000;

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const baseURL = new URL(String(config.projects[0]?.use.baseURL));
  await assertPortFree(Number(baseURL.port));

  // The specs start from an empty store (the empty state is part of what they check),
  // so the e2e always gets a database of its own, even when DATABASE_URL names another.
  const sharedDatabaseUrl = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  const dbPort = Number(process.env.E2E_DB_PORT ?? 24343);
  const database = await prepareDatabase({
    port: dbPort,
    name: `postgres-e2e-${dbPort}`,
    ephemeral: true,
    database: "creatorflow_e2e",
    recreate: true,
  }).finally(() => {
    if (sharedDatabaseUrl !== undefined) process.env.DATABASE_URL = sharedDatabaseUrl;
  });
  // Read by the specs, which run in worker processes that inherit this environment.
  process.env.E2E_DATABASE_URL = database.url;

  let server: ChildProcess | undefined;
  let standIn: SupabaseStandIn | undefined;
  let control: http.Server | undefined;
  let tiktok: TikTokShopSimulator | undefined;
  const stopAll = async () => {
    if (server) await stopProcessGroup(server);
    if (control) await new Promise((resolve) => control!.close(resolve));
    if (standIn) await standIn.stop();
    if (tiktok) await tiktok.close();
    await database.stop();
  };
  try {
    const supabasePort = Number(process.env.E2E_SUPABASE_PORT ?? 24361);
    await assertPortFree(supabasePort);
    mkdirSync(path.dirname(standInLogFile), { recursive: true });
    const standInLog = createWriteStream(standInLogFile);
    // TikTok's side of the API, for the saga and reconciliation: the simulator's demo shops are the seed's.
    // Its consent page sends the browser back to this app's callback, as TikTok does to the registered redirect URL.
    tiktok = await startTikTokShopSimulator({
      port: 0,
      appKey: E2E_TIKTOK_APP_KEY,
      appSecret: E2E_TIKTOK_APP_SECRET,
      creators: 6,
      redirectUri: new URL("/api/tiktok/callback", baseURL).toString(),
    });
    // The database is new every run, so a new key every run: nothing sealed with another survives.
    const tiktokEnv = {
      TIKTOK_APP_KEY: E2E_TIKTOK_APP_KEY,
      TIKTOK_APP_SECRET: E2E_TIKTOK_APP_SECRET,
      TIKTOK_API_BASE_URL: tiktok.url,
      TIKTOK_AUTH_BASE_URL: tiktok.url,
      TIKTOK_TOKEN_ENCRYPTION_KEY: generateTokenEncryptionKey(),
    };
    // A Shopify app pair for the shopify-webhook function; the channel spec signs its deliveries with the secret.
    const shopifyEnv = { SHOPIFY_API_KEY: E2E_SHOPIFY_API_KEY, SHOPIFY_API_SECRET: E2E_SHOPIFY_API_SECRET };
    // A fresh VAPID pair per run: the app hands devices the public key, process-events signs with the private one.
    const pushEnv = vapidEnv(webpush.generateVAPIDKeys());
    standIn = await startSupabaseStandIn({
      databaseUrl: database.url,
      port: supabasePort,
      // Kept between runs (not in the repo): a reused build has these keys inlined.
      keysDir: path.join(os.tmpdir(), "creatorflow-e2e-supabase-keys"),
      functions: {
        dir: path.join(repoRoot, "supabase/functions"),
        env: { ...tiktokEnv, ...shopifyEnv, ...pushEnv, FULFILMENT_PROVIDERS: "simulated" },
      },
      databaseWorkers: true,
      signUpEnabled: true,
      // Every spec signs in from 127.0.0.1; config.toml's per-IP limit is for people.
      signInGuard: { signInsPerIpPer5Minutes: 1_000 },
      log: (line) => standInLog.write(`${line}\n`),
    });
    const seedSql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await seedDemoData(seedSql, { tokenEncryptionKey: tiktokEnv.TIKTOK_TOKEN_ENCRYPTION_KEY });
    } finally {
      await seedSql.end({ timeout: 5 });
    }
    process.env.E2E_SUPABASE_URL = standIn.url;
    process.env.E2E_SUPABASE_ANON_KEY = standIn.anonKey;
    process.env.E2E_WEBHOOK_URL = `${standIn.url}/functions/v1/tiktok-webhook`;
    process.env.E2E_TIKTOK_APP_KEY = E2E_TIKTOK_APP_KEY;
    process.env.E2E_TIKTOK_APP_SECRET = E2E_TIKTOK_APP_SECRET;
    process.env.E2E_SHOPIFY_WEBHOOK_URL = `${standIn.url}/functions/v1/shopify-webhook`;
    process.env.E2E_SHOPIFY_API_SECRET = E2E_SHOPIFY_API_SECRET;
    // The connect spec opens the sealed tokens to look for them where they must not be.
    process.env.E2E_TIKTOK_TOKEN_ENCRYPTION_KEY = tiktokEnv.TIKTOK_TOKEN_ENCRYPTION_KEY;
    control = await startControlServer(standIn);
    process.env.E2E_CONTROL_URL = `http://127.0.0.1:${(control.address() as net.AddressInfo).port}`;

    const appEnv = {
      NEXT_PUBLIC_SUPABASE_URL: standIn.url,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: standIn.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: standIn.serviceRoleKey,
      // Connecting a shop: the callback exchanges the code with the simulator and lists the seller's shops.
      ...tiktokEnv,
      ...pushEnv,
    };
    if (process.env.E2E_SKIP_BUILD !== "1") {
      await runToCompletion(nextBin, ["build"], appEnv);
      await runToCompletion(tsxBin, ["scripts/build-service-worker.ts"], appEnv);
    }
    server = startNextServer(baseURL, database.url, appEnv);
    await waitUntilServing(new URL("/api/health", baseURL), server);
  } catch (error) {
    await stopAll();
    throw error;
  }

  return stopAll;
}

/** POST /realtime/stop and /realtime/start: what a Realtime outage looks like to the browser. */
async function startControlServer(standIn: SupabaseStandIn): Promise<http.Server> {
  const control = http.createServer((request, response) => {
    if (request.method === "POST" && request.url === "/realtime/stop") standIn.realtime.stop();
    else if (request.method === "POST" && request.url === "/realtime/start") standIn.realtime.start();
    else {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  return control;
}

function startNextServer(baseURL: URL, databaseUrl: string, appEnv: Record<string, string>): ChildProcess {
  mkdirSync(path.dirname(serverLogFile), { recursive: true });
  const log = createWriteStream(serverLogFile);
  const server = spawn(nextBin, ["start", "--port", baseURL.port, "--hostname", baseURL.hostname], {
    cwd: repoRoot,
    env: { ...process.env, ...appEnv, DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: "1" },
    // Its own process group, so teardown stops next and every worker it forked.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  return server;
}

async function runToCompletion(command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "inherit",
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.join(" ")} exited with ${code}`);
}

async function waitUntilServing(url: URL, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`next start exited with ${server.exitCode}; see ${serverLogFile}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`next start did not answer ${url} within ${SERVER_START_TIMEOUT_MS / 1000} s; see ${serverLogFile}`);
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const groupId = -child.pid;
  signalGroup(groupId, "SIGTERM");
  const forced = setTimeout(() => signalGroup(groupId, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(forced);
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(groupId, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () =>
      reject(new Error(`Port ${port} is in use; stop what listens there or set E2E_PORT to another port`)),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}
