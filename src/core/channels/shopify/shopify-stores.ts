// The creator's connected Shopify stores, as the channel stock outbox needs them: which
// stores list a SKU, with their allocation, the SKU's inventory item and the store's API.
// Access tokens are sealed with the same key and scheme as TikTok's (shops/token-encryption.ts),
// bound to `shopify:<domain>`, so a sealed token moved to another store's row does not open.
import type { Sql } from "postgres";
import { importTokenEncryptionKey, openToken, sealToken } from "../../shops/token-encryption.ts";
import type { ChannelShopApi } from "../channel.ts";
import type { ChannelStoreToReconcile } from "../channel-reconciliation.ts";
import type { ChannelShopTarget } from "../channel-stock-outbox-consumer.ts";
import type { ShopifyChannel } from "./channel-adapter.ts";
import { inventoryItemGid } from "./webhook-mapping.ts";

const tokenBinding = (shopDomain: string) => `shopify:${shopDomain}`;

export async function sealShopifyToken(tokenEncryptionKey: string, shopDomain: string, accessToken: string): Promise<string> {
  return sealToken(await importTokenEncryptionKey(tokenEncryptionKey), accessToken, tokenBinding(shopDomain));
}

/** Links a store to its creator (a connect, or connecting again after an uninstall). */
export async function linkShopifyStore(sql: Sql, store: { creatorId: string; shopDomain: string; accessTokenSealed: string; scopes: string[]; locationId: string }): Promise<void> {
  await sql`
    insert into public.shopify_shops (shop_domain, creator_id, access_token_sealed, scopes, location_id, connection_status, connected_at, uninstalled_at)
    values (${store.shopDomain}, ${store.creatorId}, ${store.accessTokenSealed}, ${store.scopes}, ${store.locationId}, 'connected', now(), null)
    on conflict (shop_domain) do update set access_token_sealed = excluded.access_token_sealed, scopes = excluded.scopes, location_id = excluded.location_id,
      connection_status = 'connected', connected_at = now(), uninstalled_at = null
     where shopify_shops.creator_id = excluded.creator_id`;
}

export async function linkShopifyInventoryItem(sql: Sql, link: { shopDomain: string; inventoryItemId: string; skuId: string }): Promise<void> {
  await sql`
    insert into public.shopify_inventory_items (shop_domain, inventory_item_id, sku_id) values (${link.shopDomain}, ${link.inventoryItemId}, ${link.skuId})
    on conflict (shop_domain, inventory_item_id) do update set sku_id = excluded.sku_id`;
}

/** The stores that list the SKU and can be written: connected, with a token and a location. */
export function createShopifyStoresListing(options: { channel: ShopifyChannel; tokenEncryptionKey: string }) {
  // Imported when a store first needs it: without stores, an unset key must fail nothing.
  let key: Promise<CryptoKey> | undefined;
  return async (sql: Sql, creatorId: string, skuId: string): Promise<ChannelShopTarget[]> => {
    const rows = await sql<{ shop_domain: string; access_token_sealed: string; location_id: string; stock_buffer: number; stock_cap: number | null; inventory_item_id: string }[]>`
      select s.shop_domain, s.access_token_sealed, s.location_id, s.stock_buffer, s.stock_cap, i.inventory_item_id
        from public.shopify_shops s join public.shopify_inventory_items i on i.shop_domain = s.shop_domain
       where s.creator_id = ${creatorId}::uuid and i.sku_id = ${skuId} and s.connection_status = 'connected'
         and s.access_token_sealed is not null and s.location_id is not null
       order by s.shop_domain`;
    return Promise.all(
      rows.map(async (row) => ({
        channel: "shopify" as const,
        shopId: row.shop_domain,
        allocation: { buffer: row.stock_buffer, ...(row.stock_cap === null ? {} : { cap: row.stock_cap }) },
        handles: { inventoryItemId: inventoryItemGid(row.inventory_item_id), locationId: row.location_id },
        api: options.channel.apiFor({ shopDomain: row.shop_domain, accessToken: await openToken(await (key ??= importTokenEncryptionKey(options.tokenEncryptionKey)), row.access_token_sealed, tokenBinding(row.shop_domain)) }),
      })),
    );
  };
}

/** Every connected store (of these creators, or all) with the SKUs it lists: what reconciliation reads. */
export function createShopifyStoresToReconcile(options: { channel: ShopifyChannel; tokenEncryptionKey: string }) {
  let key: Promise<CryptoKey> | undefined;
  return async (sql: Sql, creatorIds?: readonly string[]): Promise<ChannelStoreToReconcile[]> => {
    const rows = await sql<{ shop_domain: string; creator_id: string; access_token_sealed: string; location_id: string; stock_buffer: number; stock_cap: number | null; items: { sku_id: string; inventory_item_id: string }[] }[]>`
      select s.shop_domain, s.creator_id::text as creator_id, s.access_token_sealed, s.location_id, s.stock_buffer, s.stock_cap,
             coalesce(jsonb_agg(jsonb_build_object('sku_id', i.sku_id, 'inventory_item_id', i.inventory_item_id) order by i.sku_id)
                        filter (where i.sku_id is not null), '[]'::jsonb) as items
        from public.shopify_shops s left join public.shopify_inventory_items i on i.shop_domain = s.shop_domain
       where s.connection_status = 'connected' and s.access_token_sealed is not null and s.location_id is not null
         ${creatorIds ? sql`and s.creator_id = any(${[...creatorIds]}::uuid[])` : sql``}
       group by s.shop_domain
       order by s.creator_id, s.shop_domain`;
    return Promise.all(
      rows.map(async (row) => ({
        creatorId: row.creator_id,
        channel: "shopify" as const,
        shopId: row.shop_domain,
        allocation: { buffer: row.stock_buffer, ...(row.stock_cap === null ? {} : { cap: row.stock_cap }) },
        skus: row.items.map((item) => ({ skuId: item.sku_id, handles: { inventoryItemId: inventoryItemGid(item.inventory_item_id), locationId: row.location_id } })),
        api: options.channel.apiFor({ shopDomain: row.shop_domain, accessToken: await openToken(await (key ??= importTokenEncryptionKey(options.tokenEncryptionKey)), row.access_token_sealed, tokenBinding(row.shop_domain)) }),
      })),
    );
  };
}

/** The API of one of the creator's stores, while it is connected with a token; null otherwise. */
export function createShopifyStoreApi(options: { channel: ShopifyChannel; tokenEncryptionKey: string }) {
  let key: Promise<CryptoKey> | undefined;
  return async (sql: Sql, store: { creatorId: string; channel: string; shopId: string }): Promise<ChannelShopApi | null> => {
    if (store.channel !== "shopify") return null;
    const [row] = await sql<{ access_token_sealed: string }[]>`
      select access_token_sealed from public.shopify_shops
       where shop_domain = ${store.shopId} and creator_id = ${store.creatorId}::uuid and connection_status = 'connected' and access_token_sealed is not null`;
    if (!row) return null;
    const accessToken = await openToken(await (key ??= importTokenEncryptionKey(options.tokenEncryptionKey)), row.access_token_sealed, tokenBinding(store.shopId));
    return options.channel.apiFor({ shopDomain: store.shopId, accessToken });
  };
}
