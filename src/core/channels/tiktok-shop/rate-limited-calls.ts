// Calling TikTok within its rate limits, for every job that reads or writes through the
// API (stock reconciliation, backfill, order reconciliation): when the remaining budget
// falls to a share of the limit, report system.api_rate_limit_approached once and wait for
// the window; on a 429 (or another retryable failure) back off and try again.
import { TikTokShopApiError, type RateLimitInfo, type TikTokShopResult } from "./api-client.ts";

export interface RateLimitedCallerOptions {
  now: () => Date;
  /** Waits between calls; injectable so tests need not wait. */
  sleep: (ms: number) => Promise<void>;
  /** Appends system.api_rate_limit_approached (once per caller). */
  reportApproached: (data: { api: string; remaining: number; limit: number; reset_at: string }) => Promise<void>;
  api: string;
  /** Warn (and wait for the window) when the remaining calls fall to this share of the limit or below. */
  warningShare?: number;
  maxAttempts?: number;
}

export interface RateLimitTally {
  warnings: number;
  rateLimitedRetries: number;
  waitedMs: number;
}

export function createRateLimitedCaller(options: RateLimitedCallerOptions) {
  const warningShare = options.warningShare ?? 0.2;
  const maxAttempts = options.maxAttempts ?? 5;
  const tally: RateLimitTally = { warnings: 0, rateLimitedRetries: 0, waitedMs: 0 };
  let warned = false;

  const wait = async (ms: number) => {
    tally.waitedMs += ms;
    await options.sleep(ms);
  };

  async function warnOnce(info: RateLimitInfo & { limit: number; remaining: number }, waitMs: number): Promise<void> {
    if (warned) return;
    warned = true;
    tally.warnings += 1;
    await options.reportApproached({
      api: options.api,
      remaining: Math.max(0, Math.floor(info.remaining)),
      limit: Math.max(1, Math.floor(info.limit)),
      reset_at: new Date(options.now().getTime() + waitMs).toISOString(),
    });
  }

  async function respectRateLimit(info: RateLimitInfo | undefined): Promise<void> {
    if (!info || info.limit === undefined || info.remaining === undefined || info.limit <= 0) return;
    if (info.remaining > Math.floor(info.limit * warningShare)) return;
    const waitMs = (info.resetAfterSeconds ?? 1) * 1000;
    await warnOnce({ ...info, limit: info.limit, remaining: info.remaining }, waitMs);
    await wait(waitMs);
  }

  async function call<T>(request: () => Promise<TikTokShopResult<T>>): Promise<TikTokShopResult<T>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await request();
        await respectRateLimit(result.rateLimit);
        return result;
      } catch (error) {
        if (!(error instanceof TikTokShopApiError) || !error.retryable || attempt >= maxAttempts) throw error;
        const retryAfterMs = (error.details.rateLimit?.resetAfterSeconds ?? 0) * 1000;
        const backoffMs = Math.max(retryAfterMs, Math.min(30_000, 500 * 2 ** (attempt - 1)));
        if (error.kind === "rate_limited") {
          tally.rateLimitedRetries += 1;
          // One wait covers both the window's reset and the backoff.
          await warnOnce({ ...error.details.rateLimit, remaining: 0, limit: error.details.rateLimit?.limit ?? 1 }, backoffMs);
        }
        await wait(backoffMs);
      }
    }
  }

  return { call, tally };
}
