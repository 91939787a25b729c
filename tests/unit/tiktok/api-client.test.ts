import { describe, expect, it } from "vitest";
import { createTikTokShopClient, decimalAmountToMinor, orderItemsFromLineItems, TikTokShopApiError } from "../../../src/core/channels/tiktok-shop/api-client.ts";
import { verifyApiRequestSignature } from "../../../src/core/channels/tiktok-shop/api-signature.ts";

const config = { baseUrl: "https://tiktok.example/", appKey: "k", appSecret: "s", accessToken: "token-1", shopCipher: "ROW_1", now: () => 1_700_000_000_123 };

function recordingFetch(respond: () => Response) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: new URL(String(input)), init: init ?? {} });
    return respond();
  }) as typeof fetch;
  return { calls, fetchStub };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("TikTok Shop API client", () => {
  it("signs each request with app key, shop cipher and a timestamp in seconds, and sends the token as a header", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, { code: 0, message: "Success", request_id: "r1", data: { inventory: [] } }));
    await createTikTokShopClient({ ...config, fetch: fetchStub }).searchInventory({ skuIds: ["111"] });
    const [call] = calls;
    if (call === undefined) throw new Error("no request");
    expect(call.url.origin + call.url.pathname).toBe("https://tiktok.example/product/202309/inventory/search");
    expect(Object.fromEntries(call.url.searchParams)).toMatchObject({ app_key: "k", shop_cipher: "ROW_1", timestamp: "1700000000" });
    expect((call.init.headers as Record<string, string>)["x-tts-access-token"]).toBe("token-1");
    expect(call.init.body).toBe('{"sku_ids":["111"]}');
    await expect(
      verifyApiRequestSignature({ appSecret: "s", path: call.url.pathname, query: call.url.searchParams, body: call.init.body as string, contentType: "application/json", sign: call.url.searchParams.get("sign") }),
    ).resolves.toBe(true);
  });

  it("exposes rate-limit headers when the server sends them", async () => {
    const { fetchStub } = recordingFetch(() => json(200, { code: 0, message: "Success", data: { orders: [] } }, { "x-ratelimit-limit": "50", "x-ratelimit-remaining": "49", "x-ratelimit-reset": "1" }));
    const result = await createTikTokShopClient({ ...config, fetch: fetchStub }).getOrderDetails(["1"]);
    expect(result.rateLimit).toEqual({ limit: 50, remaining: 49, resetAfterSeconds: 1 });
  });

  it.each([
    [json(401, { code: 106001, message: "Invalid credentials." }), "unauthorized", false],
    [json(429, { code: 1, message: "slow down" }, { "retry-after": "2" }), "rate_limited", true],
    [new Response("<html>bad gateway</html>", { status: 502 }), "server", true],
    [json(200, { code: 12345, message: "business rule failed" }), "invalid_request", false],
    [json(200, { code: 0, message: "Success", data: { orders: [{ id: 1 }] } }), "invalid_response", false],
    [new Response("not json", { status: 200 }), "invalid_response", false],
  ] as const)("turns a failure into a typed error (%#)", async (response, kind, retryable) => {
    const { fetchStub } = recordingFetch(() => response);
    const error = await createTikTokShopClient({ ...config, fetch: fetchStub }).getOrderDetails(["1"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokShopApiError);
    expect(error).toMatchObject({ kind, retryable });
  });

  it("reports an unreachable API as a retryable network error", async () => {
    const failing = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    await expect(createTikTokShopClient({ ...config, fetch: failing }).getOrderDetails(["1"])).rejects.toMatchObject({ kind: "network", retryable: true });
  });

  it("refuses an empty or oversized order id list before calling TikTok", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, {}));
    const client = createTikTokShopClient({ ...config, fetch: fetchStub });
    await expect(client.getOrderDetails([])).rejects.toMatchObject({ kind: "invalid_request" });
    await expect(client.getOrderDetails(Array.from({ length: 51 }, (_, index) => String(index)))).rejects.toMatchObject({ kind: "invalid_request" });
    expect(calls).toHaveLength(0);
  });
});

describe("TikTok Shop API client: connecting and reading a shop", () => {
  it("lists the seller's authorized shops without a shop cipher, and maps them", async () => {
    const { calls, fetchStub } = recordingFetch(() =>
      json(200, { code: 0, message: "Success", data: { shops: [{ cipher: "ROW_aiVo7g", code: "USLCTNWY6A", id: "7495274531001436791", name: "Nova Store", region: "US", seller_type: "LOCAL" }] } }),
    );
    const { shopCipher: _unused, ...withoutCipher } = config;
    const result = await createTikTokShopClient({ ...withoutCipher, fetch: fetchStub }).getAuthorizedShops();
    expect(result.data.shops).toEqual([{ id: "7495274531001436791", name: "Nova Store", region: "US", code: "USLCTNWY6A", cipher: "ROW_aiVo7g", sellerType: "LOCAL" }]);
    const [call] = calls;
    expect(call?.init.method).toBe("GET");
    expect(call?.url.pathname).toBe("/authorization/202309/shops");
    expect(call?.url.searchParams.has("shop_cipher")).toBe(false);
    await expect(
      verifyApiRequestSignature({ appSecret: "s", path: call?.url.pathname ?? "", query: call?.url.searchParams ?? new URLSearchParams(), contentType: "application/json", sign: call?.url.searchParams.get("sign") ?? null }),
    ).resolves.toBe(true);
  });

  it("refuses a shop-scoped call without a shop cipher before calling TikTok", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, { code: 0, data: {} }));
    const { shopCipher: _unused, ...withoutCipher } = config;
    await expect(createTikTokShopClient({ ...withoutCipher, fetch: fetchStub }).searchOrders({}, {})).rejects.toMatchObject({ kind: "invalid_request" });
    expect(calls).toHaveLength(0);
  });

  it("searches orders with the filters in the signed body and the paging in the query", async () => {
    const { calls, fetchStub } = recordingFetch(() => json(200, { code: 0, message: "Success", data: { orders: [], next_page_token: "page-2", total_count: 130 } }));
    const result = await createTikTokShopClient({ ...config, fetch: fetchStub }).searchOrders(
      { createTimeGe: 1_700_000_000, createTimeLt: 1_700_086_400, updateTimeGe: 1_699_000_000, updateTimeLt: 1_701_000_000, orderStatus: "AWAITING_SHIPMENT" },
      { pageSize: 100, pageToken: "page-1" },
    );
    expect(result.data).toEqual({ orders: [], nextPageToken: "page-2", totalCount: 130 });
    const [call] = calls;
    expect(call?.url.pathname).toBe("/order/202309/orders/search");
    expect(Object.fromEntries(call?.url.searchParams ?? [])).toMatchObject({ page_size: "100", page_token: "page-1", shop_cipher: "ROW_1" });
    expect(JSON.parse(call?.init.body as string)).toEqual({
      create_time_ge: 1_700_000_000,
      create_time_lt: 1_700_086_400,
      update_time_ge: 1_699_000_000,
      update_time_lt: 1_701_000_000,
      order_status: "AWAITING_SHIPMENT",
    });
  });

  it("reads an empty next_page_token as the last page", async () => {
    const { fetchStub } = recordingFetch(() => json(200, { code: 0, message: "Success", data: { orders: [], next_page_token: "", total_count: 0 } }));
    const result = await createTikTokShopClient({ ...config, fetch: fetchStub }).searchOrders({}, {});
    expect(result.data.nextPageToken).toBeNull();
  });

  it.each([0, 101, 2.5])("refuses page size %s before calling TikTok", async (pageSize) => {
    const { calls, fetchStub } = recordingFetch(() => json(200, { code: 0, data: {} }));
    await expect(createTikTokShopClient({ ...config, fetch: fetchStub }).searchProducts({ pageSize })).rejects.toMatchObject({ kind: "invalid_request" });
    expect(calls).toHaveLength(0);
  });

  it("maps a product page to products with their SKUs, prices and stock", async () => {
    const { calls, fetchStub } = recordingFetch(() =>
      json(200, {
        code: 0,
        message: "Success",
        data: {
          products: [
            {
              id: "p1",
              title: "Serum",
              status: "ACTIVATE",
              skus: [{ id: "s1", seller_sku: "SER-1", price: { currency: "USD", tax_exclusive_price: "24.99" }, inventory: [{ quantity: 7, warehouse_id: "w1" }] }],
            },
          ],
          next_page_token: "t2",
          total_count: 3,
        },
      }),
    );
    const result = await createTikTokShopClient({ ...config, fetch: fetchStub }).searchProducts({ pageSize: 1 });
    expect(result.data).toEqual({
      products: [{ id: "p1", title: "Serum", status: "ACTIVATE", skus: [{ id: "s1", sellerSku: "SER-1", price: { amount: "24.99", currency: "USD" }, inventory: [{ quantity: 7, warehouseId: "w1" }] }] }],
      nextPageToken: "t2",
      totalCount: 3,
    });
    expect(calls[0]?.url.pathname).toBe("/product/202309/products/search");
    expect(calls[0]?.url.searchParams.get("page_size")).toBe("1");
  });

  it.each([
    [401, 105002, "token_expired"],
    [200, 105002, "token_expired"],
    [401, 105001, "unauthorized"],
  ] as const)("turns HTTP %i with code %i into %s, so callers know to refresh once", async (status, code, kind) => {
    const { fetchStub } = recordingFetch(() => json(status, { code, message: "access token is expired, please refresh it" }));
    const error = await createTikTokShopClient({ ...config, fetch: fetchStub }).getAuthorizedShops().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokShopApiError);
    expect(error).toMatchObject({ kind, retryable: false, details: { code } });
  });

  it("never quotes the access token, even when the server echoes it", async () => {
    const { fetchStub } = recordingFetch(() => json(401, { code: 105001, message: "token ROW_tok_echoed is not valid" }));
    const error = await createTikTokShopClient({ ...config, accessToken: "ROW_tok_echoed", fetch: fetchStub })
      .getOrderDetails(["1"])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokShopApiError);
    expect((error as TikTokShopApiError).message).not.toContain("ROW_tok_echoed");
    expect((error as TikTokShopApiError).message).toContain("[redacted]");
  });
});

describe("amounts", () => {
  it("converts decimal strings to minor units exactly", () => {
    expect(decimalAmountToMinor("12.99", "USD")).toBe(1299);
    expect(decimalAmountToMinor("0.1", "USD")).toBe(10);
    expect(decimalAmountToMinor("1500", "JPY")).toBe(1500);
    expect(() => decimalAmountToMinor("1.005", "USD")).toThrow(RangeError);
    expect(() => decimalAmountToMinor("-1", "USD")).toThrow(RangeError);
  });

  it("folds one-unit line items into quantities per SKU and price", () => {
    const line = (id: string, sku_id: string, sale_price: string) => ({ id, sku_id, product_id: "p", sale_price, currency: "USD" });
    expect(orderItemsFromLineItems([line("1", "a", "5.00"), line("2", "a", "5.00"), line("3", "b", "2.50"), line("4", "a", "4.00")])).toEqual([
      { sku_id: "a", product_id: "p", quantity: 2, unit_price_minor: 500 },
      { sku_id: "b", product_id: "p", quantity: 1, unit_price_minor: 250 },
      { sku_id: "a", product_id: "p", quantity: 1, unit_price_minor: 400 },
    ]);
  });
});
