// The two navigations of connecting a Shopify store, wired to this server: the core's flow
// (src/core/channels/shopify/store-connection.ts) with the database, the settings from the
// environment and the clock. The route handlers only add who is signed in.
import { createShopifyChannel } from "@/core/channels/shopify/channel-adapter.ts";
import { completeShopifyConnection, startShopifyConnection, type ShopifyConnectionDependencies } from "@/core/channels/shopify/store-connection.ts";
import { seeOther, type SignedInCreator } from "@/server/auth/with-creator-navigation.ts";
import { databaseClient } from "@/server/database.ts";
import { log } from "@/server/log.ts";

export class ShopifyNotConfiguredError extends Error {
  override readonly name = "ShopifyNotConfiguredError";
}

/** Read per request, so a missing variable fails the connect flow with a logged reason, not the app. */
function shopifyDependencies(request: Request, env: Record<string, string | undefined> = process.env): ShopifyConnectionDependencies {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new ShopifyNotConfiguredError(`${name} is not set`);
    return value;
  };
  const apiBaseUrl = env.SHOPIFY_API_BASE_URL || undefined;
  return {
    sql: databaseClient(),
    channel: createShopifyChannel({ clientId: required("SHOPIFY_API_KEY"), clientSecret: required("SHOPIFY_API_SECRET"), apiBaseUrl }),
    apiBaseUrl,
    tokenEncryptionKey: required("TIKTOK_TOKEN_ENCRYPTION_KEY"),
    // Must be one of the app's allowed redirection URLs; behind a proxy, set it explicitly.
    redirectUri: env.SHOPIFY_REDIRECT_URL || `${new URL(request.url).origin}/api/shopify/callback`,
    now: () => new Date(),
  };
}

const connectingUser = (user: SignedInCreator) => ({ userId: user.userId, creatorId: user.creatorId, sessionId: user.sessionId });

/** Where a failed connection lands: the dashboard, with a fixed reason code (never Shopify's words). */
export const shopifyConnectFailedPath = (reason: string) => `/dashboard?shopify_connect=${encodeURIComponent(reason)}`;

/** GET /api/shopify/connect?shop=<name>.myshopify.com: off to Shopify's consent page with a fresh state. */
export async function shopifyConnectResponse(request: Request, user: SignedInCreator): Promise<Response> {
  if (request.headers.get("sec-fetch-site") === "cross-site") return seeOther("/dashboard");
  const started = await startShopifyConnection(shopifyDependencies(request), connectingUser(user), new URL(request.url).searchParams.get("shop"));
  return seeOther(started.ok ? started.url : shopifyConnectFailedPath(started.reason));
}

/** GET /api/shopify/callback: the store linked and on to the dashboard, or back there with the reason. */
export async function shopifyCallbackResponse(request: Request, user: SignedInCreator): Promise<Response> {
  const outcome = await completeShopifyConnection(shopifyDependencies(request), connectingUser(user), new URL(request.url).searchParams);
  if (outcome.outcome === "connected") return seeOther("/dashboard?shopify_connect=connected");
  log.warn("Shopify store connection refused", { reason: outcome.reason, creator_id: user.creatorId });
  return seeOther(shopifyConnectFailedPath(outcome.reason));
}
