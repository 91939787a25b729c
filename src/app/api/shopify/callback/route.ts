import { withCreatorNavigation } from "@/server/auth/with-creator-navigation.ts";
import { shopifyCallbackResponse, shopifyConnectFailedPath } from "@/server/shopify/store-connection.ts";

// GET /api/shopify/callback - Shopify's redirect after consent: check the hmac and state, exchange the code, link the store and its SKUs to this creator
export const GET = withCreatorNavigation(shopifyConnectFailedPath, ({ request, user }) => shopifyCallbackResponse(request, user));
