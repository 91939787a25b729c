// The simulator playing one Shopify store over real HTTP: OAuth consent and code exchange,
// the Admin GraphQL operations the app sends (reading `available`, and
// inventorySetQuantities with changeFromQuantity and @idempotent, as 2026-04 and later
// define them; orderCancel, as 2026-10 defines it), and a storefront that sells units and
// tells the app through signed webhooks. Latency and outages are configurable, so tests see what a slow or absent
// Shopify does. A simulator recognises the app's operations by name; it is not a GraphQL server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { text } from "node:stream/consumers";
import { hmacSha256Hex, importHmacSha256Key, utf8 } from "../../core/channels/tiktok-shop/hmac-sha256.ts";
import { oauthQueryMessage } from "../../core/channels/shopify/hmac-base64.ts";
import { inventoryLevelBody, orderBody, postShopifyDelivery, signedShopifyDelivery } from "./shopify-webhooks.ts";

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

interface Listing {
  sku: string;
  inventoryItemId: string;
  available: number;
}

/** An order as the store keeps it: what it took, and its cancellation when there was one. */
export interface SimulatedStoreOrder {
  id: string;
  lines: { sku: string; quantity: number }[];
  cancelledAt: string | null;
  cancel: { reason: string; restock: boolean; notifyCustomer: boolean; staffNote: string | null; refundMethod: unknown } | null;
}

const ORDER_CANCEL_REASONS = ["CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"];

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

const LOCATION_NUMERIC_ID = "70000000001";

export async function startShopifySimulator(options: ShopifySimulatorOptions): Promise<ShopifySimulator> {
  const listings = new Map<string, Listing>();
  const byItemGid = new Map<string, Listing>();
  const codes = new Map<string, string>();
  const tokens = new Set<string>();
  const idempotency = new Map<string, { params: string; answer: unknown }>();
  let outage = false;
  let latencyMs = options.latencyMs ?? 0;
  let nextItemId = 40_000_000_001;
  const locationGid = `gid://shopify/Location/${LOCATION_NUMERIC_ID}`;
  const writes: ShopifySimulator["writes"] = [];
  const counters = { staleWrites: 0 };
  const orders = new Map<string, SimulatedStoreOrder>();

  function graphql(operation: string, variables: Record<string, unknown>): unknown {
    const name = /(?:query|mutation)\s+(\w+)/.exec(operation)?.[1];
    if (name === "ReadAvailable") {
      const ids = variables.ids as string[];
      return { data: { nodes: ids.map((id) => { const listing = byItemGid.get(id); return listing ? { id, inventoryLevel: { quantities: [{ name: "available", quantity: listing.available }] } } : null; }) } };
    }
    if (name === "SetAvailable") return setAvailable(variables);
    if (name === "CancelOrder") return cancelOrder(variables);
    if (name === "OrderCancelled") {
      const order = orders.get(String(variables.id ?? "").replace(/^gid:\/\/shopify\/Order\//, ""));
      return { data: { order: order ? { id: `gid://shopify/Order/${order.id}`, cancelledAt: order.cancelledAt } : null } };
    }
    if (name === "PrimaryLocation") return { data: { locations: { nodes: [{ id: locationGid }] } } };
    if (name === "VariantsWithSku") {
      // One page per call of two variants, so the app's paging is exercised.
      const all = [...listings.values()];
      const start = typeof variables.after === "string" ? Number(variables.after) : 0;
      const page = all.slice(start, start + 2);
      const hasNextPage = start + 2 < all.length;
      return { data: { productVariants: { nodes: page.map((listing) => ({ sku: listing.sku, inventoryItem: { id: `gid://shopify/InventoryItem/${listing.inventoryItemId}` } })), pageInfo: { hasNextPage, endCursor: hasNextPage ? String(start + 2) : null } } } };
    }
    return { errors: [{ message: `the simulator does not know operation ${name ?? "(anonymous)"}` }] };
  }

  function setAvailable(variables: Record<string, unknown>): unknown {
    const key = variables.idempotencyKey;
    if (typeof key !== "string" || key === "") return { errors: [{ message: "inventorySetQuantities requires the @idempotent directive with a key", extensions: { code: "BAD_REQUEST" } }] };
    const input = variables.input as { name: string; quantities: { inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity?: number | null }[] };
    const params = JSON.stringify(input);
    const earlier = idempotency.get(key);
    if (earlier) {
      if (earlier.params !== params) return userErrors([{ code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", message: "The same idempotency key cannot be used with different operation parameters." }]);
      return earlier.answer;
    }
    const errors: { code: string; message: string; field: string[] }[] = [];
    for (const [index, quantity] of input.quantities.entries()) {
      const listing = byItemGid.get(quantity.inventoryItemId);
      if (!listing || quantity.locationId !== locationGid) errors.push({ code: "INVALID_INVENTORY_ITEM", message: "The specified inventory item could not be found.", field: ["input", "quantities", String(index)] });
      else if (!("changeFromQuantity" in quantity)) errors.push({ code: "COMPARE_QUANTITY_REQUIRED", message: "changeFromQuantity must be given (null to skip the check).", field: ["input", "quantities", String(index), "changeFromQuantity"] });
      else if (quantity.changeFromQuantity !== null && quantity.changeFromQuantity !== listing.available) {
        errors.push({ code: "CHANGE_FROM_QUANTITY_STALE", message: "The changeFromQuantity value does not match persisted value.", field: ["input", "quantities", String(index), "changeFromQuantity"] });
      }
    }
    if (errors.length > 0) {
      counters.staleWrites += errors.filter((error) => error.code === "CHANGE_FROM_QUANTITY_STALE").length;
      return userErrors(errors);
    }
    for (const quantity of input.quantities) {
      const listing = byItemGid.get(quantity.inventoryItemId)!;
      writes.push({ sku: listing.sku, quantity: quantity.quantity, changeFrom: quantity.changeFromQuantity ?? null });
      listing.available = quantity.quantity;
      options.onWrite?.({ sku: listing.sku, quantity: quantity.quantity });
    }
    const answer = { data: { inventorySetQuantities: { inventoryAdjustmentGroup: { id: `gid://shopify/InventoryAdjustmentGroup/${crypto.randomUUID()}` }, userErrors: [] } } };
    idempotency.set(key, { params, answer });
    return answer;
  }

  /** orderCancel: cancelled at once here (Shopify runs a job); INVALID for an order already cancelled, as Shopify refuses it. */
  function cancelOrder(variables: Record<string, unknown>): unknown {
    const errors = (code: string, message: string, field: string[]) => ({ data: { orderCancel: { job: null, orderCancelUserErrors: [{ code, message, field }], userErrors: [{ message, field }] } } });
    if (typeof variables.restock !== "boolean") return { errors: [{ message: "Variable $restock of type Boolean! was provided invalid value", extensions: { code: "INVALID_VARIABLE" } }] };
    if (typeof variables.reason !== "string" || !ORDER_CANCEL_REASONS.includes(variables.reason)) return { errors: [{ message: "Variable $reason of type OrderCancelReason! was provided invalid value", extensions: { code: "INVALID_VARIABLE" } }] };
    if (typeof variables.refundMethod !== "object" || variables.refundMethod === null) return { errors: [{ message: "Variable $refundMethod of type OrderCancelRefundMethodInput! was provided invalid value", extensions: { code: "INVALID_VARIABLE" } }] };
    const order = orders.get(String(variables.orderId ?? "").replace(/^gid:\/\/shopify\/Order\//, ""));
    if (!order) return errors("NOT_FOUND", "Order does not exist", ["orderId"]);
    if (order.cancelledAt) return errors("INVALID", "Cannot cancel an order that has already been cancelled", ["orderId"]);
    order.cancelledAt = new Date().toISOString();
    order.cancel = { reason: variables.reason, restock: variables.restock, notifyCustomer: variables.notifyCustomer === true, staffNote: typeof variables.staffNote === "string" ? variables.staffNote : null, refundMethod: variables.refundMethod };
    if (variables.restock) for (const line of order.lines) listingOf(line.sku).available += line.quantity;
    return { data: { orderCancel: { job: { id: `gid://shopify/Job/${crypto.randomUUID()}`, done: false }, orderCancelUserErrors: [], userErrors: [] } } };
  }

  const userErrors = (errors: { code: string; message: string; field?: string[] }[]) => ({
    data: { inventorySetQuantities: { inventoryAdjustmentGroup: null, userErrors: errors.map((error) => ({ field: error.field ?? null, ...error })) } },
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator");
    const body = await text(request);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (request.method === "GET" && url.pathname === "/admin/oauth/authorize") return consent(url, response);
    if (request.method === "POST" && url.pathname === "/admin/oauth/access_token") return exchange(body, response);
    if (request.method === "POST" && /^\/admin\/api\/[0-9a-z-]+\/graphql\.json$/.test(url.pathname)) {
      if (outage) return send(response, 503, { errors: "Service Unavailable" });
      if (!tokens.has(String(request.headers["x-shopify-access-token"] ?? ""))) return send(response, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      return send(response, 200, graphql(query, variables ?? {}));
    }
    send(response, 404, { errors: "Not Found" });
  }

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

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { errors: error instanceof Error ? error.message : "failed" }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  return {
    url,
    locationId: locationGid,
    writes,
    get staleWrites() {
      return counters.staleWrites;
    },
    list(sku, available) {
      const inventoryItemId = String((nextItemId += 1));
      const listing = { sku, inventoryItemId, available };
      listings.set(sku, listing);
      byItemGid.set(`gid://shopify/InventoryItem/${inventoryItemId}`, listing);
      return inventoryItemId;
    },
    available: (sku) => listingOf(sku).available,
    inventoryItemOf: (sku) => listingOf(sku).inventoryItemId,
    recordOrder(orderId, lines) {
      for (const line of lines) listingOf(line.sku).available = Math.max(0, listingOf(line.sku).available - line.quantity);
      orders.set(orderId, { id: orderId, lines, cancelledAt: null, cancel: null });
    },
    order: (orderId) => orders.get(orderId),
    setAvailableByHand(sku, available) {
      listingOf(sku).available = available;
    },
    async sell(sku, quantity, orderId) {
      const listing = listingOf(sku);
      if (listing.available < quantity) return { sold: false, webhookStatuses: [] };
      listing.available -= quantity;
      orders.set(orderId, { id: orderId, lines: [{ sku, quantity }], cancelledAt: null, cancel: null });
      if (!options.webhookUrl) return { sold: true, webhookStatuses: [] };
      const now = new Date().toISOString();
      const deliveries = await Promise.all([
        signedShopifyDelivery({ clientSecret: options.clientSecret, shopDomain: options.shopDomain, topic: "orders/create", body: orderBody({ id: orderId, createdAt: now, lineItems: [{ sku, quantity, price: "10.00" }] }) }),
        signedShopifyDelivery({ clientSecret: options.clientSecret, shopDomain: options.shopDomain, topic: "inventory_levels/update", body: inventoryLevelBody({ inventoryItemId: listing.inventoryItemId, locationId: LOCATION_NUMERIC_ID, available: listing.available, updatedAt: now }) }),
      ]);
      const statuses = [];
      for (const delivery of deliveries) statuses.push((await postShopifyDelivery(options.webhookUrl, delivery)).status);
      return { sold: true, webhookStatuses: statuses };
    },
    setOutage(down) {
      outage = down;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };

  function listingOf(sku: string): Listing {
    const listing = listings.get(sku);
    if (!listing) throw new Error(`the simulated store does not list ${sku}`);
    return listing;
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
