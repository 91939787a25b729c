// npm run dev — the whole local stack in one process tree: Postgres (embedded, or
// DATABASE_URL), migrations, the Supabase stand-in (Auth, Realtime, Edge Functions in
// Deno) on :54321, demo data, a simulated Shopify store of demo creator 1 on :54331 with its
// own storefront orders, and Next.js on http://localhost:3000. Ctrl-C stops all of it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { prepareDatabase } from "../supabase/local/database.ts";
import { DEMO_PASSWORD, demoUsers, seedDemoData } from "../supabase/local/demo-seed.ts";
import { startSupabaseStandIn, writeLocalEnvFile } from "../supabase/local/stand-in/index.ts";
import { loadOrCreateTokenEncryptionKey } from "../supabase/local/token-encryption-key.ts";
import { configureDeploymentEnvironment } from "../src/core/service-identity.ts";
import { loadOrCreateVapidKeys, vapidEnv } from "../supabase/local/web-push-keys.ts";
import { DEMO_SHOPIFY_STORE, startDemoShopifyStore } from "../supabase/local/demo-shopify-store.ts";

const root = path.resolve(import.meta.dirname, "..");
const APP_PORT = Number(process.env.PORT ?? 3000);
// The fixtures' test pair, so the shared sample webhooks and the simulator verify out of the box.
const TIKTOK_APP_KEY = process.env.TIKTOK_APP_KEY ?? "test_app_key";
const TIKTOK_APP_SECRET = process.env.TIKTOK_APP_SECRET ?? "test_app_secret";
// `npm run simulate` plays TikTok: its API and its auth host (consent page, tokens) on :54330.
const TIKTOK_API_BASE_URL = process.env.TIKTOK_API_BASE_URL ?? "http://127.0.0.1:54330";
const TIKTOK_AUTH_BASE_URL = process.env.TIKTOK_AUTH_BASE_URL ?? "http://127.0.0.1:54330";
// A local Shopify app pair, so the shopify-webhook function starts and verifies deliveries signed with it.
const shopifyEnv: Record<string, string> = { SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "test_shopify_key", SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "test_shopify_secret" };
// Storefront orders a minute on the demo Shopify store (0: none; the store is still connected).
const SHOPIFY_DEMO_ORDERS_PER_MINUTE = Number(process.env.SHOPIFY_DEMO_ORDERS_PER_MINUTE ?? 6);

// The demo seed's events name the deployment; Next.js and the functions name theirs from NODE_ENV alike.
configureDeploymentEnvironment(process.env.DEPLOYMENT_ENVIRONMENT ?? "development");

const stopActions: (() => Promise<void>)[] = [];
let stopping = false;

async function stopEverything(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nStopping the local stack...");
    // Reverse start order: the app first, the database last.
    for (const stop of stopActions.reverse()) {
      await stop().catch((error: unknown) => console.error(error));
    }
  }
  process.exit(exitCode);
}
process.on("SIGINT", () => void stopEverything(0));
process.on("SIGTERM", () => void stopEverything(0));

function startChild(name: string, command: string, args: string[], env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: "inherit" });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the stack.`);
      void stopEverything(code ?? 1);
    }
  });
  stopActions.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  );
  return child;
}

try {
  const database = await prepareDatabase({ log: (line) => console.log(`[db] ${line}`) });
  stopActions.push(() => database.stop());
  console.log(`[db] ${database.local ? "local PostgreSQL" : "DATABASE_URL"} ready, ${database.applied.length} migration(s) applied`);

  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  stopActions.push(() => sql.end({ timeout: 2 }));
  // Monthly partitions from the start; after that pg_cron's daily job keeps them ahead.
  await sql`select * from public.maintain_event_store_partitions(3)`;

  // Kept in the local state folder, so the sellers' tokens sealed in the local database open after a restart.
  const TIKTOK_TOKEN_ENCRYPTION_KEY = process.env.TIKTOK_TOKEN_ENCRYPTION_KEY ?? loadOrCreateTokenEncryptionKey();
  const tiktokEnv = { TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_API_BASE_URL, TIKTOK_AUTH_BASE_URL, TIKTOK_TOKEN_ENCRYPTION_KEY };
  // Web Push's VAPID keys: the environment's, or the local pair kept beside the token key.
  const pushEnv = process.env.WEB_PUSH_VAPID_PRIVATE_KEY ? {} : vapidEnv(loadOrCreateVapidKeys());

  // The demo's Shopify store, unless the environment names real stores' API: the functions and the app call it there.
  const demoStore = database.local && !process.env.SHOPIFY_API_BASE_URL ? await startDemoShopifyStore({ clientId: shopifyEnv.SHOPIFY_API_KEY!, clientSecret: shopifyEnv.SHOPIFY_API_SECRET! }) : null;
  if (demoStore) {
    stopActions.push(() => demoStore.stop());
    shopifyEnv.SHOPIFY_API_BASE_URL = demoStore.url;
  }

  const standIn = await startSupabaseStandIn({
    databaseUrl: database.url,
    functions: {
      dir: path.join(root, "supabase/functions"),
      // The simulated carrier for orders the seller ships: only the local stack sets this (process-events refuses it unless TikTok's API is a local simulator).
      env: { ...tiktokEnv, ...shopifyEnv, ...pushEnv, FULFILMENT_PROVIDERS: "simulated" },
    },
    // pg_net and pg_cron, as on a hosted project: appends wake process-events at once.
    databaseWorkers: database.local,
    // Self-service creator accounts at /sign-up; locally without email confirmation (README: Sign-up).
    signUpEnabled: true,
    log: (line) => console.log(`[supabase] ${line}`),
  });
  stopActions.push(() => standIn.stop());
  writeLocalEnvFile(path.join(root, ".env.local"), { url: standIn.url, anonKey: standIn.anonKey, serviceRoleKey: standIn.serviceRoleKey });

  if (database.local) {
    await seedDemoData(sql, { tokenEncryptionKey: TIKTOK_TOKEN_ENCRYPTION_KEY });
    console.log(`[seed] demo users (password ${DEMO_PASSWORD}): ${demoUsers.map((user) => user.email).join(", ")}`);
  }
  if (demoStore) {
    const linked = await demoStore.connect(sql, TIKTOK_TOKEN_ENCRYPTION_KEY);
    demoStore.startTraffic({ webhookUrl: `${standIn.url}/functions/v1/shopify-webhook`, ordersPerMinute: SHOPIFY_DEMO_ORDERS_PER_MINUTE });
    console.log(`[shopify] ${DEMO_SHOPIFY_STORE} (${demoStore.url}) connected to creator1@example.com, ${linked} SKUs shared with the TikTok shop, ${SHOPIFY_DEMO_ORDERS_PER_MINUTE} orders/min`);
  }

  startChild("Next.js", path.join(root, "node_modules/.bin/next"), ["dev", "--port", String(APP_PORT), "--hostname", "127.0.0.1"], {
    DATABASE_URL: database.url,
    NEXT_PUBLIC_SUPABASE_URL: standIn.url,
    NEXT_PUBLIC_SUPABASE_ANON_KEY: standIn.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: standIn.serviceRoleKey,
    // Connecting a shop (/api/tiktok/connect) exchanges the code and lists the seller's shops.
    ...tiktokEnv,
    ...shopifyEnv,
    ...pushEnv,
  });
  console.log(`
CreatorFlow Sync      http://localhost:${APP_PORT}
Supabase (local)      ${standIn.url}
  anon key            ${standIn.anonKey}
  service role key    ${standIn.serviceRoleKey}
TikTok webhooks       ${standIn.url}/functions/v1/tiktok-webhook
Shopify webhooks      ${standIn.url}/functions/v1/shopify-webhook${demoStore ? `  (demo store ${DEMO_SHOPIFY_STORE}, ${demoStore.url})` : ""}
Simulated traffic     npm run simulate   (in a second terminal)
`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stopEverything(1);
}
