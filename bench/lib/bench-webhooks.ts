// Signed TikTok webhooks for the benchmarks: each a new order's first status (one inbox row
// and one event, the common case), signed with the benchmarks' app credentials.
import { signWebhook } from "../../src/core/channels/tiktok-shop/webhook-signature.ts";

export const benchCredentials = { appKey: "bench_app_key", appSecret: "bench_app_secret" };

export interface SignedDelivery {
  body: string;
  authorization: string;
}

/** Order `orderId`'s AWAITING_SHIPMENT notice from `shopId`; `index` sets its times, `notificationPrefix` its notification id. */
export async function signedNewOrderWebhook(shopId: string, orderId: string, index: number, notificationPrefix: string): Promise<SignedDelivery> {
  const body = JSON.stringify({
    type: 1,
    tts_notification_id: `${notificationPrefix}-${orderId}`,
    shop_id: shopId,
    timestamp: 1764000000 + index,
    data: { order_id: orderId, order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: 1764000000 + index },
  });
  return { body, authorization: await signWebhook({ ...benchCredentials, rawBody: new TextEncoder().encode(body) }) };
}
