// The shop aggregate: whether TikTok calls may go out for a shop, folded from its events,
// and the rules for what may be recorded next. Pure: no clock, no I/O.
import type { DomainEvent, EventData } from "../event-catalogue.ts";
import type { NewEvent, StoredEvent } from "../event-store/index.ts";
import { DomainError } from "../domain-error.ts";
import { shopEvents } from "./events.ts";

export type ShopEventType = keyof typeof shopEvents;
export type ShopEvent = DomainEvent<ShopEventType>;

export function isShopEvent<E extends DomainEvent>(event: E): event is Extract<E, ShopEvent> {
  return Object.hasOwn(shopEvents, event.type);
}

interface LinkedShop {
  shopId: string;
  shopName: string;
  sellerOpenId: string;
}

export type ShopState =
  | { status: "unlinked" }
  | ({ status: "connected" } & LinkedShop)
  | ({ status: "needs_reconnecting"; reason: string } & LinkedShop)
  | ({ status: "deauthorized" } & LinkedShop);

export type ShopStatus = ShopState["status"];

export const initialShopState = (): ShopState => ({ status: "unlinked" });

export type ShopCommand =
  | {
      type: "ConnectShop";
      shopId: string;
      shopName: string;
      shopCode?: string;
      region?: string;
      sellerOpenId: string;
      sellerName?: string;
    }
  | { type: "RequireReconnection"; shopId: string; sellerOpenId: string; reason: string }
  | { type: "RecordAuthorizationRenewed"; shopId: string; sellerOpenId: string; accessTokenExpiresAt: Date; refreshTokenExpiresAt: Date };

export function evolveShop(state: ShopState, event: StoredEvent): ShopState {
  if (!isShopEvent(event)) return state;
  switch (event.type) {
    case "shop.connected":
      return { status: "connected", shopId: event.data.shop_id, shopName: event.data.shop_name, sellerOpenId: event.data.seller_open_id };
    case "shop.reconnection_required":
      return state.status === "unlinked" ? state : { ...linked(state), status: "needs_reconnecting", reason: event.data.reason };
    case "shop.deauthorized":
      return state.status === "unlinked" ? state : { ...linked(state), status: "deauthorized" };
    case "shop.authorization_expiring":
    case "shop.authorization_renewed":
      return state;
    default:
      return exhaustive(event);
  }
}

function linked(state: Exclude<ShopState, { status: "unlinked" }>): LinkedShop {
  return { shopId: state.shopId, shopName: state.shopName, sellerOpenId: state.sellerOpenId };
}

function shopEvent<T extends ShopEventType>(type: T, data: EventData<T>): NewEvent<T> {
  return { type, data };
}

export function decideShop(command: ShopCommand, state: ShopState): NewEvent[] {
  switch (command.type) {
    case "ConnectShop": {
      // Connecting again while connected (the creator clicked twice) records nothing new.
      if (state.status === "connected" && state.sellerOpenId === command.sellerOpenId) return [];
      const data: EventData<"shop.connected"> = {
        shop_id: command.shopId,
        shop_name: command.shopName,
        seller_open_id: command.sellerOpenId,
        reconnected: state.status !== "unlinked",
      };
      if (command.shopCode !== undefined) data.shop_code = command.shopCode;
      if (command.region !== undefined) data.region = command.region;
      if (command.sellerName !== undefined) data.seller_name = command.sellerName;
      return [shopEvent("shop.connected", data)];
    }
    case "RequireReconnection":
      if (state.status === "unlinked") throw new DomainError("not_found", `Shop ${command.shopId} is not linked`);
      // Already stopped: the creator has been told once.
      if (state.status !== "connected") return [];
      return [shopEvent("shop.reconnection_required", { shop_id: command.shopId, seller_open_id: command.sellerOpenId, reason: command.reason })];
    case "RecordAuthorizationRenewed":
      if (state.status !== "connected") return [];
      return [
        shopEvent("shop.authorization_renewed", {
          shop_id: command.shopId,
          seller_open_id: command.sellerOpenId,
          access_token_expires_at: command.accessTokenExpiresAt.toISOString(),
          refresh_token_expires_at: command.refreshTokenExpiresAt.toISOString(),
        }),
      ];
    default:
      return exhaustive(command);
  }
}

/** The status `tiktok_shops.connection_status` keeps for each status of the aggregate. */
export function connectionStatusOf(state: ShopState): "connected" | "needs_reconnecting" | "deauthorized" | null {
  return state.status === "unlinked" ? null : state.status;
}

function exhaustive(value: never): never {
  throw new Error(`unhandled ${JSON.stringify(value)}`);
}
