// The outbox for outbound stock, as pure rules: which inventory events are changes TikTok
// cannot know by itself (the intent to push is the event itself, committed with the
// change), and what to push for a SKU given its stream. Pushes coalesce by construction:
// a push sends the stream's latest count and records the stream version it reflects, so
// every change at or below that version is already covered and is skipped. Each shop that
// lists the SKU is pushed and covered on its own: a push that reached one shop and not yet
// another is still due for the other.
import { channelOf } from "../channels/channel-id.ts";
import type { DomainEvent } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { available } from "./inventory.ts";
import { evolveSkuSync, initialSkuSyncState, methodsThatTellTikTok, type ResolutionMethod, type SkuSyncState } from "../conflicts/sku-sync-state.ts";

export interface StockOutboxState {
  sync: SkuSyncState;
  /** The stream version folded so far. */
  version: number;
  /** The stream version every shop was last sent, by pushes recorded without a shop (before pushes named theirs; 0: never). */
  pushedVersion: number;
  /** Per shop: the stream version whose count that shop was last sent. A push to it never goes below it. */
  pushedVersionByShop: Record<string, number>;
  /** The shops TikTok reported the SKU from (its webhooks, a shop's import): the shops that list it. */
  listedInShops: string[];
  /** The newest change TikTok cannot know by itself. */
  pushableVersion: number;
  pushableAt: Date | null;
}

export const initialStockOutboxState = (): StockOutboxState => ({
  sync: initialSkuSyncState(),
  version: 0,
  pushedVersion: 0,
  pushedVersionByShop: {},
  listedInShops: [],
  pushableVersion: 0,
  pushableAt: null,
});

/** The stream version whose count the shop was last sent. */
export const pushedVersionFor = (state: StockOutboxState, shopId: string) => Math.max(state.pushedVersion, state.pushedVersionByShop[shopId] ?? 0);

/**
 * A change of sellable quantity that TikTok did not make: a manual adjustment, restock or
 * correction (source manual or system), a count taken from another channel (shopify), or a conflict settled for the local or a custom
 * value. Counts taken from TikTok and its orders' reservations, releases and shipments are
 * TikTok's own doing, so they are not pushed; another channel's orders' reservations and releases are not.
 */
export function isStockChangeTikTokCannotKnow(event: DomainEvent): boolean {
  // A count taken from another channel (a Shopify store's, accepted in the conflict queue) is as new to TikTok as a manual one.
  if (event.type === "inventory.stock_updated") return event.data.source === "manual" || event.data.source === "system" || event.data.source === "shopify";
  // A sale (or its cancellation) on another channel takes units from the one pool: TikTok must show fewer (or more).
  if (event.type === "inventory.reserved" || event.type === "inventory.released") return channelOf(event.data) !== "tiktok_shop";
  if (event.type === "inventory.sync_conflict_resolved") {
    return (event.data.winner === "local" || event.data.winner === "custom") && methodsThatTellTikTok.has(event.data.method);
  }
  return false;
}

export function evolveStockOutbox(state: StockOutboxState, event: StoredEvent): StockOutboxState {
  const next: StockOutboxState = { ...state, sync: evolveSkuSync(state.sync, event), version: event.version };
  if (isStockChangeTikTokCannotKnow(event)) {
    next.pushableVersion = event.version;
    next.pushableAt = event.occurredAt;
  }
  if (event.type === "inventory.external_count_reported" && event.data.shop_id !== undefined && !state.listedInShops.includes(event.data.shop_id)) {
    next.listedInShops = [...state.listedInShops, event.data.shop_id];
  }
  if (event.type === "inventory.external_count_pushed") {
    // Pushes recorded before stream versions were kept covered everything before them.
    const reflected = event.data.stream_version ?? event.version - 1;
    const shopId = event.data.shop_id;
    if (shopId !== undefined) {
      next.pushedVersionByShop = { ...state.pushedVersionByShop, [shopId]: Math.max(state.pushedVersionByShop[shopId] ?? 0, reflected) };
    } else next.pushedVersion = Math.max(state.pushedVersion, reflected);
  }
  return next;
}

/** A change is waiting for the outbox: newer than the last push to some shop that lists the SKU (to any shop, when none is on record). */
export function stockPushPending(state: StockOutboxState): boolean {
  const shops = state.listedInShops;
  const covered = shops.length === 0 ? Math.max(state.pushedVersion, ...Object.values(state.pushedVersionByShop)) : Math.min(...shops.map((shopId) => pushedVersionFor(state, shopId)));
  return state.pushableVersion > covered;
}

export type StockPushDecision =
  /**
   * `no_connected_shop`: no shop of the creator that lists the SKU can be called (none
   * connected, or linked without a stored TikTok authorisation): nothing is sent, and the
   * reconciliation after a (re)connection brings TikTok in line. `not_listed`: a shop tried
   * because the SKU's shop is not on record answered that it does not sell the product.
   */
  | { action: "skip"; shopId: string | null; reason: "already_pushed" | "nothing_to_push" | "unknown_to_tiktok" | "no_connected_shop" | "not_listed" }
  | { action: "push"; shopId: string; skuId: string; productId: string; total: number; available: number; streamVersion: number };

/**
 * What to do for a change at `triggerVersion`, for one shop: nothing when a push to that shop
 * already covered it (a coalesced or stale one), else send the latest count. TikTok is sent what it may sell:
 * the total less what its orders hold here (reservations) and its own holds (campaign and
 * creator reservations, from its newest report).
 */
export function decideStockPush(state: StockOutboxState, triggerVersion: number, shopId: string): StockPushDecision {
  const pushed = pushedVersionFor(state, shopId);
  if (triggerVersion <= pushed) return { action: "skip", shopId, reason: "already_pushed" };
  if (state.pushableVersion <= pushed) return { action: "skip", shopId, reason: "nothing_to_push" };
  const { inventory } = state.sync;
  if (inventory.skuId === null || inventory.productId === null) return { action: "skip", shopId, reason: "unknown_to_tiktok" };
  // TikTok sets its total to what it is sent plus its commitments and holds: sending the
  // total less our reservations alone would raise its total by the holds.
  return { action: "push", shopId, skuId: inventory.skuId, productId: inventory.productId, total: inventory.total, available: available(inventory), streamVersion: state.version };
}
