// Demo data for the LOCAL stack only: sign-in users, their TikTok shops (the simulator's
// demo shops, ready linked, with sealed credentials) and each SKU's opening stock.
// Idempotent: every start runs it again.
import type { Sql } from "postgres";
import { handleCommand } from "../../src/core/command-handling.ts";
import { automatedOrigin } from "../../src/core/event-catalogue.ts";
import { createEventStore } from "../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../src/core/inventory/events.ts";
import { saveSellerAuthorization } from "../../src/core/shops/seller-credentials.ts";
import { importTokenEncryptionKey } from "../../src/core/shops/token-encryption.ts";
import { decideInventory, evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState } from "../../src/core/inventory/inventory.ts";
import { demoShop } from "../../src/simulator/demo-catalogue.ts";
import { createLocalUser } from "./stand-in/index.ts";

export const DEMO_PASSWORD = "creatorflow-demo";
/** Shops of simulator creators 1..N, so `npm run simulate -- --creators N` reaches linked shops. */
const DEMO_SHOP_COUNT = 6;

export const demoCreatorId = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
/** The demo shops predate seller authorisation in the simulator, so their sellers are the seed's own. */
export const demoSellerOpenId = (index: number) => `demo-seller-${String(index).padStart(3, "0")}`;
/**
 * The simulator's demo shops accept any token it did not issue itself, for ever
 * (src/simulator/api-server.ts): one static token, never due for a refresh.
 */
export const DEMO_ACCESS_TOKEN = "local-simulator-token";
const DEMO_TOKEN_EXPIRY = new Date("2099-12-31T00:00:00Z");

export const demoUsers = [
  { email: "creator1@example.com", appMetadata: { role: "creator" as const, creator_id: demoCreatorId(1) } },
  { email: "creator2@example.com", appMetadata: { role: "creator" as const, creator_id: demoCreatorId(2) } },
  { email: "admin@example.com", appMetadata: { role: "admin" as const, creator_id: null } },
];

export async function seedDemoData(sql: Sql, options: { tokenEncryptionKey: string }): Promise<void> {
  const encryptionKey = await importTokenEncryptionKey(options.tokenEncryptionKey);
  for (const user of demoUsers) {
    await createLocalUser(sql, { email: user.email, password: DEMO_PASSWORD, appMetadata: user.appMetadata });
  }
  const store = createEventStore({ sql });
  for (let index = 1; index <= DEMO_SHOP_COUNT; index += 1) {
    const shop = demoShop(index);
    const creatorId = demoCreatorId(index);
    const sellerOpenId = demoSellerOpenId(index);
    await sql`insert into public.tiktok_shops (shop_id, creator_id, shop_name, currency, shop_cipher, seller_open_id)
              values (${shop.shopId}, ${creatorId}, ${shop.creatorName}, ${shop.currency}, ${shop.shopCipher}, ${sellerOpenId})
              on conflict (shop_id) do update set shop_cipher = excluded.shop_cipher, seller_open_id = excluded.seller_open_id`;
    // Sealed again on every start: a new local key (a deleted state folder) must not leave tokens that no longer open.
    await saveSellerAuthorization(sql, {
      encryptionKey,
      creatorId,
      at: new Date(),
      tokens: {
        accessToken: DEMO_ACCESS_TOKEN, accessTokenExpiresAt: DEMO_TOKEN_EXPIRY,
        refreshToken: DEMO_ACCESS_TOKEN, refreshTokenExpiresAt: DEMO_TOKEN_EXPIRY,
        openId: sellerOpenId, sellerName: shop.creatorName, grantedScopes: [],
      },
    });
    // Their history is the simulator's live traffic, which starts with the demo: nothing to import.
    await sql`insert into public.shop_imports (creator_id, shop_id, status, phase, orders_since, orders_until)
              select ${creatorId}, ${shop.shopId}, 'completed', 'done', now(), now()
               where not exists (select 1 from public.shop_imports where shop_id = ${shop.shopId})`;
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
        metadata: automatedOrigin("demo-seed"),
        snapshotSchemaVersion: INVENTORY_STATE_VERSION,
      });
    }
  }
}
