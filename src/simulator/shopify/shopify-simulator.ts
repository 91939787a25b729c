// The simulator playing one Shopify store over real HTTP: OAuth consent and code exchange,
// the Admin GraphQL operations the app sends (shopify-admin-graphql.ts), and a storefront
// that sells units and tells the app through signed webhooks (shopify-store.ts). Latency and
// outages are configurable, so tests see what a slow or absent Shopify does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { text } from "node:stream/consumers";
import { hmacSha256Hex, importHmacSha256Key, utf8 } from "../../core/channels/tiktok-shop/hmac-sha256.ts";
import { oauthQueryMessage } from "../../core/channels/shopify/hmac-base64.ts";
import { answerAdminGraphql } from "./shopify-admin-graphql.ts";
import { createShopifyStoreState, storeControls, type SimulatedStoreOrder } from "./shopify-store.ts";

export type { SimulatedStoreOrder } from "./shopify-store.ts";

export interface ShopifySimulatorOptions {
  shopDomain: string;
  clientId: string;
  clientSecret: string;
  /** Where the store posts its webhooks (the app's shopify-webhook function). */
  webhookUrl?: string;
  latencyMs?: number;
  port?: number;
  /** Told of every write Shopify accepted, as it is applied (benchmarks time from here). */
  onWrite?: (write: { sku: string; quantity: number }) => void;
}

export interface ShopifySimulator {
  url: string;
  locationId: string;
  /** Adds a SKU to the store with its count; returns its inventory item's numeric id. */
  list(sku: string, available: number): string;
  available(sku: string): number;
  /** The numeric id of the SKU's inventory item. */
  inventoryItemOf(sku: string): string;
  /** A merchant's edit in the Shopify admin (no webhook: the app finds out by compare-and-set or a webhook sent separately). */
  setAvailableByHand(sku: string, available: number): void;
  /** A buyer's order as the store records it: it takes the units (never below 0); no webhook (the caller posts it). */
  recordOrder(orderId: string, lines: { sku: string; quantity: number }[]): void;
  /** The store's record of an order (with its cancellation), or undefined. */
  order(orderId: string): SimulatedStoreOrder | undefined;
  /** A buyer orders on the storefront: Shopify takes the units (refusing when too few) and posts orders/create and inventory_levels/update. */
  sell(sku: string, quantity: number, orderId: string): Promise<{ sold: boolean; webhookStatuses: number[] }>;
  /** While on, every Admin API call answers 503 (Shopify down). */
  setOutage(down: boolean): void;
  setLatency(ms: number): void;
  /** Writes Shopify accepted, in order. */
  writes: { sku: string; quantity: number; changeFrom: number | null }[];
  staleWrites: number;
  close(): Promise<void>;
}

export async function startShopifySimulator(options: ShopifySimulatorOptions): Promise<ShopifySimulator> {
  const state = createShopifyStoreState(options.onWrite);
  const oauth = createShopifyOAuth(options);
  let outage = false;
  let latencyMs = options.latencyMs ?? 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator");
    const body = await text(request);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (request.method === "GET" && url.pathname === "/admin/oauth/authorize") return oauth.consent(url, response);
    if (request.method === "POST" && url.pathname === "/admin/oauth/access_token") return oauth.exchange(body, response);
    if (request.method === "POST" && /^\/admin\/api\/[0-9a-z-]+\/graphql\.json$/.test(url.pathname)) {
      if (outage) return send(response, 503, { errors: "Service Unavailable" });
      if (!oauth.tokens.has(String(request.headers["x-shopify-access-token"] ?? ""))) return send(response, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      return send(response, 200, answerAdminGraphql(state, query, variables ?? {}));
    }
    send(response, 404, { errors: "Not Found" });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { errors: error instanceof Error ? error.message : "failed" }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();

  return {
    url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
    locationId: state.locationGid,
    writes: state.writes,
    get staleWrites() {
      return state.staleWrites;
    },
    ...storeControls(state, options),
    setOutage(down) {
      outage = down;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Shopify's side of installing the app: the consent page and the code exchange, with the tokens it issued. */
function createShopifyOAuth(options: ShopifySimulatorOptions) {
  const codes = new Map<string, string>();
  const tokens = new Set<string>();

  /** The merchant approves at once (a simulated consent), and Shopify redirects back with a signed query. */
  async function consent(url: URL, response: ServerResponse): Promise<void> {
    const redirectUri = url.searchParams.get("redirect_uri");
    if (url.searchParams.get("client_id") !== options.clientId || !redirectUri) return send(response, 400, { errors: "unknown client_id or no redirect_uri" });
    const code = crypto.randomUUID().replaceAll("-", "");
    codes.set(code, options.shopDomain);
    const query = new URLSearchParams({ code, host: btoa(`${options.shopDomain}/admin`), shop: options.shopDomain, state: url.searchParams.get("state") ?? "", timestamp: String(Math.floor(Date.now() / 1000)) });
    query.set("hmac", await hmacSha256Hex(await importHmacSha256Key(options.clientSecret), utf8(oauthQueryMessage(query))));
    response.writeHead(302, { location: `${redirectUri}?${query.toString()}` }).end();
  }

  function exchange(body: string, response: ServerResponse): void {
    const grant = JSON.parse(body || "{}") as { client_id?: string; client_secret?: string; code?: string };
    if (grant.client_id !== options.clientId || grant.client_secret !== options.clientSecret || !grant.code || !codes.delete(grant.code)) {
      return send(response, 400, { error: "invalid_request", error_description: "The authorization code was not found or was already used" });
    }
    const token = `shpat_${crypto.randomUUID().replaceAll("-", "")}`;
    tokens.add(token);
    send(response, 200, { access_token: token, scope: "read_orders,write_orders,read_inventory,write_inventory" });
  }

  return { consent, exchange, tokens };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
