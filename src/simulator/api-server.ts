// The TikTok Shop API endpoints the app calls, served from the simulated shop world:
// order detail, inventory search, inventory update, and fulfilment (fulfilment-routes.ts)
// (API version 202309). Every request
// must carry a valid signature (the documented algorithm), a fresh timestamp, the app key
// and an access token, or it is refused as TikTok refuses it: HTTP 401 with a JSON
// {code, message} body.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { verifyApiRequestSignature } from "../core/tiktok/api-signature.ts";
import { demoShops, type DemoShop } from "./demo-catalogue.ts";
import { packageIdOf, routeFulfilment, shippingFieldsOf, type FulfilmentRouteContext } from "./fulfilment-routes.ts";
import { availableOf, createShopWorld, formatMinor, type ShopWorld, type SimulatedOrder } from "./shop-world.ts";

export interface TikTokShopSimulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  appKey?: string;
  appSecret?: string;
  /** Creates a world with this many demo shops when none is given. */
  creators?: number;
  world?: ShopWorld;
  /** Milliseconds since the epoch; the signed timestamp must be within 5 minutes of it. */
  now?: () => number;
  /** Requests per second per shop before HTTP 429. */
  rateLimitPerSecond?: number;
}

export interface TikTokShopSimulator {
  url: string;
  port: number;
  world: ShopWorld;
  stats: { accepted: number; rejected: number; rejectedByReason: Record<string, number> };
  /** Every request received, refused ones too, oldest first (the latest 10,000): what reached "TikTok". */
  requests: RecordedApiRequest[];
  close(): Promise<void>;
}

export interface RecordedApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  status: number;
}

const maxRecordedRequests = 10_000;

export const defaultTikTokCredentials = { appKey: "test_app_key", appSecret: "test_app_secret" } as const;

// 106001 (bad sign) is what TikTok Shop answers for a forged request; 105001 is its code
// for a bad access token. The other codes are the simulator's own.
const rejection = {
  badSign: { http: 401, code: 106001, message: "Invalid credentials. The 'sign' query parameter is invalid." },
  badAppKey: { http: 401, code: 106001, message: "Invalid credentials. The 'app_key' query parameter is invalid." },
  staleTimestamp: { http: 401, code: 106001, message: "Invalid credentials. The 'timestamp' query parameter is missing or more than 5 minutes from server time." },
  badAccessToken: { http: 401, code: 105001, message: "Invalid credentials. The access token is missing or invalid." },
  unknownShop: { http: 400, code: 36009001, message: "Invalid shop_cipher." },
  badRequest: { http: 400, code: 36009002, message: "Invalid request parameters." },
  notFound: { http: 404, code: 36009003, message: "Resource not found." },
  rateLimited: { http: 429, code: 36009004, message: "Too many requests; slow down." },
  tooLarge: { http: 413, code: 36009005, message: "Request body too large." },
} as const;
type Rejection = { readonly http: number; readonly code: number; readonly message: string };

const maxBodyBytes = 1 << 20;
const timestampToleranceSeconds = 300;

class RequestRejected extends Error {
  constructor(
    readonly rejection: Rejection,
    readonly reason: string,
    detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? rejection.message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new RequestRejected(rejection.tooLarge, "too_large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

const inventorySearchBody = z.object({ product_ids: z.array(z.string()).max(100).optional(), sku_ids: z.array(z.string()).max(600).optional() });
const inventoryUpdateBody = z.object({
  skus: z
    .array(z.object({ id: z.string(), inventory: z.array(z.object({ warehouse_id: z.string().optional(), quantity: z.number().int().nonnegative().max(999_999) })).min(1) }))
    .min(1),
});

function orderDetail(order: SimulatedOrder) {
  const currency = order.shop.currency;
  const detail: Record<string, unknown> = {
    id: order.orderId,
    status: order.status,
    create_time: order.createTime,
    update_time: order.updateTime,
    is_on_hold_order: order.isOnHold,
    buyer_user_id: order.buyerUserId,
    payment: {
      currency,
      sub_total: formatMinor(order.subtotalMinor),
      shipping_fee: formatMinor(order.shippingMinor),
      total_amount: formatMinor(order.subtotalMinor + order.shippingMinor + (order.taxMinor ?? 0)),
      tax: formatMinor(order.taxMinor ?? 0),
      seller_discount: "0.00",
      platform_discount: "0.00",
      original_total_product_price: formatMinor(order.subtotalMinor),
      original_shipping_fee: formatMinor(order.shippingMinor),
    },
    line_items: order.lineItems.map((item) => ({
      id: item.lineItemId,
      sku_id: item.sku.skuId,
      product_id: item.sku.productId,
      product_name: item.sku.productName,
      sku_name: item.sku.skuName,
      seller_sku: item.sku.sellerSku,
      sale_price: formatMinor(item.sku.priceMinor),
      original_price: formatMinor(item.sku.priceMinor),
      currency,
      display_status: order.status,
      ...(packageIdOf(order) === undefined ? {} : { package_id: packageIdOf(order) }),
    })),
    packages: packageIdOf(order) === undefined ? [] : [{ id: packageIdOf(order) }],
    ...shippingFieldsOf(order),
  };
  if (order.paidTime !== undefined) detail.paid_time = order.paidTime;
  if (order.cancelReason !== undefined) detail.cancel_reason = order.cancelReason;
  return detail;
}

export async function startTikTokShopSimulator(options: TikTokShopSimulatorOptions = {}): Promise<TikTokShopSimulator> {
  const appKey = options.appKey ?? defaultTikTokCredentials.appKey;
  const appSecret = options.appSecret ?? defaultTikTokCredentials.appSecret;
  const world = options.world ?? createShopWorld(demoShops(options.creators ?? 3));
  const now = options.now ?? Date.now;
  const rateLimit = options.rateLimitPerSecond ?? 50;
  const stats: TikTokShopSimulator["stats"] = { accepted: 0, rejected: 0, rejectedByReason: {} };
  const requests: RecordedApiRequest[] = [];
  const windows = new Map<string, { second: number; count: number }>();
  let requestCounter = 0;

  function requestId(): string {
    requestCounter++;
    return `${Math.floor(now() / 1000).toString(16).toUpperCase()}SIM${requestCounter.toString(16).toUpperCase().padStart(12, "0")}`;
  }

  function send(response: ServerResponse, httpStatus: number, payload: { code: number; message: string; data: unknown }, headers: Record<string, string> = {}) {
    const body = JSON.stringify({ ...payload, request_id: requestId() });
    response.writeHead(httpStatus, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
    response.end(body);
  }

  async function authenticate(request: IncomingMessage, url: URL, body: string): Promise<DemoShop> {
    if (url.searchParams.get("app_key") !== appKey) throw new RequestRejected(rejection.badAppKey, "app_key");
    const timestamp = Number(url.searchParams.get("timestamp"));
    if (!Number.isInteger(timestamp) || Math.abs(now() / 1000 - timestamp) > timestampToleranceSeconds) throw new RequestRejected(rejection.staleTimestamp, "timestamp");
    const signed = await verifyApiRequestSignature({
      appSecret,
      path: url.pathname,
      query: url.searchParams,
      body,
      contentType: request.headers["content-type"] ?? null,
      sign: url.searchParams.get("sign"),
    });
    if (!signed) throw new RequestRejected(rejection.badSign, "sign");
    const token = request.headers["x-tts-access-token"];
    if (typeof token !== "string" || token.trim() === "") throw new RequestRejected(rejection.badAccessToken, "access_token");
    const shop = world.shopByCipher.get(url.searchParams.get("shop_cipher") ?? "");
    if (shop === undefined) throw new RequestRejected(rejection.unknownShop, "shop_cipher");
    return shop;
  }

  function takeRateLimit(shop: DemoShop): Record<string, string> {
    const second = Math.floor(now() / 1000);
    const window = windows.get(shop.shopId);
    const current = window !== undefined && window.second === second ? window : { second, count: 0 };
    current.count++;
    windows.set(shop.shopId, current);
    const headers = { "x-ratelimit-limit": String(rateLimit), "x-ratelimit-remaining": String(Math.max(0, rateLimit - current.count)), "x-ratelimit-reset": "1" };
    if (current.count > rateLimit) throw new RequestRejected(rejection.rateLimited, "rate_limited", undefined, { ...headers, "retry-after": "1" });
    return headers;
  }

  function parseJson<T>(body: string, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new RequestRejected(rejection.badRequest, "bad_request", "Request body is not valid JSON.");
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new RequestRejected(rejection.badRequest, "bad_request", `Invalid request body: ${z.prettifyError(parsed.error).replace(/\s+/g, " ").slice(0, 300)}`);
    return parsed.data;
  }

  const fulfilmentContext: FulfilmentRouteContext = {
    world,
    now,
    parseJson,
    reject: (refusal, reason, detail) => {
      throw new RequestRejected(refusal, reason, detail);
    },
  };

  function route(method: string, url: URL, body: string, shop: DemoShop): unknown {
    if (method === "GET" && url.pathname === "/order/202309/orders") {
      const ids = (url.searchParams.get("ids") ?? "").split(",").filter((id) => id !== "");
      if (ids.length === 0 || ids.length > 50) throw new RequestRejected(rejection.badRequest, "bad_request", "ids must list 1 to 50 order ids.");
      const orders = ids.map((id) => world.orders.get(id)).filter((order): order is SimulatedOrder => order !== undefined && order.shop.shopId === shop.shopId);
      return { orders: orders.map(orderDetail) };
    }
    if (method === "POST" && url.pathname === "/product/202309/inventory/search") {
      const query = parseJson(body, inventorySearchBody);
      const productIds = new Set(query.product_ids ?? []);
      const skuIds = new Set(query.sku_ids ?? []);
      if (productIds.size === 0 && skuIds.size === 0) throw new RequestRejected(rejection.badRequest, "bad_request", "product_ids or sku_ids is required.");
      const byProduct = new Map<string, unknown[]>();
      for (const sku of shop.skus) {
        if (!productIds.has(sku.productId) && !skuIds.has(sku.skuId)) continue;
        const stock = world.stockBySku.get(sku.skuId);
        if (stock === undefined) continue;
        const skus = byProduct.get(sku.productId) ?? [];
        skus.push({
          id: sku.skuId,
          seller_sku: sku.sellerSku,
          total_available_quantity: availableOf(stock),
          total_committed_quantity: stock.committed,
          warehouse_inventory: [{ warehouse_id: shop.warehouseId, available_quantity: availableOf(stock), committed_quantity: stock.committed }],
        });
        byProduct.set(sku.productId, skus);
      }
      return { inventory: [...byProduct].map(([product_id, skus]) => ({ product_id, skus })) };
    }
    const update = /^\/product\/202309\/products\/([^/]+)\/inventory\/update$/.exec(url.pathname);
    if (method === "POST" && update !== null) {
      const productId = decodeURIComponent(update[1] ?? "");
      const productSkus = shop.skus.filter((sku) => sku.productId === productId);
      if (productSkus.length === 0) throw new RequestRejected(rejection.notFound, "not_found", `Product ${productId} not found in this shop.`);
      const { skus } = parseJson(body, inventoryUpdateBody);
      const unknown = skus.filter((entry) => !productSkus.some((sku) => sku.skuId === entry.id));
      if (unknown.length > 0) throw new RequestRejected(rejection.badRequest, "bad_request", `SKU ${unknown[0]?.id} does not belong to product ${productId}.`);
      for (const entry of skus) {
        const stock = world.stockBySku.get(entry.id);
        if (stock === undefined) continue;
        // The quantity the seller sets is what is available to sell; commitments stay.
        const available = entry.inventory.reduce((sum, line) => sum + line.quantity, 0);
        stock.total = available + stock.committed + stock.creatorReserved + stock.campaignReserved;
      }
      return {};
    }
    const fulfilment = routeFulfilment(fulfilmentContext, method, url, body, shop.shopId);
    if (fulfilment !== undefined) return fulfilment;
    throw new RequestRejected(rejection.notFound, "not_found", `No API at ${method} ${url.pathname}.`);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://simulator.invalid");
    const recorded: RecordedApiRequest = { method: request.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), body: "", status: 0 };
    requests.push(recorded);
    if (requests.length > maxRecordedRequests) requests.splice(0, requests.length - maxRecordedRequests);
    response.on("finish", () => {
      recorded.status = response.statusCode;
    });
    readBody(request)
      .then(async (body) => {
        recorded.body = body;
        const shop = await authenticate(request, url, body);
        const rateHeaders = takeRateLimit(shop);
        const data = route(request.method ?? "GET", url, body, shop);
        stats.accepted++;
        send(response, 200, { code: 0, message: "Success", data }, rateHeaders);
      })
      .catch((error: unknown) => {
        stats.rejected++;
        if (error instanceof RequestRejected) {
          stats.rejectedByReason[error.reason] = (stats.rejectedByReason[error.reason] ?? 0) + 1;
          send(response, error.rejection.http, { code: error.rejection.code, message: error.message, data: null }, error.headers);
          return;
        }
        stats.rejectedByReason.internal = (stats.rejectedByReason.internal ?? 0) + 1;
        send(response, 500, { code: 36009999, message: "Internal error.", data: null });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 54330, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    world,
    stats,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
