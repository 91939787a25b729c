// Shopify behind the channel boundary: OAuth (authorization code grant), webhooks (HMAC,
// X-Shopify-Webhook-Id, the mapping), and the store's stock through the Admin GraphQL API
// with compare-and-set.
import type { ChannelAdapter, ChannelEventToAppend, ChannelShopApi, ChannelStockLevel, ChannelStockWrite, ChannelStockWriteOutcome } from "../channel.ts";
import { createShopifyAdminApi, ShopifyApiError, type ShopifyAdminApi } from "./admin-api.ts";
import { createShopifyWebhookVerifier, verifyShopifyOAuthQuery } from "./hmac-base64.ts";
import { mapShopifyInventoryLevel, mapShopifyOrder, mapShopifyUninstalled, type KnownChannelOrder } from "./webhook-mapping.ts";
import { parseShopifyWebhook, shopDomainPattern, type ParsedShopifyWebhook } from "./webhook-payloads.ts";

/** The scopes the app asks for: orders to allocate from the pool (and cancel those it cannot cover), inventory to read and write it. */
export const SHOPIFY_SCOPES = ["read_orders", "write_orders", "read_inventory", "write_inventory"] as const;
const CALL_TIMEOUT_MS = 10_000;

export interface ShopifyChannelConfig {
  clientId: string;
  clientSecret: string;
  /** Where stores live when not at https://<shop> (the local simulator); also where its OAuth pages are. */
  apiBaseUrl?: string;
  fetch?: typeof fetch;
}

export interface ShopifyGrant {
  shopDomain: string;
  accessToken: string;
  scopes: string[];
}

export interface ShopifyShop {
  shopDomain: string;
  accessToken: string;
}

/** What the mapping is told: the order's stream, or the SKU an inventory item is linked to. */
export type ShopifyKnown = { order: KnownChannelOrder; skuId?: string; receivedAt: string };

export type ShopifyChannel = ChannelAdapter<ParsedShopifyWebhook, ShopifyKnown, ShopifyGrant, ShopifyShop>;

export function createShopifyChannel(config: ShopifyChannelConfig): ShopifyChannel {
  const verify = createShopifyWebhookVerifier(config.clientSecret);
  const fetchImpl = config.fetch ?? fetch;
  return {
    channel: "shopify",
    connect: {
      authorizeUrl: (input) => shopifyAuthorizeUrl(config, input),
      exchangeCode: ({ query }) => exchangeShopifyCode(config, fetchImpl, query),
    },
    webhooks: {
      verify: ({ rawBody, headers }) => verify(rawBody, headers.get("x-shopify-hmac-sha256")),
      parse: async ({ rawBody, headers }) => parseShopifyWebhook(headers, rawBody, crypto.randomUUID()),
      identify: (_webhook, parsed) => ({ dedupeKey: `shopify:${parsed.webhookId}`, shopKey: parsed.shopDomain }),
      map: mapShopifyWebhook,
    },
    apiFor: (shop) => shopifyShopApi(createShopifyAdminApi({ shopDomain: shop.shopDomain, accessToken: shop.accessToken, apiBaseUrl: config.apiBaseUrl, fetch: fetchImpl })),
  };
}

const storeBaseUrl = (config: ShopifyChannelConfig, shopDomain: string) => (config.apiBaseUrl ?? `https://${shopDomain}`).replace(/\/+$/, "");

/** Where the creator consents: the store's own admin, so a store domain is needed up front. */
export function shopifyAuthorizeUrl(config: ShopifyChannelConfig, { state, redirectUri, shopKey }: { state: string; redirectUri: string; shopKey?: string }): string {
  if (!shopKey || !shopDomainPattern.test(shopKey)) throw new RangeError("a Shopify store domain (<name>.myshopify.com) is needed to connect");
  const query = new URLSearchParams({ client_id: config.clientId, scope: SHOPIFY_SCOPES.join(","), redirect_uri: redirectUri, state });
  return `${storeBaseUrl(config, shopKey.toLowerCase())}/admin/oauth/authorize?${query.toString()}`;
}

async function exchangeShopifyCode(config: ShopifyChannelConfig, fetchImpl: typeof fetch, query: URLSearchParams): Promise<ShopifyGrant> {
  const shopDomain = query.get("shop")?.toLowerCase() ?? "";
  if (!shopDomainPattern.test(shopDomain)) throw new ShopifyApiError("invalid_request", "the redirect names no valid Shopify store");
  if (!(await verifyShopifyOAuthQuery(config.clientSecret, query))) throw new ShopifyApiError("unauthorized", "the redirect's hmac is not Shopify's");
  const response = await fetchImpl(`${storeBaseUrl(config, shopDomain)}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ client_id: config.clientId, client_secret: config.clientSecret, code: query.get("code") ?? "" }),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  // The answer is never quoted in an error: it may hold a token.
  if (!response.ok) throw new ShopifyApiError(response.status >= 500 ? "server" : "unauthorized", `Shopify refused the code exchange (HTTP ${response.status})`);
  return grantFromTokenAnswer(shopDomain, await response.json());
}

/** The code exchange's answer as a grant; one without a token is no grant (and is not quoted: it is a token answer). */
export function grantFromTokenAnswer(shopDomain: string, answer: unknown): ShopifyGrant {
  const grant = (answer ?? {}) as { access_token?: unknown; scope?: unknown };
  if (typeof grant.access_token !== "string" || grant.access_token === "") throw new ShopifyApiError("invalid_response", "the code exchange returned no access token");
  return { shopDomain, accessToken: grant.access_token, scopes: typeof grant.scope === "string" ? grant.scope.split(",").filter(Boolean) : [] };
}

/** Pure: what a parsed delivery means, given the order's stream and the SKU its inventory item is linked to. */
export function mapShopifyWebhook(parsed: ParsedShopifyWebhook, known: ShopifyKnown): ChannelEventToAppend[] {
  if (parsed.kind !== "valid") return [];
  const { webhook, shopDomain } = parsed;
  switch (webhook.kind) {
    case "order":
      return mapShopifyOrder(webhook.order, shopDomain, known.order);
    case "inventory_level":
      return known.skuId ? mapShopifyInventoryLevel(webhook.level, shopDomain, known.skuId) : [];
    case "uninstalled":
      return mapShopifyUninstalled(shopDomain, parsed.triggeredAt ?? known.receivedAt);
    case "ignored":
      return [];
  }
}

function shopifyShopApi(api: ShopifyAdminApi): ChannelShopApi {
  return {
    readStock: (skus) => readShopifyStock(api, skus),
    async cancelOrder({ channelOrderId, reason }) {
      const cancelled = await api.cancelOrder({ orderId: channelOrderId, staffNote: `CreatorFlow: ${reason}` });
      return cancelled.outcome === "cancelled" && cancelled.jobId ? { reference: cancelled.jobId } : {};
    },
    writeStock: (write) => writeShopifyStock(api, write),
  };
}

type SkuWithHandles = { skuId: string; handles: Record<string, string> };

/** Shopify reads quantities one location at a time: each location's inventory items, with the SKU each is linked to (unlinked SKUs left out). */
export function skusByLocation(skus: readonly SkuWithHandles[]): Map<string, Map<string, string>> {
  const byLocation = new Map<string, Map<string, string>>();
  for (const { skuId, handles } of skus) {
    const { inventoryItemId, locationId } = handles;
    if (!inventoryItemId || !locationId) continue;
    byLocation.set(locationId, (byLocation.get(locationId) ?? new Map<string, string>()).set(inventoryItemId, skuId));
  }
  return byLocation;
}

async function readShopifyStock(api: ShopifyAdminApi, skus: readonly SkuWithHandles[]): Promise<ChannelStockLevel[]> {
  const levels: ChannelStockLevel[] = [];
  for (const [locationId, skuOfItem] of skusByLocation(skus)) {
    for (const level of await api.readAvailable([...skuOfItem.keys()], locationId)) {
      levels.push({ skuId: skuOfItem.get(level.inventoryItemId)!, available: level.available, handles: { inventoryItemId: level.inventoryItemId, locationId } });
    }
  }
  return levels;
}

async function writeShopifyStock(api: ShopifyAdminApi, write: ChannelStockWrite): Promise<ChannelStockWriteOutcome> {
  const { inventoryItemId, locationId } = write.handles;
  if (!inventoryItemId || !locationId) throw new ShopifyApiError("invalid_request", `no Shopify inventory item or location for SKU ${write.skuId}`);
  let expected = write.expected;
  if (expected === null) {
    // Never written before: compare against what Shopify holds now, read just before.
    const [level] = await api.readAvailable([inventoryItemId], locationId);
    if (!level) throw new ShopifyApiError("invalid_request", `Shopify does not stock inventory item ${inventoryItemId} at ${locationId}`);
    expected = level.available;
    if (expected === write.available) return { outcome: "written", available: write.available };
  }
  const outcome = await api.setAvailable({ inventoryItemId, locationId, quantity: write.available, changeFrom: expected, idempotencyKey: `${write.idempotencyKey}:${expected}` });
  if (outcome.outcome === "written") return { outcome: "written", available: write.available, ...(outcome.adjustmentGroupId ? { reference: outcome.adjustmentGroupId } : {}) };
  const [now] = await api.readAvailable([inventoryItemId], locationId);
  if (!now) throw new ShopifyApiError("invalid_request", `Shopify no longer stocks inventory item ${inventoryItemId} at ${locationId}`);
  return { outcome: "conflict", actual: now.available };
}
