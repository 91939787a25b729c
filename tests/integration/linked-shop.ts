// A shop linked to a creator as the connect flow leaves it: the tiktok_shops row and its
// seller's sealed tokens (valid a week; the refresh token a year), for tests that run the
// real function against the simulator.
import type { Sql } from "postgres";
import { saveSellerAuthorization } from "../../src/core/shops/seller-credentials.ts";
import { importTokenEncryptionKey } from "../../src/core/shops/token-encryption.ts";
import { DAY_MS } from "../../src/core/durations.ts";


export async function linkShopAsConnected(
  sql: Sql,
  link: { creatorId: string; shop: { shopId: string; shopCipher: string }; sellerOpenId: string; accessToken: string; tokenEncryptionKey: string },
): Promise<void> {
  await sql`insert into tiktok_shops (shop_id, creator_id, shop_cipher, seller_open_id)
            values (${link.shop.shopId}, ${link.creatorId}, ${link.shop.shopCipher}, ${link.sellerOpenId})`;
  const now = new Date();
  await saveSellerAuthorization(sql, {
    encryptionKey: await importTokenEncryptionKey(link.tokenEncryptionKey),
    creatorId: link.creatorId,
    at: now,
    tokens: {
      accessToken: link.accessToken,
      accessTokenExpiresAt: new Date(now.getTime() + 7 * DAY_MS),
      refreshToken: link.accessToken,
      refreshTokenExpiresAt: new Date(now.getTime() + 365 * DAY_MS),
      openId: link.sellerOpenId,
      sellerName: link.sellerOpenId,
      grantedScopes: [],
    },
  });
}
