// Connecting a Shopify store with Shopify's authorization code grant: a one-time state bound
// to the signed-in creator's session, Shopify's consent page, then on the way back the
// redirect's HMAC and state checked, the code exchanged, the token sealed, the store linked
// with its primary location, and each variant's inventory item linked to its SKU, so the
// pool's counts reach the store and its webhooks map to SKUs. The token never leaves this
// module unsealed, and no answer of Shopify's is quoted in an outcome.
import type { Sql } from "postgres";
import { createEventStore } from "../../event-store/index.ts";
import { consumeConnectState, createConnectState, type ConnectingUser } from "../../shops/connect-states.ts";
import { CHANNEL_SHOP_AGGREGATE_TYPE, channelShopAggregateId } from "../events.ts";
import { createShopifyAdminApi, ShopifyApiError } from "./admin-api.ts";
import type { ShopifyChannel } from "./channel-adapter.ts";
import { linkShopifyInventoryItem, linkShopifyStore, sealShopifyToken } from "./shopify-stores.ts";
import { shopDomainPattern } from "./webhook-payloads.ts";

export interface ShopifyConnectionDependencies {
  sql: Sql;
  channel: ShopifyChannel;
  /** Where Shopify's stores are when not at https://<shop> (the local simulator). */
  apiBaseUrl?: string;
  tokenEncryptionKey: string;
  /** Our callback, as registered with the app (`/api/shopify/callback`). */
  redirectUri: string;
  now: () => Date;
}

export type ShopifyConnectFailure = "invalid_shop" | "invalid_state" | "state_expired" | "denied" | "not_from_shopify" | "shopify_unavailable" | "store_of_another_creator" | "no_location";

export type ShopifyConnectOutcome = { outcome: "connected"; shopDomain: string; linkedSkus: number } | { outcome: "failed"; reason: ShopifyConnectFailure };

/** Where to send the creator to consent for `shop` (a <name>.myshopify.com domain). */
export async function startShopifyConnection(deps: ShopifyConnectionDependencies, user: ConnectingUser, shop: string | null): Promise<{ ok: true; url: string } | { ok: false; reason: "invalid_shop" }> {
  const shopDomain = shop?.trim().toLowerCase() ?? "";
  if (!shopDomainPattern.test(shopDomain)) return { ok: false, reason: "invalid_shop" };
  const state = await createConnectState(deps.sql, user, deps.now(), undefined, "shopify_oauth_states");
  return { ok: true, url: deps.channel.connect.authorizeUrl({ state, redirectUri: deps.redirectUri, shopKey: shopDomain }) };
}

export async function completeShopifyConnection(deps: ShopifyConnectionDependencies, user: ConnectingUser, query: URLSearchParams): Promise<ShopifyConnectOutcome> {
  const failed = (reason: ShopifyConnectFailure): ShopifyConnectOutcome => ({ outcome: "failed", reason });
  if (!query.get("code")) return failed("denied");
  const state = await consumeConnectState(deps.sql, query.get("state") ?? "", user, deps.now(), "shopify_oauth_states");
  if (!state.ok) return failed(state.reason);
  let grant;
  try {
    grant = await deps.channel.connect.exchangeCode({ query, redirectUri: deps.redirectUri });
  } catch (error) {
    if (!(error instanceof ShopifyApiError)) throw error;
    return failed(error.kind === "unauthorized" || error.kind === "invalid_request" ? "not_from_shopify" : "shopify_unavailable");
  }
  const api = createShopifyAdminApi({ shopDomain: grant.shopDomain, accessToken: grant.accessToken, apiBaseUrl: deps.apiBaseUrl });
  let locationId: string | null;
  let items: { sku: string; inventoryItemId: string }[];
  try {
    [locationId, items] = await Promise.all([api.primaryLocationId(), api.inventoryItemsBySku()]);
  } catch (error) {
    if (!(error instanceof ShopifyApiError)) throw error;
    return failed("shopify_unavailable");
  }
  if (!locationId) return failed("no_location");
  const accessTokenSealed = await sealShopifyToken(deps.tokenEncryptionKey, grant.shopDomain, grant.accessToken);
  await linkShopifyStore(deps.sql, { creatorId: user.creatorId, shopDomain: grant.shopDomain, accessTokenSealed, scopes: grant.scopes, locationId });
  // The upsert leaves a store linked to another creator as it was: say so rather than link its items.
  const [owner] = await deps.sql<{ creator_id: string }[]>`select creator_id from public.shopify_shops where shop_domain = ${grant.shopDomain}`;
  if (owner?.creator_id !== user.creatorId) return failed("store_of_another_creator");
  const linkable = items.filter((item) => /^[0-9A-Za-z_-]{1,64}$/.test(item.sku));
  for (const item of linkable) {
    await linkShopifyInventoryItem(deps.sql, { shopDomain: grant.shopDomain, inventoryItemId: item.inventoryItemId.replace(/^gid:\/\/shopify\/InventoryItem\//, ""), skuId: item.sku });
  }
  await createEventStore({ sql: deps.sql }).appendToStream({
    creatorId: user.creatorId,
    aggregateId: channelShopAggregateId("shopify", grant.shopDomain),
    aggregateType: CHANNEL_SHOP_AGGREGATE_TYPE,
    events: [{ type: "shop.channel_connected", data: { channel: "shopify", shop_id: grant.shopDomain, scopes: grant.scopes.slice(0, 100), location_id: locationId } }],
    metadata: { source: "api_call", user_id: user.userId },
  });
  return { outcome: "connected", shopDomain: grant.shopDomain, linkedSkus: linkable.length };
}
