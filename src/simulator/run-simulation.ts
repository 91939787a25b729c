// One simulator run: serve the API, post the traffic, report. Used by scripts/simulate.ts.
import type { Sql } from "postgres";
import { signWebhook } from "../core/channels/tiktok-shop/webhook-signature.ts";
import { demoShops } from "./demo-catalogue.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "./api-server.ts";
import { describePlan, planSalesHistory, writeSalesHistory, type SalesHistoryReport } from "./sales-history.ts";
import { createShopWorld } from "./shop-world.ts";
import type { SimulatorOptions } from "./simulator-options.ts";
import { withDroppedWebhooks } from "./webhook-drops.ts";
import { sendWebhookTraffic, type WebhookSendReport } from "./webhook-sender.ts";
import { createWebhookTraffic } from "./webhook-traffic.ts";

export interface SimulationSummary {
  seed: number;
  startTime: number;
  clockSkewSeconds: number;
  target: string | null;
  api: { url: string; accepted: number; rejected: number; rejectedByReason: Record<string, number> } | null;
  creators: { name: string; shopId: string; shopCipher: string }[];
  rate: number;
  durationSeconds: number;
  delivery: WebhookSendReport | null;
  traffic: ReturnType<typeof createWebhookTraffic>["stats"];
  /** Notifications never delivered (--drop-rate), and how many orders they named. */
  dropped: { notifications: number; orders: number };
  /** The past sales written before the traffic (--history-days), with their labelled anomalies; planned only in a dry run. */
  history: SalesHistoryReport | null;
}

export interface SimulationHooks {
  log: (line: string) => void;
  /** Called with each signed delivery in a dry run. */
  printDelivery: (line: string) => void;
  signal?: AbortSignal;
  /** Where --history-days writes the past sales (the app's database); required for it unless a dry run. */
  database?: Sql;
}

export async function runSimulation(options: SimulatorOptions, hooks: SimulationHooks): Promise<SimulationSummary> {
  const shops = demoShops(options.creators);
  const world = createShopWorld(shops);
  // TikTok's skewed clock writes every webhook's times: the traffic starts that far off.
  const traffic = withDroppedWebhooks(createWebhookTraffic({ ...options, startTime: options.startTime + options.clockSkewSeconds, world }), options);
  const api = options.serveApi && !options.dryRun ? await startApi(options, world, hooks) : undefined;

  let history: SalesHistoryReport | null = null;
  let delivery: WebhookSendReport | null = null;
  try {
    if (options.historyDays > 0) history = await pastSales(options, shops, hooks);
    if (options.dryRun) await printDeliveries(options, traffic, hooks);
    else {
      hooks.log(`posting ${Math.floor(options.rate * options.durationSeconds)} webhooks to ${options.target} at ${options.rate}/s (seed ${options.seed})`);
      delivery = await sendWebhookTraffic({ ...options, traffic, ...(hooks.signal ? { signal: hooks.signal } : {}) });
      if (api !== undefined && options.lingerSeconds > 0 && !hooks.signal?.aborted) await lingerForFollowUpCalls(options, hooks);
    }
  } finally {
    await api?.close();
  }

  return {
    seed: options.seed,
    startTime: options.startTime,
    clockSkewSeconds: options.clockSkewSeconds,
    target: options.dryRun ? null : options.target,
    api: api === undefined ? null : { url: api.url, ...api.stats },
    creators: shops.map((shop) => ({ name: shop.creatorName, shopId: shop.shopId, shopCipher: shop.shopCipher })),
    rate: options.rate,
    durationSeconds: options.durationSeconds,
    delivery,
    traffic: traffic.stats,
    dropped: { notifications: traffic.drops.notifications, orders: traffic.drops.orderIds.size },
    history,
  };
}

async function startApi(options: SimulatorOptions, world: ReturnType<typeof createShopWorld>, hooks: SimulationHooks): Promise<TikTokShopSimulator> {
  const api = await startTikTokShopSimulator({
    port: options.apiPort,
    appKey: options.appKey,
    appSecret: options.appSecret,
    world,
    seed: options.seed,
    redirectUri: options.redirectUri,
    rateLimitErrorRate: options.rateLimitErrorRate,
    clockSkewSeconds: options.clockSkewSeconds,
    tokenLifetimes: { accessTokenSeconds: options.accessTokenTtlSeconds, refreshTokenSeconds: options.refreshTokenTtlSeconds },
  });
  hooks.log(`TikTok Shop API simulator on ${api.url}`);
  hooks.log(`connect a shop: ${api.url}/oauth/authorize?app_key=${encodeURIComponent(options.appKey)}&state=<state>, redirecting to ${options.redirectUri}`);
  return api;
}

/** --history-days: the past sales, planned, and written to the database unless a dry run. */
async function pastSales(options: SimulatorOptions, shops: ReturnType<typeof demoShops>, hooks: SimulationHooks): Promise<SalesHistoryReport> {
  // The history ends where the traffic begins: the simulated time of the first order.
  const plan = planSalesHistory(shops, { days: options.historyDays, anomalies: options.anomalies, seed: options.seed, now: new Date(options.startTime * 1000) });
  if (options.dryRun) return describePlan(plan, options.historyDays);
  if (!hooks.database) throw new Error("--history-days writes past sales into the app's database: no database was given");
  hooks.log(`writing ${options.historyDays} days of past sales (${plan.sales.length} orders) for ${shops.length} shop(s)`);
  return writeSalesHistory(hooks.database, plan, options.historyDays);
}

/** A dry run: each delivery, signed, printed instead of posted. */
async function printDeliveries(options: SimulatorOptions, traffic: { next(): { body: string } }, hooks: SimulationHooks): Promise<void> {
  const count = Math.floor(options.rate * options.durationSeconds);
  const encoder = new TextEncoder();
  for (let index = 0; index < count; index++) {
    const { body } = traffic.next();
    const authorization = await signWebhook({ appKey: options.appKey, appSecret: options.appSecret, rawBody: encoder.encode(body) });
    hooks.printDelivery(JSON.stringify({ authorization, body }));
  }
}

/** The API stays up --linger seconds after the last webhook, for the app's follow-up calls, or until aborted. */
async function lingerForFollowUpCalls(options: SimulatorOptions, hooks: SimulationHooks): Promise<void> {
  hooks.log(`webhooks sent; the API stays up ${options.lingerSeconds}s for follow-up calls (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.lingerSeconds * 1000);
    hooks.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
