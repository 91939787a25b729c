// The simulated TikTok Shop, on one port: the seller's consent page and the token
// endpoints (auth-routes.ts), and the signed shop API the app calls (API version 202309;
// shop-routes.ts, search-routes.ts), served from the simulated shop world. Every API request
// must carry a valid signature (the documented algorithm), a fresh timestamp, the app key
// and an access token, or it is refused as TikTok refuses it: HTTP 401 with a JSON
// {code, message} body; an expired access token answers 105002, so the app refreshes.
//
// Access tokens: the shops of sellers who consented through the consent page answer only to
// the tokens issued to that seller. The demo shops (those the world started with) predate
// seller authorization and accept any non-empty token the simulator did not issue (e.g.
// `local-simulator-token`, the app's TIKTOK_ACCESS_TOKEN default), so the dev stack and the
// tests that use one static token keep working; `acceptUnissuedTokensForDemoShops: false`
// turns that off.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyApiRequestSignature } from "../core/channels/tiktok-shop/api-signature.ts";
import { readBody, rejection, RequestRejected } from "./api-protocol.ts";
import { createAuthRoutes, type AuthAnswer } from "./auth-routes.ts";
import { demoShops, type DemoShop } from "./demo-catalogue.ts";
import { searchRoute } from "./search-routes.ts";
import { createSeededRandom } from "./seeded-random.ts";
import { createSellerAuthorizations, defaultAuthorizationLifetimes, type AuthorizationLifetimes } from "./seller-authorizations.ts";

type SellerAuthorizations = ReturnType<typeof createSellerAuthorizations>;
import { shopRoute } from "./shop-routes.ts";
import { createShopWorld, sellerOfShop, type ShopWorld, type SimulatedSeller } from "./shop-world.ts";

export interface TikTokShopSimulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  appKey?: string;
  appSecret?: string;
  /** The app's name on the consent page. */
  appName?: string;
  /** The app's service id, for the services authorization link (/open/authorize?service_id=..). */
  serviceId?: string;
  /** Where Authorize redirects with `code` and `state`: the app's registered redirect URL. */
  redirectUri?: string;
  /** Creates a world with this many demo shops when none is given. */
  creators?: number;
  world?: ShopWorld;
  /** Milliseconds since the epoch; the signed timestamp must be within 5 minutes of it, and every code and token expires by it. */
  now?: () => number;
  /**
   * How far TikTok's clock runs ahead of ours (negative: behind), in seconds: the times it
   * writes (request ids, the order times fulfilment calls set) move by it. Signed requests are
   * still judged against the true time: a skewed TikTok that refused every call would reproduce
   * nothing worth seeing.
   */
  clockSkewSeconds?: number;
  /** Makes new sellers' shops and histories, and the random 429s, repeatable. */
  seed?: number;
  /** Requests per second per shop before HTTP 429. */
  rateLimitPerSecond?: number;
  /** Share of API calls (0-1) refused with HTTP 429 whatever the rate, as TikTok does now and then. */
  rateLimitErrorRate?: number;
  /** Lifetimes of auth codes, access tokens and refresh tokens, in seconds. */
  tokenLifetimes?: Partial<AuthorizationLifetimes>;
  /** Default true: the demo shops accept any access token the simulator did not issue (see above). */
  acceptUnissuedTokensForDemoShops?: boolean;
}

export interface TikTokShopSimulator {
  url: string;
  port: number;
  world: ShopWorld;
  /** TikTok's own clock (ms since the epoch): the true time plus the clock skew. */
  tiktokNow: () => number;
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
export const defaultRedirectUri = "http://localhost:3000/api/tiktok/callback";
export const defaultServiceId = "7300000000000000001";

const timestampToleranceSeconds = 300;

/** Who is calling: a seller who consented, or a caller of the demo shops with an unissued token. */
type Caller = { seller: SimulatedSeller } | { seller: null };

/** Who signed this API request, or the refusal TikTok answers it with. */
async function authenticate(
  app: { appKey: string; appSecret: string; now: () => number; authorizations: SellerAuthorizations; acceptUnissuedTokens: boolean },
  request: IncomingMessage,
  url: URL,
  body: string,
): Promise<Caller> {
  const { appKey, appSecret, now, authorizations } = app;
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
  const check = authorizations.checkAccessToken(token);
  if (check.status === "expired") throw new RequestRejected(rejection.expiredAccessToken, "access_token_expired");
  if (check.status === "valid") return { seller: check.seller };
  if (!app.acceptUnissuedTokens) throw new RequestRejected(rejection.badAccessToken, "access_token");
  return { seller: null };
}

/** The shop named by `shop_cipher`, if this caller may act for it. */
function shopFor(world: ShopWorld, caller: Caller, url: URL): DemoShop {
  const shop = world.shopByCipher.get(url.searchParams.get("shop_cipher") ?? "");
  if (shop === undefined) throw new RequestRejected(rejection.unknownShop, "shop_cipher");
  const owner = sellerOfShop(world, shop);
  if (caller.seller === null && owner !== undefined) throw new RequestRejected(rejection.badAccessToken, "access_token");
  if (caller.seller !== null && owner !== caller.seller) throw new RequestRejected(rejection.shopNotAuthorized, "shop_not_authorized");
  return shop;
}

function authorizedShops(world: ShopWorld, caller: Caller) {
  const shops = caller.seller?.shops ?? world.shops.filter((shop) => sellerOfShop(world, shop) === undefined);
  return { shops: shops.map((shop) => ({ id: shop.shopId, name: shop.shopName, region: shop.region, code: shop.shopCode, cipher: shop.shopCipher, seller_type: shop.sellerType })) };
}

/** Per-key windows of one second: the rate-limit headers of a call, or HTTP 429 past the limit (and, at `errorRate`, at random). */
function createRateLimits(limits: { now: () => number; perSecond: number; errorRate: number; random: ReturnType<typeof createSeededRandom> }) {
  const { now, perSecond: rateLimit, errorRate: rateLimitErrorRate, random: throttleRandom } = limits;
  const windows = new Map<string, { second: number; count: number }>();
  return function takeRateLimit(key: string): Record<string, string> {
    const second = Math.floor(now() / 1000);
    const window = windows.get(key);
    const current = window !== undefined && window.second === second ? window : { second, count: 0 };
    current.count++;
    windows.set(key, current);
    const headers = { "x-ratelimit-limit": String(rateLimit), "x-ratelimit-remaining": String(Math.max(0, rateLimit - current.count)), "x-ratelimit-reset": "1" };
    if (current.count > rateLimit) throw new RequestRejected(rejection.rateLimited, "rate_limited", undefined, { ...headers, "retry-after": "1" });
    if (rateLimitErrorRate > 0 && throttleRandom.chance(rateLimitErrorRate)) throw new RequestRejected(rejection.rateLimited, "rate_limited_random", undefined, { ...headers, "retry-after": "1" });
    return headers;
  };
}

/** Keeps the request (the latest maxRecordedRequests) with the status it is answered with. */
function recordRequest(requests: RecordedApiRequest[], request: IncomingMessage, response: ServerResponse, url: URL): RecordedApiRequest {
  const recorded: RecordedApiRequest = { method: request.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), body: "", status: 0 };
  requests.push(recorded);
  if (requests.length > maxRecordedRequests) requests.splice(0, requests.length - maxRecordedRequests);
  response.on("finish", () => {
    recorded.status = response.statusCode;
  });
  return recorded;
}

type SendJson = (response: ServerResponse, httpStatus: number, payload: { code: number; message: string; data: unknown }, headers?: Record<string, string>) => void;
type Stats = TikTokShopSimulator["stats"];

/** TikTok's JSON answers, each with a request id made from TikTok's clock and a counter. */
function jsonAnswers(tiktokNow: () => number): SendJson {
  let requestCounter = 0;
  const requestId = () => {
    requestCounter++;
    return `${Math.floor(tiktokNow() / 1000).toString(16).toUpperCase()}SIM${requestCounter.toString(16).toUpperCase().padStart(12, "0")}`;
  };
  return (response, httpStatus, payload, headers = {}) => {
    const body = JSON.stringify({ ...payload, request_id: requestId() });
    response.writeHead(httpStatus, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
    response.end(body);
  };
}

/** Counts an accepted request (`refusedFor` null) or a refused one, by reason. */
function count(stats: Stats, refusedFor: string | null): void {
  if (refusedFor === null) {
    stats.accepted++;
    return;
  }
  stats.rejected++;
  stats.rejectedByReason[refusedFor] = (stats.rejectedByReason[refusedFor] ?? 0) + 1;
}

function sendAuthAnswer(response: ServerResponse, answer: AuthAnswer, send: SendJson, stats: Stats): void {
  if (answer.kind === "json") {
    count(stats, answer.payload.code === 0 ? null : (answer.reason ?? "token"));
    send(response, answer.status, answer.payload, { "cache-control": "no-store" });
    return;
  }
  if (answer.kind === "redirect") {
    response.writeHead(302, { location: answer.location, "cache-control": "no-store", "content-length": 0 });
    response.end();
    return;
  }
  response.writeHead(answer.status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(answer.html), "cache-control": "no-store" });
  response.end(answer.html);
}

/** A refusal as TikTok words it, or a bare internal error for anything else. */
function sendRefusal(response: ServerResponse, error: unknown, send: SendJson, stats: Stats): void {
  if (error instanceof RequestRejected) {
    count(stats, error.reason);
    send(response, error.rejection.http, { code: error.rejection.code, message: error.message, data: null }, error.headers);
    return;
  }
  count(stats, "internal");
  send(response, 500, { code: 36009999, message: "Internal error.", data: null });
}

// Over 60 lines: the options read once, and the API answer and the server share them; what
// each step does stands in the functions above.
export async function startTikTokShopSimulator(options: TikTokShopSimulatorOptions = {}): Promise<TikTokShopSimulator> {
  const appKey = options.appKey ?? defaultTikTokCredentials.appKey;
  const appSecret = options.appSecret ?? defaultTikTokCredentials.appSecret;
  const world = options.world ?? createShopWorld(demoShops(options.creators ?? 3));
  const now = options.now ?? Date.now;
  const clockSkewMs = Math.round((options.clockSkewSeconds ?? 0) * 1000);
  const tiktokNow = () => now() + clockSkewMs;
  const seed = options.seed ?? 1;
  const takeRateLimit = createRateLimits({
    now,
    perSecond: options.rateLimitPerSecond ?? 50,
    errorRate: options.rateLimitErrorRate ?? 0,
    random: createSeededRandom((seed ^ 0x429429) >>> 0),
  });
  const authorizations = createSellerAuthorizations(world, now, { ...defaultAuthorizationLifetimes, ...options.tokenLifetimes });
  const authRoute = createAuthRoutes({
    appKey,
    appSecret,
    appName: options.appName ?? "CreatorFlow Sync",
    redirectUri: options.redirectUri ?? defaultRedirectUri,
    serviceId: options.serviceId ?? defaultServiceId,
    world,
    authorizations,
    now,
    seed,
  });
  const stats: TikTokShopSimulator["stats"] = { accepted: 0, rejected: 0, rejectedByReason: {} };
  const requests: RecordedApiRequest[] = [];
  const send = jsonAnswers(tiktokNow);

  async function answerApi(request: IncomingMessage, url: URL, body: string): Promise<{ data: unknown; headers: Record<string, string> }> {
    const caller = await authenticate({ appKey, appSecret, now, authorizations, acceptUnissuedTokens: options.acceptUnissuedTokensForDemoShops ?? true }, request, url, body);
    const method = request.method ?? "GET";
    if (url.pathname === "/authorization/202309/shops" && method === "GET") {
      const headers = takeRateLimit(caller.seller === null ? "demo-seller" : `seller:${caller.seller.openId}`);
      return { data: authorizedShops(world, caller), headers };
    }
    const shop = shopFor(world, caller, url);
    const headers = takeRateLimit(shop.shopId);
    const data = shopRoute(world, tiktokNow, method, url, body, shop) ?? searchRoute(world, method, url, body, shop);
    if (data === undefined) throw new RequestRejected(rejection.notFound, "not_found", `No API at ${method} ${url.pathname}.`);
    return { data, headers };
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://simulator.invalid");
    const recorded = recordRequest(requests, request, response, url);
    readBody(request)
      .then(async (body) => {
        recorded.body = body;
        const authAnswer = authRoute(request.method ?? "GET", url, body);
        if (authAnswer !== undefined) {
          sendAuthAnswer(response, authAnswer, send, stats);
          return;
        }
        const { data, headers } = await answerApi(request, url, body);
        count(stats, null);
        send(response, 200, { code: 0, message: "Success", data }, headers);
      })
      .catch((error: unknown) => sendRefusal(response, error, send, stats));
  });

  return { ...(await listen(server, options.port ?? 54330, options.host ?? "127.0.0.1")), world, stats, requests, tiktokNow };
}

/** The server listening on `port` (0: a free one), and how to close it with its open connections. */
async function listen(server: Server, port: number, host: string): Promise<{ url: string; port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
