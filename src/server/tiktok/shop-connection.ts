// Wires the core's shop connection (src/core/shops/shop-connection.ts) to this server: the
// database, TikTok's auth API and shop API from the environment, the real clock.
import type { Sql } from "postgres";
import { createSellerCredentialStore } from "@/core/shops/seller-credentials.ts";
import { completeShopConnection, startShopConnection, type CallbackQuery, type ConnectionOutcome, type ShopConnectionDependencies } from "@/core/shops/shop-connection.ts";
import { importTokenEncryptionKey } from "@/core/shops/token-encryption.ts";
import { createTikTokShopClient } from "@/core/tiktok/api-client.ts";
import { createTikTokAuthApi } from "@/core/tiktok/auth-api.ts";
import type { SignedInCreator } from "@/server/auth/with-creator-navigation.ts";
import { readTikTokSettings, type TikTokSettings } from "./tiktok-settings.ts";

export async function shopConnectionDependencies(sql: Sql, settings: TikTokSettings, options: { fetch?: typeof fetch; now?: () => Date } = {}): Promise<ShopConnectionDependencies> {
  const now = options.now ?? (() => new Date());
  const encryptionKey = await importTokenEncryptionKey(settings.tokenEncryptionKey);
  const auth = createTikTokAuthApi({
    authBaseUrl: settings.authBaseUrl,
    appKey: settings.appKey,
    appSecret: settings.appSecret,
    fetch: options.fetch,
    serviceId: settings.serviceId,
    authorizePageBaseUrl: settings.authorizePageBaseUrl,
  });
  return {
    sql,
    auth,
    now,
    async listAuthorizedShops(accessToken) {
      const client = createTikTokShopClient({ baseUrl: settings.apiBaseUrl, appKey: settings.appKey, appSecret: settings.appSecret, accessToken, fetch: options.fetch, now: () => now().getTime() });
      return (await client.getAuthorizedShops()).data.shops;
    },
    // Saving only: refreshes happen where the calls are made (process-events).
    credentials: createSellerCredentialStore({ sql, encryptionKey, tokens: auth, now }),
  };
}

const connectingUser = (user: SignedInCreator) => ({ userId: user.userId, creatorId: user.creatorId, sessionId: user.sessionId });

export async function beginShopConnection(sql: Sql, user: SignedInCreator): Promise<string> {
  return startShopConnection(await shopConnectionDependencies(sql, readTikTokSettings()), connectingUser(user));
}

export async function finishShopConnection(sql: Sql, user: SignedInCreator, query: CallbackQuery): Promise<ConnectionOutcome> {
  return completeShopConnection(await shopConnectionDependencies(sql, readTikTokSettings()), connectingUser(user), query);
}
