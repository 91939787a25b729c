import { describe, expect, it } from "vitest";
import { apiSignatureBaseString, signApiRequest, verifyApiRequestSignature } from "../../../src/core/channels/tiktok-shop/api-signature.ts";
import { createWebhookVerifier, signWebhook, verifyWebhookSignature } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { manifest, signedFixtures } from "../../fixtures/signed-webhooks.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const credentials = { appKey: manifest.app_key, appSecret: manifest.app_secret };

describe("webhook signature", () => {
  const vectorBody = encode(
    '{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}',
  );
  const vectorSignature = "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27";

  it("signs the documented test vector", async () => {
    await expect(signWebhook({ appKey: "fake_app_key", appSecret: "fake_app_secret", rawBody: vectorBody })).resolves.toBe(vectorSignature);
  });

  it("verifies the documented test vector", async () => {
    await expect(
      verifyWebhookSignature({ appKey: "fake_app_key", appSecret: "fake_app_secret", rawBody: vectorBody, authorization: vectorSignature }),
    ).resolves.toBe(true);
  });

  it.each(signedFixtures.map((signed) => [signed.file, signed] as const))("verifies fixture %s with its manifest signature", async (_file, signed) => {
    await expect(verifyWebhookSignature({ ...credentials, rawBody: signed.rawBody, authorization: signed.authorization })).resolves.toBe(true);
    await expect(signWebhook({ ...credentials, rawBody: signed.rawBody })).resolves.toBe(signed.authorization);
  });

  it("rejects a body with one byte changed, at every position tried", async () => {
    const verify = createWebhookVerifier(credentials);
    for (const signed of signedFixtures) {
      for (const position of [0, Math.floor(signed.rawBody.length / 2), signed.rawBody.length - 1]) {
        const tampered = new Uint8Array(signed.rawBody);
        tampered[position] = (tampered[position] ?? 0) ^ 0x01;
        await expect(verify(tampered, signed.authorization)).resolves.toBe(false);
      }
    }
  });

  it("rejects a body with a trailing newline, as re-serialised JSON would differ", async () => {
    const [signed] = signedFixtures;
    if (signed === undefined) throw new Error("no fixtures");
    const withNewline = new Uint8Array([...signed.rawBody, 0x0a]);
    await expect(verifyWebhookSignature({ ...credentials, rawBody: withNewline, authorization: signed.authorization })).resolves.toBe(false);
  });

  it("rejects the right signature under another app's key or secret", async () => {
    const [signed] = signedFixtures;
    if (signed === undefined) throw new Error("no fixtures");
    await expect(verifyWebhookSignature({ ...credentials, appKey: "other_key", rawBody: signed.rawBody, authorization: signed.authorization })).resolves.toBe(false);
    await expect(verifyWebhookSignature({ ...credentials, appSecret: "other_secret", rawBody: signed.rawBody, authorization: signed.authorization })).resolves.toBe(false);
  });

  it("rejects a missing, empty, truncated, non-hex or Bearer-prefixed header", async () => {
    const [signed] = signedFixtures;
    if (signed === undefined) throw new Error("no fixtures");
    const verify = createWebhookVerifier(credentials);
    for (const authorization of [null, "", signed.authorization.slice(0, 62), "z".repeat(64), `Bearer ${signed.authorization}`, `${signed.authorization}00`]) {
      await expect(verify(signed.rawBody, authorization)).resolves.toBe(false);
    }
  });

  it("accepts the signature in upper case, since hex decodes to the same bytes", async () => {
    const [signed] = signedFixtures;
    if (signed === undefined) throw new Error("no fixtures");
    await expect(verifyWebhookSignature({ ...credentials, rawBody: signed.rawBody, authorization: signed.authorization.toUpperCase() })).resolves.toBe(true);
  });
});

describe("API request signature", () => {
  const vector = { appSecret: "e59af819cc", path: "/authorization/202309/shops", query: { app_key: "29a39d", timestamp: "1623812664" } };

  it("builds the documented string to sign", () => {
    expect(apiSignatureBaseString(vector)).toBe("e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc");
  });

  it("signs the documented test vector", async () => {
    await expect(signApiRequest(vector)).resolves.toBe("b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8");
  });

  it("leaves sign and access_token out and sorts the remaining keys", () => {
    const query = new URLSearchParams({ timestamp: "1", sign: "abc", access_token: "secret-token", shop_cipher: "ROW_x", app_key: "k" });
    expect(apiSignatureBaseString({ appSecret: "s", path: "/p", query })).toBe("s/papp_keykshop_cipherROW_xtimestamp1s");
  });

  it("signs the raw body, except for multipart uploads", () => {
    const request = { appSecret: "s", path: "/p", query: { app_key: "k" }, body: '{"a":1}' };
    expect(apiSignatureBaseString({ ...request, contentType: "application/json" })).toBe('s/papp_keyk{"a":1}s');
    expect(apiSignatureBaseString({ ...request, contentType: "multipart/form-data; boundary=x" })).toBe("s/papp_keyks");
  });

  it("verifies its own signature and rejects one for a different body or query", async () => {
    const request = { appSecret: "s", path: "/product/202309/inventory/search", query: { app_key: "k", timestamp: "100" }, body: '{"sku_ids":["1"]}' };
    const sign = await signApiRequest(request);
    await expect(verifyApiRequestSignature({ ...request, sign })).resolves.toBe(true);
    await expect(verifyApiRequestSignature({ ...request, body: '{"sku_ids":["2"]}', sign })).resolves.toBe(false);
    await expect(verifyApiRequestSignature({ ...request, query: { app_key: "k", timestamp: "101" }, sign })).resolves.toBe(false);
    await expect(verifyApiRequestSignature({ ...request, sign: null })).resolves.toBe(false);
  });
});
