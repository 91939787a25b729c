// Demo data for the LOCAL stack only: sign-in users, their TikTok shops (the simulator's
// demo shops) and each SKU's opening stock. Idempotent: every start runs it again.
import type { Sql } from "postgres";
import { handleCommand } from "../../src/core/command-handling.ts";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState } from "../../src/core/inventory/inventory.ts";
import { demoShop } from "../../src/simulator/demo-catalogue.ts";
import { createLocalUser } from "./stand-in/index.ts";

export const DEMO_PASSWORD = "creatorflow-demo";
/** Shops of simulator creators 1..N, so `npm run simulate -- --creators N` reaches linked shops. */
const DEMO_SHOP_COUNT = 6;

export const demoCreatorId = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;

export const demoUsers = [
  { email: "creator1@example.com", appMetadata: { role: "creator" as const, creator_id: demoCreatorId(1) } },
  { email: "creator2@example.com", appMetadata: { role: "creator" as const, creator_id: demoCreatorId(2) } },
  { email: "admin@example.com", appMetadata: { role: "admin" as const, creator_id: null } },
];

export async function seedDemoData(sql: Sql): Promise<void> {
  for (const user of demoUsers) {
    await createLocalUser(sql, { email: user.email, password: DEMO_PASSWORD, appMetadata: user.appMetadata });
  }
  const store = createEventStore({ sql });
  for (let index = 1; index <= DEMO_SHOP_COUNT; index += 1) {
    const shop = demoShop(index);
    const creatorId = demoCreatorId(index);
    await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name, currency, shop_cipher)
              values (${shop.shopId}, ${creatorId}, ${shop.creatorName}, ${shop.currency}, ${shop.shopCipher})
              on conflict (shop_id) do update set shop_cipher = excluded.shop_cipher`;
    for (const sku of shop.skus) {
      await handleCommand({
        store,
        creatorId,
        aggregateId: inventoryAggregateId(sku.skuId),
        aggregateType: "inventory",
        initialState: initialInventoryState,
        evolve: evolveInventory,
        // Opening stock once; later runs find the command already applied.
        decide: (state) => (state.skuId === null ? decideInventory({ type: "AdjustStock", skuId: sku.skuId, productId: sku.productId, newTotal: sku.initialStock, source: "system", reason: "demo opening stock" }, state, new Date()) : []),
        commandId: `demo-opening-stock-${sku.skuId}`,
        snapshotSchemaVersion: 1,
      });
    }
  }
}
