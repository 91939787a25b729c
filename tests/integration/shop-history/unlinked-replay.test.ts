import { describe, expect, it } from "vitest";
import { signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createTikTokWebhookIngestion } from "../../../src/core/webhooks/tiktok-webhook-ingestion.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { createWorld, linkShop, simulatedShop } from "./harness.ts";
import { uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const appKey = "test_app_key";
const appSecret = "test_app_secret";

function statusWebhook(shopId: string, orderId: string, status: string, updateTime: number): string {
  return JSON.stringify({ type: 1, tts_notification_id: `n-${crypto.randomUUID()}`, shop_id: shopId, timestamp: updateTime + 1, data: { order_id: orderId, order_status: status, update_time: updateTime } });
}

describe("deliveries that arrived before their shop was linked", () => {
  it("are replayed once the shop is linked, each once, as if they arrived then", async () => {
    const shop = simulatedShop(createWorld());
    const ingestion = createTikTokWebhookIngestion({ sql, appKey, appSecret });
    const post = async (body: string) => {
      const raw = new TextEncoder().encode(body);
      return ingestion(raw, await signWebhook({ appKey, appSecret, rawBody: raw }));
    };
    const orderId = uniqueNumericId("57668");
    expect(await post(statusWebhook(shop.shopId, orderId, "AWAITING_SHIPMENT", 1_764_000_100))).toMatchObject({ result: "unlinked_shop" });
    expect(await post(statusWebhook(shop.shopId, orderId, "UNPAID", 1_764_000_000))).toMatchObject({ result: "unlinked_shop" });
    expect(await ingestion.replayUnlinked(shop.shopId)).toBe(0);

    const creatorId = await linkShop(sql, shop, newCreatorId());
    expect(await ingestion.replayUnlinked(shop.shopId)).toBe(2);
    expect(await ingestion.replayUnlinked(shop.shopId)).toBe(0);

    const inbox = await sql<{ status: string; creator_id: string }[]>`select status, creator_id::text from webhook_inbox where shop_id = ${shop.shopId} order by received_at`;
    expect(inbox).toEqual([{ status: "processed", creator_id: creatorId }, { status: "stale", creator_id: creatorId }]);
    const events = await sql<{ event_type: string; tiktok_status: string }[]>`
      select event_type, event_data ->> 'tiktok_status' as tiktok_status from event_store where aggregate_id = ${`order-${orderId}`} order by version`;
    expect(events).toEqual([{ event_type: "order.received_from_tiktok", tiktok_status: "AWAITING_SHIPMENT" }]);
  });
});
