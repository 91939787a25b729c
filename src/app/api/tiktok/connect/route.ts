import { connectFailedPath } from "@/lib/tiktok/connect-failures.ts";
import { withCreatorNavigation } from "@/server/auth/with-creator-navigation.ts";
import { databaseClient } from "@/server/database.ts";
import { connectResponse } from "@/server/tiktok/shop-connection.ts";
import { readTikTokSettings } from "@/server/tiktok/tiktok-settings.ts";

// GET /api/tiktok/connect - start connecting a TikTok Shop: a one-time state bound to this creator's session, then TikTok's consent page
export const GET = withCreatorNavigation(connectFailedPath, ({ request, user }) =>
  connectResponse(request, user, { sql: databaseClient(), settings: readTikTokSettings() }),
);
