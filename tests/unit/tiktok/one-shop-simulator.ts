// The TikTok Shop simulator with one demo shop, started for a test file, and orders of one
// unit placed straight into its world: for tests of the signed API clients against it.
import { afterAll, beforeAll } from "vitest";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { demoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";

export interface OneShopSimulator {
  readonly shop: ReturnType<typeof demoShop>;
  /** Set once the file's beforeAll has run. */
  simulator: TikTokShopSimulator;
  /** An order of one unit of the shop's first SKU, in `status`, with `fields` over the defaults. */
  placeOrder(orderId: string, status: SimulatedOrder["status"], fields?: Partial<SimulatedOrder>): SimulatedOrder;
}

export function oneShopSimulator(credentials: { appKey: string; appSecret: string }): OneShopSimulator {
  const shop = demoShop(1);
  const fixture: OneShopSimulator = {
    shop,
    simulator: undefined as unknown as TikTokShopSimulator,
    placeOrder(orderId, status, fields = {}) {
      const sku = shop.skus[0]!;
      const order: SimulatedOrder = {
        orderId, shop, buyerUserId: "7021000000000001", status, isOnHold: status === "ON_HOLD", createTime: 1764000000, updateTime: 1764000000,
        lineItems: [{ lineItemId: `${orderId}1`, sku }], subtotalMinor: sku.priceMinor, shippingMinor: 0,
        ...fields,
      };
      fixture.simulator.world.orders.set(orderId, order);
      return order;
    },
  };
  beforeAll(async () => {
    fixture.simulator = await startTikTokShopSimulator({ port: 0, ...credentials, world: createShopWorld([shop]) });
  });
  afterAll(async () => {
    await fixture.simulator.close();
  });
  return fixture;
}
