// Command-line options of `npm run simulate`, parsed and checked in one place.
import { parseArgs } from "node:util";
import { defaultRedirectUri } from "./api-server.ts";
import { maxDemoCreators } from "./demo-catalogue.ts";
import { MAX_HISTORY_DAYS } from "./sales-history.ts";

export interface SimulatorOptions {
  target: string;
  rate: number;
  durationSeconds: number;
  creators: number;
  seed: number;
  /** Simulated time of the first order, seconds since the epoch. */
  startTime: number;
  /** How far TikTok's clock runs ahead of ours (negative: behind), seconds: shifts webhook and API times. */
  clockSkewSeconds: number;
  duplicateRate: number;
  reorderRate: number;
  /** Share of notifications never delivered, 0 to below 1; their orders are still found by the order search. */
  dropRate: number;
  apiPort: number;
  /** Share of API calls refused with HTTP 429 regardless of the per-second limit, 0-1. */
  rateLimitErrorRate: number;
  /** Where the consent page's Authorize button redirects, with `code` and `state`. */
  redirectUri: string;
  /** Lifetime of the access tokens the token endpoints issue. */
  accessTokenTtlSeconds: number;
  /** Lifetime of an authorization's refresh tokens, counted from the seller's consent. */
  refreshTokenTtlSeconds: number;
  serveApi: boolean;
  /** Seconds the API keeps serving after the last webhook, for the app's follow-up calls. */
  lingerSeconds: number;
  /** After this many orders one SKU per shop goes viral (see webhook-traffic.ts); undefined: never. */
  viralAfterOrders?: number;
  /** Days of past sales written for the demo shops before the traffic starts (sales-history.ts); 0: none. */
  historyDays: number;
  /** Labelled spikes and drops in that history. */
  anomalies: boolean;
  dryRun: boolean;
  appKey: string;
  appSecret: string;
}

export const simulatorUsage = `Usage: npm run simulate -- [options]
  --target URL            webhook endpoint (default http://127.0.0.1:54321/functions/v1/tiktok-webhook)
  --rate N                webhooks per second (default 5)
  --duration S            seconds of traffic (default 60)
  --creators N            demo creators/shops, 1-${maxDemoCreators} (default 3)
  --seed N                traffic seed; same seed and start time give the same bodies (default: random)
  --start-time S|now      simulated time of the first order, unix seconds (default: 1764000000 with --seed, else now)
  --clock-skew S          TikTok's clock this many seconds ahead of ours, negative for behind (default 0):
                          shifts every time in webhooks and API answers
  --duplicate-rate R      share of deliveries sent twice, 0-1 (default 0.05)
  --reorder-rate R        share of deliveries held back to arrive late, 0-1 (default 0.1)
  --drop-rate R           share of notifications never delivered, 0 to below 1 (default 0); their
                          orders stay in TikTok's world and the order search finds them
  --api-port N            port of the simulated TikTok Shop API (default 54330)
  --rate-limit-error-rate R  share of API calls answered 429 whatever the rate, 0-1 (default 0)
  --redirect-uri URL      the app's redirect URL: the consent page sends the seller there with
                          code and state (default ${defaultRedirectUri})
  --access-token-ttl S    lifetime of issued access tokens, seconds (default 604800, 7 days)
  --refresh-token-ttl S   lifetime of an authorization's refresh tokens, seconds (default 31536000)
  --no-api                do not serve the API
  --linger S              keep the API up this long after the last webhook (default 30)
  --viral-after-orders N  after N orders a video goes viral: each shop's first SKU is in 90% of
                          orders and buyers arrive at live-session speed (a sales spike to watch)
  --history-days N        before the traffic, write N days (1-${MAX_HISTORY_DAYS}) of past sales for each linked demo
                          shop into DATABASE_URL (default: the local stack's database), dated when they sold,
                          with daily and weekly seasonality and a trend, so forecasts have data; once per creator
  --anomalies             with --history-days: inject labelled sales spikes and drops into that history (listed
                          in the summary's history.anomalies)
  --dry-run               print the signed deliveries as JSON lines instead of posting them
Credentials: TIKTOK_APP_KEY / TIKTOK_APP_SECRET (default test_app_key / test_app_secret).
Connecting a shop: open <api>/oauth/authorize?app_key=<key>&state=<state>; each consent signs up a
new seller whose shop has stock and a month of orders. The demo shops accept any access token the
simulator did not issue; a consented seller's shop only that seller's issued tokens.`;

/** When a seed is given without a start time, this fixed start makes the run reproducible. */
export const reproducibleStartTime = 1764000000;

function numberOption(name: string, raw: string | undefined, fallback: number, check: (value: number) => boolean, expectation: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new Error(`--${name} must be ${expectation}, got ${JSON.stringify(raw)}`);
  return value;
}

function urlOption(name: string, raw: string): string {
  try {
    new URL(raw);
  } catch {
    throw new Error(`--${name} must be a URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** `--clock-skew -3600` as `--clock-skew=-3600`: parseArgs takes a value starting with "-" for an option. */
function joinNegativeValues(argv: string[], names: string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const value = argv[index + 1];
    if (names.includes(arg) && value !== undefined && /^-\d/.test(value)) {
      joined.push(`${arg}=${value}`);
      index += 1;
    } else joined.push(arg);
  }
  return joined;
}

/** Every flag `npm run simulate` takes; values are checked and defaulted in parseSimulatorOptions. */
const simulatorFlags = {
  target: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  creators: { type: "string" },
  seed: { type: "string" },
  "start-time": { type: "string" },
  "clock-skew": { type: "string" },
  "duplicate-rate": { type: "string" },
  "reorder-rate": { type: "string" },
  "drop-rate": { type: "string" },
  "rate-limit-error-rate": { type: "string" },
  "redirect-uri": { type: "string" },
  "access-token-ttl": { type: "string" },
  "refresh-token-ttl": { type: "string" },
  "api-port": { type: "string" },
  "no-api": { type: "boolean" },
  linger: { type: "string" },
  "viral-after-orders": { type: "string" },
  "history-days": { type: "string" },
  anomalies: { type: "boolean" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseSimulatorOptions(argv: string[], env: Record<string, string | undefined>, nowSeconds: number, randomSeed: number): SimulatorOptions | "help" {
  const { values } = parseArgs({
    args: joinNegativeValues(argv, ["--clock-skew"]),
    strict: true,
    options: simulatorFlags,
  });
  if (values.help) return "help";
  const isRate = (value: number) => value >= 0 && value <= 1;
  const seedGiven = values.seed !== undefined;
  const rawStart = values["start-time"];
  const startTime =
    rawStart === "now"
      ? nowSeconds
      : numberOption("start-time", rawStart, seedGiven ? reproducibleStartTime : nowSeconds, (value) => Number.isInteger(value) && value > 0, "unix seconds or now");
  const target = urlOption("target", values.target ?? "http://127.0.0.1:54321/functions/v1/tiktok-webhook");
  const redirectUri = urlOption("redirect-uri", values["redirect-uri"] ?? defaultRedirectUri);
  const isLifetime = (value: number) => Number.isInteger(value) && value > 0;
  const historyDays = numberOption("history-days", values["history-days"], 0, (value) => Number.isInteger(value) && value >= 1 && value <= MAX_HISTORY_DAYS, `a whole number of days, 1-${MAX_HISTORY_DAYS}`);
  if (values.anomalies && historyDays === 0) throw new Error("--anomalies needs --history-days: the anomalies are injected into that history");
  return {
    target,
    rate: numberOption("rate", values.rate, 5, (value) => value > 0 && value <= 10_000, "between 0 and 10000"),
    durationSeconds: numberOption("duration", values.duration, 60, (value) => value > 0, "positive"),
    creators: numberOption("creators", values.creators, 3, (value) => Number.isInteger(value) && value >= 1 && value <= maxDemoCreators, `an integer 1-${maxDemoCreators}`),
    seed: numberOption("seed", values.seed, randomSeed, (value) => Number.isInteger(value) && value >= 0 && value <= 0xffffffff, "an integer 0-4294967295"),
    startTime,
    clockSkewSeconds: numberOption("clock-skew", values["clock-skew"], 0, (value) => Number.isInteger(value) && Math.abs(value) <= 10 * 365 * 24 * 3600, "whole seconds, either sign, within ten years"),
    duplicateRate: numberOption("duplicate-rate", values["duplicate-rate"], 0.05, isRate, "between 0 and 1"),
    reorderRate: numberOption("reorder-rate", values["reorder-rate"], 0.1, isRate, "between 0 and 1"),
    dropRate: numberOption("drop-rate", values["drop-rate"], 0, (value) => value >= 0 && value < 1, "at least 0 and below 1"),
    rateLimitErrorRate: numberOption("rate-limit-error-rate", values["rate-limit-error-rate"], 0, isRate, "between 0 and 1"),
    redirectUri,
    accessTokenTtlSeconds: numberOption("access-token-ttl", values["access-token-ttl"], 7 * 24 * 3600, isLifetime, "a positive number of seconds"),
    refreshTokenTtlSeconds: numberOption("refresh-token-ttl", values["refresh-token-ttl"], 365 * 24 * 3600, isLifetime, "a positive number of seconds"),
    apiPort: numberOption("api-port", values["api-port"], 54330, (value) => Number.isInteger(value) && value >= 0 && value <= 65535, "a port number"),
    serveApi: values["no-api"] !== true,
    lingerSeconds: numberOption("linger", values.linger, 30, (value) => value >= 0, "zero or more"),
    ...(values["viral-after-orders"] === undefined
      ? {}
      : { viralAfterOrders: numberOption("viral-after-orders", values["viral-after-orders"], 0, (value) => Number.isInteger(value) && value >= 0, "a whole number, zero or more") }),
    historyDays,
    anomalies: values.anomalies === true,
    dryRun: values["dry-run"] === true,
    appKey: env.TIKTOK_APP_KEY || "test_app_key",
    appSecret: env.TIKTOK_APP_SECRET || "test_app_secret",
  };
}
