// What /onboarding shows a creator: the TikTok shops linked to them and the progress of
// the first import. Server code reads as the table owner, so every query names the
// creator itself (RLS on tiktok_shops stands behind it for the API roles).
import type { Sql } from "postgres";
import type { OnboardingState } from "@/lib/onboarding/onboarding-steps.ts";
import { latestImportProgress } from "@/server/shop-history/import-progress.ts";

interface ShopRow {
  shop_id: string;
  shop_name: string | null;
  created_at: Date;
}

export async function getOnboardingState(sql: Sql, creatorId: string): Promise<OnboardingState> {
  const shops = await sql<ShopRow[]>`
    select shop_id, shop_name, created_at from public.tiktok_shops
    where creator_id = ${creatorId} order by created_at, shop_id`;
  return {
    shops: shops.map((shop) => ({ shopId: shop.shop_id, shopName: shop.shop_name, connectedAt: shop.created_at.toISOString() })),
    import: await latestImportProgress(sql, creatorId),
  };
}

/** Whether the creator has connected a shop yet; /dashboard sends those who have not to /onboarding. */
export async function hasConnectedShop(sql: Sql, creatorId: string): Promise<boolean> {
  const [row] = await sql<{ connected: boolean }[]>`
    select exists (select 1 from public.tiktok_shops where creator_id = ${creatorId}) as connected`;
  return row.connected;
}
