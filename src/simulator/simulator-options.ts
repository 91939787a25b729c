// Command-line options of `npm run simulate`, parsed and checked in one place.
import { parseArgs } from "node:util";
import { maxDemoCreators } from "./demo-catalogue.ts";

export interface SimulatorOptions {
  target: string;
  rate: number;
  durationSeconds: number;
  creators: number;
  seed: number;
  /** Simulated time of the first order, seconds since the epoch. */
  startTime: number;
  duplicateRate: number;
  reorderRate: number;
  apiPort: number;
  serveApi: boolean;
  /** Seconds the API keeps serving after the last webhook, for the app's follow-up calls. */
  lingerSeconds: number;
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
  --duplicate-rate R      share of deliveries sent twice, 0-1 (default 0.05)
  --reorder-rate R        share of deliveries held back to arrive late, 0-1 (default 0.1)
  --api-port N            port of the simulated TikTok Shop API (default 54330)
  --no-api                do not serve the API
  --linger S              keep the API up this long after the last webhook (default 30)
  --dry-run               print the signed deliveries as JSON lines instead of posting them
Credentials: TIKTOK_APP_KEY / TIKTOK_APP_SECRET (default test_app_key / test_app_secret).`;

/** When a seed is given without a start time, this fixed start makes the run reproducible. */
export const reproducibleStartTime = 1764000000;

function numberOption(name: string, raw: string | undefined, fallback: number, check: (value: number) => boolean, expectation: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new Error(`--${name} must be ${expectation}, got ${JSON.stringify(raw)}`);
  return value;
}

export function parseSimulatorOptions(argv: string[], env: Record<string, string | undefined>, nowSeconds: number, randomSeed: number): SimulatorOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      target: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      creators: { type: "string" },
      seed: { type: "string" },
      "start-time": { type: "string" },
      "duplicate-rate": { type: "string" },
      "reorder-rate": { type: "string" },
      "api-port": { type: "string" },
      "no-api": { type: "boolean" },
      linger: { type: "string" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const isRate = (value: number) => value >= 0 && value <= 1;
  const seedGiven = values.seed !== undefined;
  const rawStart = values["start-time"];
  const startTime =
    rawStart === "now"
      ? nowSeconds
      : numberOption("start-time", rawStart, seedGiven ? reproducibleStartTime : nowSeconds, (value) => Number.isInteger(value) && value > 0, "unix seconds or now");
  const target = values.target ?? "http://127.0.0.1:54321/functions/v1/tiktok-webhook";
  try {
    new URL(target);
  } catch {
    throw new Error(`--target must be a URL, got ${JSON.stringify(target)}`);
  }
  return {
    target,
    rate: numberOption("rate", values.rate, 5, (value) => value > 0 && value <= 10_000, "between 0 and 10000"),
    durationSeconds: numberOption("duration", values.duration, 60, (value) => value > 0, "positive"),
    creators: numberOption("creators", values.creators, 3, (value) => Number.isInteger(value) && value >= 1 && value <= maxDemoCreators, `an integer 1-${maxDemoCreators}`),
    seed: numberOption("seed", values.seed, randomSeed, (value) => Number.isInteger(value) && value >= 0 && value <= 0xffffffff, "an integer 0-4294967295"),
    startTime,
    duplicateRate: numberOption("duplicate-rate", values["duplicate-rate"], 0.05, isRate, "between 0 and 1"),
    reorderRate: numberOption("reorder-rate", values["reorder-rate"], 0.1, isRate, "between 0 and 1"),
    apiPort: numberOption("api-port", values["api-port"], 54330, (value) => Number.isInteger(value) && value >= 0 && value <= 65535, "a port number"),
    serveApi: values["no-api"] !== true,
    lingerSeconds: numberOption("linger", values.linger, 30, (value) => value >= 0, "zero or more"),
    dryRun: values["dry-run"] === true,
    appKey: env.TIKTOK_APP_KEY || "test_app_key",
    appSecret: env.TIKTOK_APP_SECRET || "test_app_secret",
  };
}
