// Signed TikTok Shop API clients per shop, for the sagas and jobs that call TikTok on a
// creator's behalf. Shop ciphers come from tiktok_shops (refreshed by the caller once per
// round, since the saga's client lookup is synchronous); credentials from configuration.
import type { Sql } from "postgres";
import { createTikTokShopFulfilmentClient, type TikTokShopFulfilmentClient } from "./fulfilment-api.ts";

export interface TikTokApiConfig {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** One seller authorisation for every shop: enough for a single-seller deployment and the simulator. */
  accessToken: string;
}

export function createShopClients(sql: Sql, config: TikTokApiConfig) {
  let cipherByShop = new Map<string, string>();
  const clients = new Map<string, TikTokShopFulfilmentClient>();

  async function refresh(): Promise<void> {
    const rows = await sql<{ shop_id: string; shop_cipher: string | null }[]>`select shop_id, shop_cipher from public.tiktok_shops`;
    cipherByShop = new Map(rows.map((row) => [row.shop_id, row.shop_cipher ?? ""]));
  }

  function clientFor({ shopId }: { creatorId: string; shopId: string }): TikTokShopFulfilmentClient {
    const shopCipher = cipherByShop.get(shopId) ?? "";
    const key = `${shopId}|${shopCipher}`;
    let client = clients.get(key);
    if (!client) {
      client = createTikTokShopFulfilmentClient({ ...config, shopCipher });
      clients.set(key, client);
    }
    return client;
  }

  return { refresh, clientFor };
}
