// The channels the engine sells through, named on every event that came from one. Its own
// file (no imports but zod) so the event schemas can name channels without a cycle.
import { z } from "zod";

export const channelIds = ["tiktok_shop", "shopify"] as const;
export const channelId = z.enum(channelIds);
export type ChannelId = z.infer<typeof channelId>;

/** Events recorded before channels were named came from TikTok Shop: an absent channel means it. */
export const channelOf = (data: { channel?: ChannelId }): ChannelId => data.channel ?? "tiktok_shop";
