// Signed TikTok Shop API clients per shop, for the sagas and jobs that call TikTok on a
// creator's behalf. `clientFor` answers at once (the saga asks synchronously); each call
// then fetches the shop's cipher and its seller's token from the credential store, which
// refreshes a token due to expire. An "access token expired" answer refreshes once and
// retries the call once. Calls for a shop that is not this creator's, or whose seller must
// reconnect, fail with ShopNotAuthorizedError before anything is sent.
import type { Sql } from "postgres";
import { createSellerCredentialStore, type ShopAccess } from "../../shops/seller-credentials.ts";
import { importTokenEncryptionKey } from "../../shops/token-encryption.ts";
import { TikTokShopApiError } from "./api-errors.ts";
import { createTikTokAuthApi } from "./auth-api.ts";
import { createTikTokShopFulfilmentClient, type TikTokShopFulfilmentClient } from "./fulfilment-api.ts";

export interface TikTokApiConfig {
  baseUrl: string;
  /** TikTok's auth host (token get and refresh); the simulator locally. */
  authBaseUrl: string;
  appKey: string;
  appSecret: string;
  /** TIKTOK_TOKEN_ENCRYPTION_KEY: 32 bytes, base64. */
  tokenEncryptionKey: string;
  fetch?: typeof fetch;
  now?: () => Date;
  refreshWithinMs?: number;
}

export function createShopClients(sql: Sql, config: TikTokApiConfig) {
  const now = config.now ?? (() => new Date());
  const encryptionKey = importTokenEncryptionKey(config.tokenEncryptionKey);
  // A bad key fails every call with its own message; it must not also crash the process as an unhandled rejection.
  encryptionKey.catch(() => {});
  const authApi = createTikTokAuthApi({ authBaseUrl: config.authBaseUrl, appKey: config.appKey, appSecret: config.appSecret, fetch: config.fetch });
  const credentials = createSellerCredentialStore({ sql, encryptionKey, tokens: authApi, now, refreshWithinMs: config.refreshWithinMs });

  const apiClient = (access: ShopAccess) =>
    createTikTokShopFulfilmentClient({
      baseUrl: config.baseUrl,
      appKey: config.appKey,
      appSecret: config.appSecret,
      accessToken: access.accessToken,
      shopCipher: access.shopCipher,
      fetch: config.fetch,
      now: () => now().getTime(),
    });

  function clientFor(target: { creatorId: string; shopId: string }): TikTokShopFulfilmentClient {
    async function withAccess<T>(call: (client: TikTokShopFulfilmentClient) => Promise<T>): Promise<T> {
      const access = await credentials.shopAccess(target);
      try {
        return await call(apiClient(access));
      } catch (error) {
        if (!(error instanceof TikTokShopApiError) || error.kind !== "token_expired") throw error;
        const accessToken = await credentials.refreshAfterRejection(access);
        return call(apiClient({ ...access, accessToken }));
      }
    }
    return {
      getAuthorizedShops: () => withAccess((client) => client.getAuthorizedShops()),
      getOrderDetails: (orderIds) => withAccess((client) => client.getOrderDetails(orderIds)),
      searchOrders: (filter, page) => withAccess((client) => client.searchOrders(filter, page)),
      searchProducts: (page) => withAccess((client) => client.searchProducts(page)),
      searchInventory: (query) => withAccess((client) => client.searchInventory(query)),
      updateInventory: (productId, update) => withAccess((client) => client.updateInventory(productId, update)),
      shipPackage: (packageId, shipment) => withAccess((client) => client.shipPackage(packageId, shipment)),
      shipPackageWithTikTokShipping: (packageId, options) => withAccess((client) => client.shipPackageWithTikTokShipping(packageId, options)),
      getPackageShippingDocument: (packageId, documentType) => withAccess((client) => client.getPackageShippingDocument(packageId, documentType)),
      getShippingProviders: (deliveryOptionId) => withAccess((client) => client.getShippingProviders(deliveryOptionId)),
    };
  }

  return { clientFor, credentials };
}

export type ShopClients = ReturnType<typeof createShopClients>;
