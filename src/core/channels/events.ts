// Events about a shop on a channel other than TikTok Shop (TikTok's shops keep their own
// events in shops/events.ts). One stream per channel shop: `shop-<channel>-<shop>` (a TikTok
// shop's stream is `shop-<digits>`, so the two never meet).
import { z } from "zod";
import { channelId, type ChannelId } from "./channel-id.ts";

const channelShopKey = z.string().regex(/^[0-9A-Za-z._-]{1,255}$/);

export const channelEvents = {
  "shop.channel_connected": {
    version: 1,
    schema: z.strictObject({ channel: channelId, shop_id: channelShopKey, scopes: z.array(z.string().max(100)).max(100), location_id: z.string().max(200) }),
  },
  // The shop removed the app (Shopify's app/uninstalled): no more calls go to it, and its stock is no longer written.
  "shop.channel_uninstalled": {
    version: 1,
    schema: z.strictObject({ channel: channelId, shop_id: channelShopKey, uninstalled_at: z.iso.datetime({ offset: true }) }),
  },
} as const;

export const channelShopAggregateId = (channel: ChannelId, shopId: string) => `shop-${channel}-${shopId}`;
export const CHANNEL_SHOP_AGGREGATE_TYPE = "shop" as const;
