import { connectFailedPath } from "@/lib/tiktok/connect-failures.ts";
import { withCreatorNavigation } from "@/server/auth/with-creator-navigation.ts";
import { databaseClient } from "@/server/database.ts";
import { callbackResponse } from "@/server/tiktok/shop-connection.ts";
import { readTikTokSettings } from "@/server/tiktok/tiktok-settings.ts";

// GET /api/tiktok/callback - TikTok's redirect after consent: check the state, exchange the code, link the seller's shops to this creator
export const GET = withCreatorNavigation(connectFailedPath, ({ request, user }) =>
  callbackResponse(request, user, { sql: databaseClient(), settings: readTikTokSettings() }),
);
