// Keeps each shop's connection status in step with its stream, and acts on TikTok's
// authorisation notices:
// - shop.deauthorized (webhook type 6): the shop stops; no call goes out for it again
//   until the creator connects it (the alerts projection tells them).
// - shop.authorization_expiring (type 7): the seller's tokens are refreshed at once; when
//   TikTok refuses, the credential store stops the seller's shops and records
//   shop.reconnection_required, which tells the creator.
// - shop.connected / shop.reconnection_required: their writers set the status in the same
//   transaction already; applying them again here is a no-op, and keeps the rule in one place.
// A status moves only forward in the stream (connection_status_version), so an old event
// processed late never undoes a newer one. It calls TikTok, so it runs in the fulfilment
// lane, at least once; a transient TikTok failure is thrown for the runner's retries.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin, reactionTo } from "../event-catalogue.ts";
import type { EventStore, StoredEvent } from "../event-store/index.ts";
import { reactorConsumer, type Consumer } from "../processing/index.ts";
import { SHOP_AGGREGATE_TYPE, shopAggregateId } from "./events.ts";
import type { SellerCredentialStore } from "./seller-credentials.ts";
import { decideShop, evolveShop, initialShopState, isShopEvent, type ShopEvent, type ShopEventType } from "./shop.ts";

export const SHOP_AUTHORIZATIONS_CONSUMER = "shop-authorizations";

type ConnectionStatus = "connected" | "needs_reconnecting" | "deauthorized";

function statusSetBy(event: ShopEvent): { status: ConnectionStatus; reason: string | null } | null {
  switch (event.type) {
    case "shop.connected":
      return { status: "connected", reason: null };
    case "shop.reconnection_required":
      return { status: "needs_reconnecting", reason: event.data.reason };
    case "shop.deauthorized":
      return { status: "deauthorized", reason: "the seller removed the app on TikTok" };
    case "shop.authorization_expiring":
    case "shop.authorization_renewed":
      return null;
  }
}

export function createShopAuthorizationConsumer(options: { credentials: Pick<SellerCredentialStore, "renewSeller"> }): Consumer {
  // Replays re-derive nothing (a reactor skips them): statuses were set when the events were new.
  return reactorConsumer({
    name: SHOP_AUTHORIZATIONS_CONSUMER,
    handles: ["shop.connected", "shop.deauthorized", "shop.reconnection_required", "shop.authorization_expiring"],
    batchSize: 50,
    async react(events, { sql, store, now }) {
      for (const event of events) {
        if (!isShopEvent(event)) continue;
        const change = statusSetBy(event);
        if (change) await applyConnectionStatus(sql, event, change, now());
        else if (event.type === "shop.authorization_expiring") await renewAuthorization(sql, store, event, event.data.shop_id, options.credentials);
      }
    },
  });
}

async function applyConnectionStatus(sql: Sql, event: StoredEvent<ShopEventType>, change: { status: ConnectionStatus; reason: string | null }, now: Date): Promise<void> {
  const shopId = event.data.shop_id;
  await sql`
    update public.tiktok_shops
       set connection_status = ${change.status}, connection_status_reason = ${change.reason},
           connection_status_version = ${event.version}, connection_status_changed_at = ${now}
     where shop_id = ${shopId} and creator_id = ${event.creatorId}::uuid and connection_status_version < ${event.version}`;
}

async function renewAuthorization(sql: Sql, store: EventStore, event: StoredEvent, shopId: string, credentials: Pick<SellerCredentialStore, "renewSeller">): Promise<void> {
  const [shop] = await sql<{ seller_open_id: string | null; connection_status: ConnectionStatus }[]>`
    select seller_open_id, connection_status from public.tiktok_shops where shop_id = ${shopId} and creator_id = ${event.creatorId}::uuid`;
  // A shop already stopped (or never authorised here) has nothing to renew; its creator knows.
  if (!shop || shop.seller_open_id === null || shop.connection_status !== "connected") return;
  const sellerOpenId = shop.seller_open_id;
  const renewal = await credentials.renewSeller(sellerOpenId);
  // Refused: the store has stopped the seller's shops and recorded why.
  if (renewal.outcome !== "renewed") return;
  await handleCommand({
    store,
    creatorId: event.creatorId,
    aggregateId: shopAggregateId(shopId),
    aggregateType: SHOP_AGGREGATE_TYPE,
    initialState: initialShopState,
    evolve: evolveShop,
    decide: (state) =>
      decideShop(
        { type: "RecordAuthorizationRenewed", shopId, sellerOpenId, accessTokenExpiresAt: renewal.accessTokenExpiresAt, refreshTokenExpiresAt: renewal.refreshTokenExpiresAt },
        state,
      ),
    // Once per notice, however often it is delivered to this consumer.
    commandId: `shop-renewal:${event.id}`,
    metadata: automatedOrigin(SHOP_AUTHORIZATIONS_CONSUMER, reactionTo(event)),
  });
}
