// The Shopify adapter's decisions, without a store: where the creator consents, what the code
// exchange's answer grants, which inventory items are read at which location.
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../rejection.ts";
import { ShopifyApiError } from "../../../src/core/channels/shopify/admin-api.ts";
import { grantFromTokenAnswer, shopifyAuthorizeUrl, skusByLocation } from "../../../src/core/channels/shopify/channel-adapter.ts";

const config = { clientId: "client-1", clientSecret: "secret-1" };

describe("connecting a Shopify store", () => {
  it("sends the creator to the store's own consent page, asking for orders and inventory", () => {
    const url = new URL(shopifyAuthorizeUrl(config, { state: "state-1", redirectUri: "https://app.test/callback", shopKey: "Creator-Shop.myshopify.com" }));
    expect(url.origin + url.pathname).toBe("https://creator-shop.myshopify.com/admin/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: "client-1", scope: "read_orders,write_orders,read_inventory,write_inventory", redirect_uri: "https://app.test/callback", state: "state-1" });
  });

  it("sends the creator to the simulated store when the API lives elsewhere", () => {
    const url = shopifyAuthorizeUrl({ ...config, apiBaseUrl: "http://127.0.0.1:4000/" }, { state: "s", redirectUri: "http://app.test/cb", shopKey: "demo.myshopify.com" });
    expect(url.startsWith("http://127.0.0.1:4000/admin/oauth/authorize?")).toBe(true);
  });

  it("needs a store domain to connect", () => {
    expect(() => shopifyAuthorizeUrl(config, { state: "s", redirectUri: "http://app.test/cb" })).toThrow(RangeError);
    expect(() => shopifyAuthorizeUrl(config, { state: "s", redirectUri: "http://app.test/cb", shopKey: "evil.example.com" })).toThrow(RangeError);
  });

  it("takes the token and the granted scopes from the code exchange's answer", () => {
    expect(grantFromTokenAnswer("shop.myshopify.com", { access_token: "shpat_1", scope: "read_orders,write_inventory," })).toEqual({ shopDomain: "shop.myshopify.com", accessToken: "shpat_1", scopes: ["read_orders", "write_inventory"] });
    expect(grantFromTokenAnswer("shop.myshopify.com", { access_token: "shpat_1" }).scopes).toEqual([]);
  });

  it("refuses an answer without a token, never quoting it", () => {
    for (const answer of [{ access_token: "" }, { error: "shpat_secret" }, null]) {
      const error = thrownBy(() => grantFromTokenAnswer("shop.myshopify.com", answer), ShopifyApiError);
      expect(error.kind).toBe("invalid_response");
      expect(error.message).not.toContain("shpat_secret");
    }
  });
});

describe("reading a Shopify store's stock", () => {
  it("groups the linked inventory items by location, each with its SKU, and leaves out unlinked SKUs", () => {
    const grouped = skusByLocation([
      { skuId: "A", handles: { inventoryItemId: "item-a", locationId: "loc-1" } },
      { skuId: "B", handles: { inventoryItemId: "item-b", locationId: "loc-2" } },
      { skuId: "C", handles: { inventoryItemId: "item-c", locationId: "loc-1" } },
      { skuId: "D", handles: { inventoryItemId: "item-d" } },
      { skuId: "E", handles: {} },
    ]);
    expect([...grouped].map(([location, items]) => [location, [...items]])).toEqual([
      ["loc-1", [["item-a", "A"], ["item-c", "C"]]],
      ["loc-2", [["item-b", "B"]]],
    ]);
  });
});
