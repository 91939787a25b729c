// A hanging or flooding TikTok never holds a caller: every call has a deadline that covers the
// answer's body, and no answer is read past a size no real TikTok answer reaches. Against a
// real local HTTP server (node:http), through the real fetch.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-errors.ts";
import { createTikTokShopClient } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { createTikTokAuthApi } from "../../../src/core/channels/tiktok-shop/auth-api.ts";
import { MAX_TIKTOK_ANSWER_BYTES } from "../../../src/core/channels/tiktok-shop/api-response.ts";

let baseUrl = "";
const held: http.ServerResponse[] = [];
const server = http.createServer((request, response) => {
  const path = new URL(request.url ?? "/", "http://x").pathname;
  if (path.includes("silent")) {
    held.push(response); // never answers
    return;
  }
  if (path.includes("stalls-mid-body")) {
    response.writeHead(200, { "content-type": "application/json" });
    response.write('{"code":0,"data":{');
    held.push(response);
    return;
  }
  if (path.includes("declares-huge")) {
    response.writeHead(200, { "content-type": "application/json", "content-length": String(MAX_TIKTOK_ANSWER_BYTES + 1) });
    response.write("{");
    held.push(response);
    return;
  }
  // Streams without a length, past the limit.
  response.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
    if (!response.destroyed) response.once("drain", pump);
  };
  response.on("close", () => response.removeAllListeners("drain"));
  pump();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const response of held) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function clientFor(prefix: string) {
  return createTikTokShopClient({ baseUrl: `${baseUrl}/${prefix}`, appKey: "app-key", appSecret: "app-secret-value", accessToken: "access-token-value", shopCipher: "cipher", timeoutMs: 300 });
}

async function failureOf(call: Promise<unknown>): Promise<TikTokShopApiError> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof TikTokShopApiError)) throw new Error(`expected a TikTokShopApiError, got ${String(error)}`);
  return error;
}

describe("TikTok calls with a deadline and a size limit", () => {
  it("gives up on a TikTok that never answers, as a retryable network error", async () => {
    const error = await failureOf(clientFor("silent").searchInventory({ skuIds: ["1"] }));
    expect(error.kind).toBe("network");
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("POST /product/202309/inventory/search: TikTok Shop did not answer within 300 ms");
  });

  it("gives up on an answer whose body stops half-way", async () => {
    const error = await failureOf(clientFor("stalls-mid-body").searchInventory({ skuIds: ["1"] }));
    expect(error.kind).toBe("network");
    expect(error.message).toBe("POST /product/202309/inventory/search: TikTok Shop's answer did not arrive in time");
  });

  it("refuses an answer that declares more than the limit without reading it", async () => {
    const error = await failureOf(clientFor("declares-huge").searchInventory({ skuIds: ["1"] }));
    expect(error.kind).toBe("invalid_response");
    expect(error.message).toBe(`POST /product/202309/inventory/search: answer larger than ${MAX_TIKTOK_ANSWER_BYTES} bytes`);
  });

  it("stops reading an endless answer at the limit", async () => {
    const error = await failureOf(createTikTokShopClient({ baseUrl: `${baseUrl}/floods`, appKey: "k", appSecret: "app-secret-value", accessToken: "access-token-value", shopCipher: "c", timeoutMs: 30_000 }).searchInventory({ skuIds: ["1"] }));
    expect(error.kind).toBe("invalid_response");
    expect(error.message).toBe(`POST /product/202309/inventory/search: answer larger than ${MAX_TIKTOK_ANSWER_BYTES} bytes`);
  });

  it("puts the same deadline on the token endpoints, without a secret in the message", async () => {
    const auth = createTikTokAuthApi({ authBaseUrl: `${baseUrl}/silent`, appKey: "app-key", appSecret: "app-secret-value", timeoutMs: 300 });
    const error = await failureOf(auth.refresh("refresh-token-value"));
    expect(error.kind).toBe("network");
    expect(error.message).toBe("GET /api/v2/token/refresh: TikTok Shop did not answer within 300 ms");
  });
});
