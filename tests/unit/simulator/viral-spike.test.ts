import { describe, expect, it } from "vitest";
import { parseSimulatorOptions } from "../../../src/simulator/simulator-options.ts";
import { createWebhookTraffic, type WebhookTrafficOptions } from "../../../src/simulator/webhook-traffic.ts";

const base: WebhookTrafficOptions = { seed: 7, creators: 1, startTime: 1764000000, duplicateRate: 0, reorderRate: 0 };

/** Each order's SKUs, in the order the orders were placed. */
function ordersAfter(options: WebhookTrafficOptions, deliveries: number): string[][] {
  const traffic = createWebhookTraffic(options);
  for (let index = 0; index < deliveries; index += 1) traffic.next();
  return [...traffic.world.orders.values()].map((order) => [...new Set(order.lineItems.map((item) => item.sku.skuId))]);
}

describe("a simulated viral spike", () => {
  it("puts one SKU into nearly every order once the video takes off, and not before", () => {
    const orders = ordersAfter({ ...base, viralAfterOrders: 40 }, 2_000);
    expect(orders.length).toBeGreaterThan(100);
    const viralSku = createWebhookTraffic(base).world.shops[0]!.skus[0]!.skuId;
    const share = (slice: string[][]) => slice.filter((skus) => skus.includes(viralSku)).length / slice.length;
    expect(share(orders.slice(0, 40))).toBeLessThan(0.5);
    expect(share(orders.slice(40, 50))).toBeGreaterThan(0.8);
    // Without the option the same seed sells it as often as before.
    expect(share(ordersAfter(base, 2_000).slice(40, 50))).toBeLessThan(0.5);
  });

  it("takes --viral-after-orders from the command line and refuses a bad value", () => {
    const options = parseSimulatorOptions(["--viral-after-orders", "200"], {}, 1764000000, 1);
    expect(options !== "help" && options.viralAfterOrders).toBe(200);
    expect(() => parseSimulatorOptions(["--viral-after-orders", "1.5"], {}, 1764000000, 1)).toThrow(/--viral-after-orders must be a whole number/);
  });
});
