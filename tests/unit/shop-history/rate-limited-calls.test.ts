import { describe, expect, it } from "vitest";
import { TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { createRateLimitedCaller } from "../../../src/core/channels/tiktok-shop/rate-limited-calls.ts";

function caller() {
  const waits: number[] = [];
  const reports: unknown[] = [];
  const rateLimited = createRateLimitedCaller({
    now: () => new Date("2026-12-01T00:00:00Z"),
    sleep: async (ms) => void waits.push(ms),
    reportApproached: async (data) => void reports.push(data),
    api: "tiktok_shop.search",
    maxAttempts: 4,
  });
  return { rateLimited, waits, reports };
}

const tooMany = () => new TikTokShopApiError("rate_limited", "Too many requests", { httpStatus: 429, rateLimit: { limit: 50, remaining: 0, resetAfterSeconds: 1 } });

describe("calling TikTok within its rate limit", () => {
  it("backs off once per 429, for the longer of Retry-After and the exponential backoff, and reports the limit once", async () => {
    const { rateLimited, waits, reports } = caller();
    let calls = 0;
    const result = await rateLimited.call(async () => {
      calls += 1;
      if (calls <= 3) throw tooMany();
      return { data: "ok" };
    });
    expect(result.data).toBe("ok");
    expect(waits).toEqual([1000, 1000, 2000]);
    expect(reports).toEqual([{ api: "tiktok_shop.search", remaining: 0, limit: 50, reset_at: "2026-12-01T00:00:01.000Z" }]);
    expect(rateLimited.tally).toEqual({ warnings: 1, rateLimitedRetries: 3, waitedMs: 4000 });
  });

  it("waits for the window when the remaining budget falls to a fifth, before TikTok refuses", async () => {
    const { rateLimited, waits, reports } = caller();
    await rateLimited.call(async () => ({ data: 1, rateLimit: { limit: 50, remaining: 11, resetAfterSeconds: 1 } }));
    expect(waits).toEqual([]);
    await rateLimited.call(async () => ({ data: 2, rateLimit: { limit: 50, remaining: 10, resetAfterSeconds: 1 } }));
    expect(waits).toEqual([1000]);
    expect(reports).toHaveLength(1);
  });

  it("gives up after its attempts and does not retry what retrying cannot fix", async () => {
    const { rateLimited } = caller();
    await expect(rateLimited.call(async () => Promise.reject(tooMany()))).rejects.toMatchObject({ kind: "rate_limited" });
    let calls = 0;
    await expect(rateLimited.call(async () => (calls++, Promise.reject(new TikTokShopApiError("unauthorized", "bad sign"))))).rejects.toMatchObject({ kind: "unauthorized" });
    expect(calls).toBe(1);
  });
});
