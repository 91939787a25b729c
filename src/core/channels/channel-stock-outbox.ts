// The stock outbox for channels with compare-and-set (Shopify), as pure rules: the pool's
// available count is what every channel shows (less its buffer, within its cap), and a
// change of it on any side is pushed to each channel shop that lists the SKU. A push names
// the count it expects the channel to hold; the channel answering that it holds something
// else is a concurrent change there, decided by `afterStaleWrite`. TikTok Shop, which has no
// compare-and-set, keeps its own outbox (inventory/stock-outbox.ts).
import type { NewEvent, StoredEvent } from "../event-store/index.ts";
import { available, evolveInventory, initialInventoryState, type InventoryState } from "../inventory/inventory.ts";
import { allocatedToChannel, type ChannelAllocation } from "./channel.ts";
import type { ChannelId } from "./channel-id.ts";

/** The stock source a channel's counts are recorded under: a channel added to ChannelId must name its own here. */
const stockSourceOf: Record<ChannelId, "tiktok" | "shopify"> = { tiktok_shop: "tiktok", shopify: "shopify" };

/** What is known of one channel shop's count of the SKU. */
export interface ChannelShopStock {
  /** The count the channel holds as far as we know (its newest report, or our last push); null: never seen. */
  known: number | null;
  handles: Record<string, string>;
  /** The stream version whose count was last pushed to it. */
  pushedVersion: number;
  lastPushAt: string | null;
}

export interface ChannelStockOutboxState {
  inventory: InventoryState;
  version: number;
  shops: Record<string, ChannelShopStock>;
}

export const channelShopKey = (channel: ChannelId, shopId: string) => `${channel}:${shopId}`;

export const initialChannelStockOutboxState = (): ChannelStockOutboxState => ({ inventory: initialInventoryState(), version: 0, shops: {} });

const noShopStock = (): ChannelShopStock => ({ known: null, handles: {}, pushedVersion: 0, lastPushAt: null });

/** Changes of the pool's available count: every one is due at every channel shop it did not come from or already shows. */
export const POOL_CHANGE_TYPES = ["inventory.stock_updated", "inventory.reserved", "inventory.released", "inventory.sync_conflict_resolved"] as const;

export function evolveChannelStockOutbox(state: ChannelStockOutboxState, event: StoredEvent): ChannelStockOutboxState {
  const next = { ...state, inventory: evolveInventory(state.inventory, event), version: event.version };
  if (event.type === "inventory.channel_count_reported") {
    const key = channelShopKey(event.data.channel, event.data.shop_id);
    const shop = state.shops[key] ?? noShopStock();
    // A report the channel made before our last push landed says nothing of the count now.
    const older = shop.lastPushAt !== null && event.data.channel_update_time !== undefined && Date.parse(event.data.channel_update_time) < Date.parse(shop.lastPushAt);
    next.shops = { ...state.shops, [key]: { ...shop, handles: { ...shop.handles, ...event.data.handles }, known: older ? shop.known : event.data.available } };
  }
  if (event.type === "inventory.channel_count_pushed") {
    const key = channelShopKey(event.data.channel, event.data.shop_id);
    const shop = state.shops[key] ?? noShopStock();
    next.shops = {
      ...state.shops,
      [key]: { ...shop, known: event.data.available, pushedVersion: Math.max(shop.pushedVersion, event.data.stream_version), lastPushAt: event.occurredAt.toISOString() },
    };
  }
  return next;
}

export type ChannelPushDecision =
  | { action: "skip"; reason: "already_pushed" | "in_step" }
  | { action: "push"; target: number; expected: number | null; streamVersion: number };

/**
 * For a pool change at `triggerVersion`: nothing when a later push already covered it, or
 * when the channel already shows what it should; else the pool's count (allocated), expected
 * over what the channel is known to hold.
 */
export function decideChannelPush(state: ChannelStockOutboxState, shopKey: string, triggerVersion: number, allocation: ChannelAllocation = {}): ChannelPushDecision {
  const shop = state.shops[shopKey] ?? noShopStock();
  if (triggerVersion <= shop.pushedVersion) return { action: "skip", reason: "already_pushed" };
  const target = allocatedToChannel(available(state.inventory), allocation);
  if (shop.known === target) return { action: "skip", reason: "in_step" };
  return { action: "push", target, expected: shop.known, streamVersion: state.version };
}

export type StaleWriteDecision =
  /** The channel already shows the pool's count (its own sale, reported late): nothing to write, nothing to flag. */
  | { action: "in_step" }
  /**
   * The channel holds a count neither we nor it agreed: a conflict of that channel, recorded.
   * Never shown more than either side holds: above the pool, it is set down to the pool's count
   * (oversell protection); below, it is left as it is (units it took are most likely an order
   * whose webhook is on its way, which will reserve them from the pool).
   */
  | { action: "conflict"; write: number | null };

export function afterStaleWrite(target: number, actual: number): StaleWriteDecision {
  if (actual === target) return { action: "in_step" };
  return { action: "conflict", write: actual > target ? target : null };
}

/** A count written to a channel shop: what it now shows, what it was expected to hold, and the pool's version it reflects. */
export interface ChannelCountPush {
  available: number;
  expected: number | null;
  streamVersion: number;
  /** The channel's reference for the write (Shopify: the adjustment group), if it gave one. */
  reference?: string;
}

export function channelCountPushedEvent(skuId: string, shop: { channel: ChannelId; shopId: string }, push: ChannelCountPush): NewEvent {
  return {
    type: "inventory.channel_count_pushed",
    data: {
      sku_id: skuId,
      channel: shop.channel,
      shop_id: shop.shopId,
      available: push.available,
      expected: push.expected,
      stream_version: push.streamVersion,
      ...(push.reference ? { reference: push.reference.slice(0, 200) } : {}),
    },
  };
}

/**
 * A push found the shop holding another count: a concurrent update of that channel, named, with
 * the pool's count for it and the shop's (never below 0 in the conflict), and the shop's count
 * as reported, so the next push compares against what it holds.
 */
export function channelPushConflictEvents(
  skuId: string,
  shop: { channel: ChannelId; shopId: string },
  found: { conflictId: string; local: number; actual: number; handles: Record<string, string>; triggerEventId: string },
): NewEvent[] {
  return [
    {
      type: "inventory.sync_conflict_detected",
      data: {
        conflict_id: found.conflictId,
        sku_id: skuId,
        conflict_type: "concurrent_update",
        local_value: found.local,
        external_value: Math.max(0, found.actual),
        source: stockSourceOf[shop.channel],
        channel: shop.channel,
        shop_id: shop.shopId,
        trigger_event_id: found.triggerEventId,
      },
    },
    { type: "inventory.channel_count_reported", data: { sku_id: skuId, channel: shop.channel, shop_id: shop.shopId, available: found.actual, handles: found.handles } },
  ];
}
