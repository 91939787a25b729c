import { describe, expect, it } from "vitest";
import { createTikTokShopClient, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { startTikTokShopSimulator, type TikTokShopSimulatorOptions } from "../../../src/simulator/api-server.ts";

const credentials = { appKey: "test_app_key", appSecret: "test_app_secret" };

async function withSimulator<T>(options: TikTokShopSimulatorOptions, run: (client: ReturnType<typeof createTikTokShopClient>, stats: Record<string, number>) => Promise<T>): Promise<T> {
  const simulator = await startTikTokShopSimulator({ port: 0, creators: 1, rateLimitPerSecond: 10_000, ...credentials, ...options });
  try {
    const client = createTikTokShopClient({ baseUrl: simulator.url, ...credentials, accessToken: "local-simulator-token", shopCipher: "ROW_sim_001" });
    return await run(client, simulator.stats.rejectedByReason);
  } finally {
    await simulator.close();
  }
}

/** For each of `count` calls in turn, whether TikTok answered 429. */
async function throttledCalls(client: ReturnType<typeof createTikTokShopClient>, count: number): Promise<boolean[]> {
  const throttled: boolean[] = [];
  for (let index = 0; index < count; index++) {
    const outcome = await client.searchProducts({ pageSize: 1 }).then(
      () => false,
      (error: unknown) => {
        if (!(error instanceof TikTokShopApiError) || error.kind !== "rate_limited") throw error;
        expect(error).toMatchObject({ retryable: true, details: { httpStatus: 429, rateLimit: { resetAfterSeconds: 1 } } });
        return true;
      },
    );
    throttled.push(outcome);
  }
  return throttled;
}

describe("429s at a configured rate", () => {
  // 200 HTTP calls one after another: about 1.5 s alone, past Vitest's 5 s on a busy machine.
  it("refuses about the configured share of calls, whatever the per-second limit allows", { timeout: 30_000 }, async () => {
    const throttled = await withSimulator({ rateLimitErrorRate: 0.25, seed: 5 }, async (client, rejected) => {
      const outcomes = await throttledCalls(client, 200);
      expect(rejected.rate_limited_random).toBe(outcomes.filter(Boolean).length);
      return outcomes;
    });
    const share = throttled.filter(Boolean).length / throttled.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.35);
  });

  it("refuses the same calls for the same seed", async () => {
    const first = await withSimulator({ rateLimitErrorRate: 0.3, seed: 8 }, (client) => throttledCalls(client, 40));
    const second = await withSimulator({ rateLimitErrorRate: 0.3, seed: 8 }, (client) => throttledCalls(client, 40));
    expect(second).toEqual(first);
  });

  it("refuses nothing by default", async () => {
    const throttled = await withSimulator({}, (client) => throttledCalls(client, 100));
    expect(throttled.some(Boolean)).toBe(false);
  });

  it("changes nothing when it refuses a write", async () => {
    const simulator = await startTikTokShopSimulator({ port: 0, creators: 1, rateLimitErrorRate: 1, ...credentials });
    try {
      const sku = simulator.world.shops[0]?.skus[0];
      if (sku === undefined) throw new Error("no SKU");
      const before = simulator.world.stockBySku.get(sku.skuId)?.total;
      const client = createTikTokShopClient({ baseUrl: simulator.url, ...credentials, accessToken: "local-simulator-token", shopCipher: "ROW_sim_001" });
      await expect(client.updateInventory(sku.productId, { skus: [{ id: sku.skuId, inventory: [{ quantity: 999 }] }] })).rejects.toMatchObject({ kind: "rate_limited" });
      expect(simulator.world.stockBySku.get(sku.skuId)?.total).toBe(before);
    } finally {
      await simulator.close();
    }
  });
});
