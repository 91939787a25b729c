// Shopify's two signatures: base64 HMAC-SHA256 of a webhook's raw body, and hex HMAC-SHA256
// of the OAuth redirect's sorted query.
import { describe, expect, it } from "vitest";
import { createShopifyWebhookVerifier, signShopifyWebhook, verifyShopifyOAuthQuery } from "../../../src/core/channels/shopify/hmac-base64.ts";

const encode = (text: string) => new TextEncoder().encode(text);

describe("Shopify webhook HMAC", () => {
  it("accepts the signature of exactly these bytes and nothing else", async () => {
    const verify = createShopifyWebhookVerifier("secret");
    const body = encode('{"id":1,"total_price":"10.00"}');
    const header = await signShopifyWebhook("secret", body);
    expect(await verify(body, header)).toBe(true);
    expect(await verify(encode('{"id":1,"total_price":"10.01"}'), header)).toBe(false);
    expect(await verify(body, await signShopifyWebhook("other", body))).toBe(false);
    expect(await verify(body, null)).toBe(false);
    expect(await verify(body, "not base64!")).toBe(false);
    // A hex digest of the right HMAC is not Shopify's header.
    expect(await verify(body, Buffer.from(header, "base64").toString("hex"))).toBe(false);
  });

  it("matches an HMAC computed independently (node:crypto)", async () => {
    const { createHmac } = await import("node:crypto");
    const body = encode('{"inventory_item_id":271878346596884015,"available":6}');
    expect(await signShopifyWebhook("hush", body)).toBe(createHmac("sha256", "hush").update(body).digest("base64"));
  });
});

describe("Shopify OAuth redirect HMAC", () => {
  it("verifies Shopify's documented example query, and refuses it with any value changed", async () => {
    const query = new URLSearchParams("code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173");
    expect(await verifyShopifyOAuthQuery("hush", query)).toBe(true);
    query.set("shop", "other-shop.myshopify.com");
    expect(await verifyShopifyOAuthQuery("hush", query)).toBe(false);
  });
});
