import { connectFailedPath } from "@/lib/tiktok/connect-failures.ts";
import { seeOther, withCreatorNavigation } from "@/server/auth/with-creator-navigation.ts";
import { databaseClient } from "@/server/database.ts";
import { finishShopConnection } from "@/server/tiktok/shop-connection.ts";

// GET /api/tiktok/callback - TikTok's redirect after consent: check the state, exchange the code, link the seller's shops to this creator
export const GET = withCreatorNavigation(connectFailedPath, async ({ request, user }) => {
  const params = new URL(request.url).searchParams;
  const outcome = await finishShopConnection(databaseClient(), user, { code: params.get("code"), state: params.get("state"), error: params.get("error") });
  if (outcome.outcome === "connected") return seeOther("/onboarding");
  // The reason and an error kind only: never the code, the state or a token.
  console.warn(JSON.stringify({ message: "TikTok Shop connection refused", reason: outcome.reason, cause: outcome.cause ?? null, creator_id: user.creatorId }));
  return seeOther(connectFailedPath(outcome.reason));
});
