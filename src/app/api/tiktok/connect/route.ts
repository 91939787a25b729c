import { connectFailedPath } from "@/lib/tiktok/connect-failures.ts";
import { seeOther, withCreatorNavigation } from "@/server/auth/with-creator-navigation.ts";
import { databaseClient } from "@/server/database.ts";
import { beginShopConnection } from "@/server/tiktok/shop-connection.ts";

// GET /api/tiktok/connect - start connecting a TikTok Shop: a one-time state bound to this creator's session, then TikTok's consent page
export const GET = withCreatorNavigation(connectFailedPath, async ({ request, user }) => {
  // Started from another site's page: back to ours, where the creator can start it themselves.
  if (request.headers.get("sec-fetch-site") === "cross-site") return seeOther("/onboarding");
  return seeOther(await beginShopConnection(databaseClient(), user));
});
