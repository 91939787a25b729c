import { describe, expect, it } from "vitest";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { decideShop, evolveShop, initialShopState, type ShopCommand } from "../../../src/core/shops/shop.ts";
import { fold } from "../domain/specification.ts";

const SHOP = "7494726673780148744";
const SELLER = "seller-open-id-1";

const connected = (reconnected = false): NewEvent => ({
  type: "shop.connected",
  data: { shop_id: SHOP, shop_name: "Maya Beauty", shop_code: "USMAYA", region: "US", seller_open_id: SELLER, seller_name: "Maya", reconnected },
});
const deauthorized: NewEvent = { type: "shop.deauthorized", data: { shop_id: SHOP, tiktok_timestamp: 1_790_000_000 } };
const reconnectionRequired: NewEvent = { type: "shop.reconnection_required", data: { shop_id: SHOP, seller_open_id: SELLER, reason: "refresh token rejected" } };
const connect: ShopCommand = { type: "ConnectShop", shopId: SHOP, shopName: "Maya Beauty", shopCode: "USMAYA", region: "US", sellerOpenId: SELLER, sellerName: "Maya" };
const requireReconnection: ShopCommand = { type: "RequireReconnection", shopId: SHOP, sellerOpenId: SELLER, reason: "refresh token rejected" };

const spec = (given: NewEvent[], when: ShopCommand) => () => decideShop(when, fold(initialShopState, evolveShop, given));

describe("shop decider", () => {
  it("connects a shop never linked before", () => {
    expect(spec([], connect)()).toEqual([connected(false)]);
  });

  it("records nothing when a connected shop is connected again by the same seller", () => {
    expect(spec([connected()], connect)()).toEqual([]);
  });

  it("reconnects a shop that was deauthorised or needed reconnecting", () => {
    expect(spec([connected(), deauthorized], connect)()).toEqual([connected(true)]);
    expect(spec([connected(), reconnectionRequired], connect)()).toEqual([connected(true)]);
  });

  it("asks for reconnection once, and only for a connected shop", () => {
    expect(spec([connected()], requireReconnection)()).toEqual([reconnectionRequired]);
    expect(spec([connected(), reconnectionRequired], requireReconnection)()).toEqual([]);
    expect(spec([connected(), deauthorized], requireReconnection)()).toEqual([]);
    expect(spec([], requireReconnection)).toThrow(/not linked/);
  });

  it("folds the status: connected, needs reconnecting, deauthorised, connected again", () => {
    const statusAfter = (events: NewEvent[]) => fold(initialShopState, evolveShop, events).status;
    expect(statusAfter([])).toBe("unlinked");
    expect(statusAfter([connected()])).toBe("connected");
    expect(statusAfter([connected(), reconnectionRequired])).toBe("needs_reconnecting");
    expect(statusAfter([connected(), reconnectionRequired, deauthorized])).toBe("deauthorized");
    expect(statusAfter([connected(), deauthorized, connected(true)])).toBe("connected");
  });

  it("records a renewal only for a connected shop", () => {
    const renew: ShopCommand = {
      type: "RecordAuthorizationRenewed",
      shopId: SHOP,
      sellerOpenId: SELLER,
      accessTokenExpiresAt: new Date("2026-12-22T00:00:00Z"),
      refreshTokenExpiresAt: new Date("2027-06-01T00:00:00Z"),
    };
    expect(spec([connected()], renew)()).toEqual([
      {
        type: "shop.authorization_renewed",
        data: { shop_id: SHOP, seller_open_id: SELLER, access_token_expires_at: "2026-12-22T00:00:00.000Z", refresh_token_expires_at: "2027-06-01T00:00:00.000Z" },
      },
    ]);
    expect(spec([connected(), deauthorized], renew)()).toEqual([]);
  });
});
