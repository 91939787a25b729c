// The two navigations of connecting a TikTok Shop, as responses, wired to this server: the
// core's connection flow (src/core/shops/shop-connection.ts) with the database, TikTok's
// auth and shop APIs from the settings, and the clock. The route handlers only add who is
// signed in.
import type { Sql } from "postgres";
import { createSellerCredentialStore } from "@/core/shops/seller-credentials.ts";
import { completeShopConnection, startShopConnection, type ShopConnectionDependencies } from "@/core/shops/shop-connection.ts";
import { importTokenEncryptionKey } from "@/core/shops/token-encryption.ts";
import { createTikTokShopClient } from "@/core/channels/tiktok-shop/api-client.ts";
import { createTikTokAuthApi } from "@/core/channels/tiktok-shop/auth-api.ts";
import { connectFailedPath } from "@/lib/tiktok/connect-failures.ts";
import { requestOrigin } from "@/server/auth/request-origin.ts";
import { requestIdOf } from "@/server/auth/signed-in-route.ts";
import { seeOther, type SignedInCreator } from "@/server/auth/with-creator-navigation.ts";
import type { TikTokSettings } from "./tiktok-settings.ts";
import { log } from "@/server/log.ts";

export interface ShopConnectionContext {
  sql: Sql;
  settings: TikTokSettings;
  fetch?: typeof fetch;
  now?: () => Date;
}

export async function shopConnectionDependencies(context: ShopConnectionContext): Promise<Omit<ShopConnectionDependencies, "origin">> {
  const { sql, settings } = context;
  const now = context.now ?? (() => new Date());
  const encryptionKey = await importTokenEncryptionKey(settings.tokenEncryptionKey);
  const auth = createTikTokAuthApi({
    authBaseUrl: settings.authBaseUrl,
    appKey: settings.appKey,
    appSecret: settings.appSecret,
    fetch: context.fetch,
    serviceId: settings.serviceId,
    authorizePageBaseUrl: settings.authorizePageBaseUrl,
  });
  return {
    sql,
    auth,
    now,
    async listAuthorizedShops(accessToken) {
      const client = createTikTokShopClient({ baseUrl: settings.apiBaseUrl, appKey: settings.appKey, appSecret: settings.appSecret, accessToken, fetch: context.fetch, now: () => now().getTime() });
      return (await client.getAuthorizedShops()).data.shops;
    },
    // Saving only: refreshes happen where the calls are made (process-events).
    credentials: createSellerCredentialStore({ sql, encryptionKey, tokens: auth, now }),
  };
}

const connectingUser = (user: SignedInCreator) => ({ userId: user.userId, creatorId: user.creatorId, sessionId: user.sessionId });

/** GET /api/tiktok/connect: off to TikTok's consent page with a fresh state. */
export async function connectResponse(request: Request, user: SignedInCreator, context: ShopConnectionContext): Promise<Response> {
  // Started from another site's page: back to ours, where the creator can start it themselves.
  if (request.headers.get("sec-fetch-site") === "cross-site") return seeOther("/onboarding");
  return seeOther(await startShopConnection(await shopConnectionDependencies(context), connectingUser(user)));
}

/** GET /api/tiktok/callback: the shops linked and on to /onboarding, or the failure page with its reason. */
export async function callbackResponse(request: Request, user: SignedInCreator, context: ShopConnectionContext): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const origin = requestOrigin(request, requestIdOf(request), user);
  const outcome = await completeShopConnection({ ...(await shopConnectionDependencies(context)), origin }, connectingUser(user), {
    code: params.get("code"),
    state: params.get("state"),
    error: params.get("error"),
  });
  if (outcome.outcome === "connected") return seeOther("/onboarding");
  // The reason and an error kind only: never the code, the state or a token.
  log.warn("TikTok Shop connection refused", { reason: outcome.reason, cause: outcome.cause ?? null, creator_id: user.creatorId });
  return seeOther(connectFailedPath(outcome.reason));
}
