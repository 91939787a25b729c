// RLS as the second wall behind the server's own creator filters: a creator-scoped read runs
// under the creator's claims (src/server/creator-scope.ts), so a copy of a real query with its
// `where creator_id = …` removed still returns that creator's rows only. As the owner (the
// connection server code holds), the same query returns everyone's: the filter alone was the wall.
import { describe, expect, it } from "vitest";
import { readAsCreator } from "../../../src/server/creator-scope.ts";
import { readDashboardSnapshot } from "../../../src/server/dashboard/dashboard-snapshot.ts";
import { hasConnectedShop } from "../../../src/server/onboarding/onboarding-state.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase();

async function seedCreatorRows(creatorId: string, skuId: string, shopId: string): Promise<void> {
  await sql`insert into public.inventory_levels (creator_id, sku_id, aggregate_id, available, reserved, total, reorder_point, last_version, last_event_at, state)
            values (${creatorId}, ${skuId}, ${`inventory-${skuId}`}, 5, 0, 5, 2, 1, now(), '{}'::jsonb)`;
  await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name) values (${shopId}, ${creatorId}, 'Wall test shop')`;
}

describe("creator-scoped reads under the creator's claims", () => {
  it("return only the creator's rows when a query forgets its creator filter", async () => {
    const creator = newCreatorId();
    const neighbour = newCreatorId();
    const marker = uniqueId("wall-");
    await seedCreatorRows(creator, `${marker}-own`, `${marker}-shop-own`);
    await seedCreatorRows(neighbour, `${marker}-other`, `${marker}-shop-other`);

    // The inventory query of the dashboard snapshot and the shop query of onboarding, without their filters.
    const inventoryWithoutFilter = (tx: typeof sql) => tx<{ sku_id: string }[]>`select sku_id from public.inventory_levels where sku_id like ${`${marker}%`} order by sku_id`;
    const shopsWithoutFilter = (tx: typeof sql) => tx<{ shop_id: string }[]>`select shop_id from public.tiktok_shops where shop_id like ${`${marker}%`} order by shop_id`;

    const asOwner = { inventory: await inventoryWithoutFilter(sql), shops: await shopsWithoutFilter(sql) };
    const asCreator = await readAsCreator(sql, creator, async (tx) => ({
      inventory: await inventoryWithoutFilter(tx as unknown as typeof sql),
      shops: await shopsWithoutFilter(tx as unknown as typeof sql),
    }));

    expect(asOwner.inventory.map((row) => row.sku_id)).toEqual([`${marker}-other`, `${marker}-own`]);
    expect(asCreator.inventory.map((row) => row.sku_id)).toEqual([`${marker}-own`]);
    expect(asCreator.shops.map((row) => row.shop_id)).toEqual([`${marker}-shop-own`]);
  });

  it("cannot write, even to the creator's own rows", async () => {
    const creator = newCreatorId();
    const skuId = uniqueId("wall-");
    await seedCreatorRows(creator, skuId, `${skuId}-shop`);

    const write = readAsCreator(sql, creator, (tx) => tx`update public.inventory_levels set available = 999 where sku_id = ${skuId}`);

    await expect(write).rejects.toThrow(/read-only transaction|permission denied/);
  });

  it("serve the real dashboard snapshot and onboarding check as before", async () => {
    const creator = newCreatorId();
    const skuId = uniqueId("wall-");
    await seedCreatorRows(creator, skuId, `${skuId}-shop`);
    await seedCreatorRows(newCreatorId(), `${skuId}-other`, `${skuId}-other-shop`);

    const snapshot = await readDashboardSnapshot(sql, creator);

    expect(snapshot.inventory.map((row) => row.skuId)).toEqual([skuId]);
    expect(await hasConnectedShop(sql, creator)).toBe(true);
    expect(await hasConnectedShop(sql, newCreatorId())).toBe(false);
  });
});
