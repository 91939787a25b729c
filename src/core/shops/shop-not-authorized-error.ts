// Calls for a shop that may not be made: it is not this creator's, it was never
// authorised, its seller must reconnect, or the seller removed the app. A TikTokShopApiError
// of its own kind, so callers that already judge TikTok failures (the fulfilment saga,
// reconciliation) see it as one; not retryable: only the creator connecting the shop again
// makes the same call succeed.
import { TikTokShopApiError } from "../channels/tiktok-shop/api-errors.ts";

export type ShopNotAuthorizedReason = "not_linked" | "not_connected" | "needs_reconnecting" | "deauthorized";

const messages: Record<ShopNotAuthorizedReason, (shopId: string) => string> = {
  not_linked: (shopId) => `TikTok Shop ${shopId} is not linked to this creator`,
  not_connected: (shopId) => `TikTok Shop ${shopId} has no stored TikTok authorisation: connect it`,
  needs_reconnecting: (shopId) => `TikTok Shop ${shopId} needs reconnecting: its TikTok authorisation could not be renewed`,
  deauthorized: (shopId) => `TikTok Shop ${shopId} was disconnected by the seller on TikTok: connect it again to resume`,
};

export class ShopNotAuthorizedError extends TikTokShopApiError {
  readonly shopId: string;
  readonly reason: ShopNotAuthorizedReason;

  constructor(shopId: string, reason: ShopNotAuthorizedReason) {
    super("shop_not_authorized", messages[reason](shopId));
    this.shopId = shopId;
    this.reason = reason;
  }
}
