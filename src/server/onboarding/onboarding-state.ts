// What /onboarding shows a creator: the TikTok shops linked to them and the progress of
// the first import. Read under the creator's claims (src/server/creator-scope.ts), so RLS
// stands behind the creator filter each query names.
import type { Sql, TransactionSql } from "postgres";
import type { OnboardingState } from "@/lib/onboarding/onboarding-steps.ts";
import { readAsCreator } from "@/server/creator-scope.ts";
import { latestImportProgress } from "@/server/shop-history/import-progress.ts";

interface ShopRow {
  shop_id: string;
  shop_name: string | null;
  created_at: Date;
}

export function getOnboardingState(sql: Sql, creatorId: string): Promise<OnboardingState> {
  return readAsCreator(sql, creatorId, async (tx) => {
    const shops = await tx<ShopRow[]>`
      select shop_id, shop_name, created_at from public.tiktok_shops
      where creator_id = ${creatorId} order by created_at, shop_id`;
    return {
      shops: shops.map((shop) => ({ shopId: shop.shop_id, shopName: shop.shop_name, connectedAt: shop.created_at.toISOString() })),
      import: await latestImportProgress(tx, creatorId),
    };
  });
}

/** Whether the creator has connected a shop yet; /dashboard sends those who have not to /onboarding. */
export function hasConnectedShop(sql: Sql, creatorId: string): Promise<boolean> {
  return readAsCreator(sql, creatorId, async (tx: TransactionSql) => {
    const [row] = await tx<{ connected: boolean }[]>`
      select exists (select 1 from public.tiktok_shops where creator_id = ${creatorId}) as connected`;
    return row.connected;
  });
}
