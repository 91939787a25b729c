import { withCreatorNavigation } from "@/server/auth/with-creator-navigation.ts";
import { shopifyConnectFailedPath, shopifyConnectResponse } from "@/server/shopify/store-connection.ts";

// GET /api/shopify/connect?shop=<name>.myshopify.com - start connecting a Shopify store: a one-time state bound to this creator's session, then Shopify's consent page
export const GET = withCreatorNavigation(shopifyConnectFailedPath, ({ request, user }) => shopifyConnectResponse(request, user));
