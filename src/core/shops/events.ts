// Shop events: a TikTok Shop linked to a creator through TikTok's OAuth, and what happens
// to that authorisation afterwards. One stream per shop (`shop-<shop_id>`), owned by the
// creator it is linked to, so the event store itself refuses another creator's append.
// Tokens are never part of an event: only facts about them (when they expire).
import { z } from "zod";
import { tiktokId, unixSeconds } from "../shared-schemas.ts";

const sellerOpenId = z.string().min(1).max(256);
const shopName = z.string().min(1).max(300);

export const shopEvents = {
  "shop.connected": {
    version: 1,
    schema: z.strictObject({
      shop_id: tiktokId,
      shop_name: shopName,
      shop_code: z.string().max(100).optional(),
      region: z.string().max(20).optional(),
      seller_open_id: sellerOpenId,
      seller_name: z.string().max(300).optional(),
      /** True when the shop was connected before and had stopped (deauthorised, or its tokens lapsed). */
      reconnected: z.boolean(),
    }),
  },
  "shop.deauthorized": {
    version: 1,
    // TikTok's SELLER_DEAUTHORIZATION webhook (type 6): the seller removed the app.
    schema: z.strictObject({ shop_id: tiktokId, tiktok_timestamp: unixSeconds }),
  },
  "shop.authorization_expiring": {
    version: 1,
    // TikTok's UPCOMING_AUTHORIZATION_EXPIRATION webhook (type 7).
    schema: z.strictObject({ shop_id: tiktokId, tiktok_timestamp: unixSeconds }),
  },
  "shop.authorization_renewed": {
    version: 1,
    schema: z.strictObject({
      shop_id: tiktokId,
      seller_open_id: sellerOpenId,
      access_token_expires_at: z.iso.datetime(),
      refresh_token_expires_at: z.iso.datetime(),
    }),
  },
  "shop.reconnection_required": {
    version: 1,
    schema: z.strictObject({ shop_id: tiktokId, seller_open_id: sellerOpenId, reason: z.string().min(1).max(500) }),
  },
} as const;

export const shopAggregateId = (shopId: string) => `shop-${shopId}`;
export const SHOP_AGGREGATE_TYPE = "shop" as const;
