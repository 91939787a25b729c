// What /onboarding and /dashboard read about a creator's shops, against real Postgres.
import { describe, expect, it } from "vitest";
import { getOnboardingState, hasConnectedShop } from "../../../src/server/onboarding/onboarding-state.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";

const sql = connectTestDatabase({ max: 2 });

async function linkShop(creatorId: string, shopName: string | null, createdAt: string): Promise<string> {
  const shopId = `onboarding-${newCreatorId()}`;
  await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name, created_at) values (${shopId}, ${creatorId}, ${shopName}, ${createdAt})`;
  return shopId;
}

describe("onboarding state", () => {
  it("has no shops and no import for a creator who just signed up", async () => {
    const creatorId = newCreatorId();
    await linkShop(newCreatorId(), "Someone else's shop", "2026-12-01T09:00:00Z");

    expect(await getOnboardingState(sql, creatorId)).toEqual({ shops: [], import: null });
    expect(await hasConnectedShop(sql, creatorId)).toBe(false);
  });

  it("lists the creator's own shops, oldest first, and nobody else's, with their first import queued", async () => {
    const creatorId = newCreatorId();
    const second = await linkShop(creatorId, null, "2026-12-01T11:00:00Z");
    const first = await linkShop(creatorId, "Maya's Studio", "2026-12-01T10:00:00Z");
    await linkShop(newCreatorId(), "Someone else's shop", "2026-12-01T09:00:00Z");

    expect(await getOnboardingState(sql, creatorId)).toEqual({
      shops: [
        { shopId: first, shopName: "Maya's Studio", connectedAt: "2026-12-01T10:00:00.000Z" },
        { shopId: second, shopName: null, connectedAt: "2026-12-01T11:00:00.000Z" },
      ],
      // Connected, never imported: the import is queued (it starts with the next processing call), not done.
      import: { status: "running", phase: "products", importedCount: 0, totalCount: null, productsImported: 0, ordersImported: 0, productsTotal: null, ordersTotal: null },
    });
    expect(await hasConnectedShop(sql, creatorId)).toBe(true);
  });
});
