// The TikTok Shop API the app calls, served from the simulated shop world (API version
// 202309; the endpoints themselves live in shop-routes.ts). Every request must carry a
// valid signature (the documented algorithm), a fresh timestamp, the app key and an access
// token, or it is refused as TikTok refuses it: HTTP 401 with a JSON {code, message} body.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyApiRequestSignature } from "../core/tiktok/api-signature.ts";
import { readBody, rejection, RequestRejected } from "./api-protocol.ts";
import { demoShops, type DemoShop } from "./demo-catalogue.ts";
import { shopRoute } from "./shop-routes.ts";
import { createShopWorld, type ShopWorld } from "./shop-world.ts";

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
  close(): Promise<void>;
}

export const defaultTikTokCredentials = { appKey: "test_app_key", appSecret: "test_app_secret" } as const;

const timestampToleranceSeconds = 300;

export async function startTikTokShopSimulator(options: TikTokShopSimulatorOptions = {}): Promise<TikTokShopSimulator> {
  const appKey = options.appKey ?? defaultTikTokCredentials.appKey;
  const appSecret = options.appSecret ?? defaultTikTokCredentials.appSecret;
  const world = options.world ?? createShopWorld(demoShops(options.creators ?? 3));
  const now = options.now ?? Date.now;
  const rateLimit = options.rateLimitPerSecond ?? 50;
  const stats: TikTokShopSimulator["stats"] = { accepted: 0, rejected: 0, rejectedByReason: {} };
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

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://simulator.invalid");
    readBody(request)
      .then(async (body) => {
        const shop = await authenticate(request, url, body);
        const rateHeaders = takeRateLimit(shop);
        const method = request.method ?? "GET";
        const data = shopRoute(world, now, method, url, body, shop);
        if (data === undefined) throw new RequestRejected(rejection.notFound, "not_found", `No API at ${method} ${url.pathname}.`);
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
