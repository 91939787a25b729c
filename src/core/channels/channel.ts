// A sales channel (a marketplace or a shop system the creator sells through) as the engine
// sees it: one adapter per channel, each doing the same six jobs. The engine knows channels
// only through this boundary, so adding a third one is a new adapter, not a change across
// the engine. Stock is the creator's, not a channel's: adapters only report and write counts.
import type { ChannelId } from "./channel-id.ts";
import type { DomainEvent } from "../event-catalogue.ts";

export { channelId, channelIds, channelOf, type ChannelId } from "./channel-id.ts";

/** A catalogued event with the stream it goes to. */
export type ChannelEventToAppend = DomainEvent & { aggregateId: string; aggregateType: string };

/** A delivery exactly as it arrived: verification is over these bytes, never re-serialised JSON. */
export interface RawWebhook {
  rawBody: Uint8Array<ArrayBuffer>;
  headers: Headers;
}

/** What a verified delivery is keyed and attributed by, before it is mapped. */
export interface WebhookIdentity {
  /** The inbox's dedupe key: a redelivery of the same notification has the same key. */
  dedupeKey: string;
  /** The channel's name for the shop it came from (a TikTok shop id, a Shopify shop domain). */
  shopKey: string | undefined;
}

/** One SKU's sellable count as a channel holds it, with the channel's handles for writing it back. */
export interface ChannelStockLevel {
  skuId: string;
  available: number;
  /** The channel's own ids for the SKU (TikTok product id; Shopify inventory item and location). */
  handles: Record<string, string>;
}

/**
 * A compare-and-set write: set `available` only if the channel still holds `expected`.
 * A channel whose API has no compare-and-set (TikTok Shop) writes unconditionally and says so.
 */
export interface ChannelStockWrite {
  skuId: string;
  available: number;
  /** What the channel is believed to hold now; null: no compare (the first write of a SKU). */
  expected: number | null;
  handles: Record<string, string>;
  /** Same key, same write: a retry after a lost answer changes nothing twice. */
  idempotencyKey: string;
}

export type ChannelStockWriteOutcome =
  | { outcome: "written"; available: number; reference?: string }
  /** The channel's count moved since we last saw it: a conflict to record, never an overwrite. */
  | { outcome: "conflict"; actual: number };

/** The channel's API for one connected shop. */
export interface ChannelShopApi {
  /** The channel's counts of these SKUs (with their handles where the channel needs them); SKUs it does not stock are left out. */
  readStock(skus: readonly { skuId: string; handles: Record<string, string> }[]): Promise<ChannelStockLevel[]>;
  writeStock(write: ChannelStockWrite): Promise<ChannelStockWriteOutcome>;
  /**
   * Cancels on the channel an order the pool refused (it could not cover it), saying why; an
   * order the channel has already cancelled counts as cancelled. A channel whose orders the
   * pool never refuses after the fact (TikTok Shop: its saga) need not offer it.
   */
  cancelOrder?(order: { channelOrderId: string; reason: string }): Promise<{ reference?: string }>;
}

/** Connecting a shop: where the creator consents, and the exchange of the code it sends back. */
export interface ChannelConnect<Grant> {
  authorizeUrl(input: { state: string; redirectUri: string; shopKey?: string }): string;
  exchangeCode(input: { query: URLSearchParams; redirectUri: string }): Promise<Grant>;
}

/** Receiving webhooks: verify over raw bytes, key for dedupe, map to domain events. */
export interface ChannelWebhooks<Parsed, Known> {
  verify(webhook: RawWebhook): Promise<boolean>;
  identify(webhook: RawWebhook, parsed: Parsed): WebhookIdentity;
  parse(webhook: RawWebhook): Promise<Parsed>;
  /** Pure: what the delivery means given what is already known of its subject. */
  map(parsed: Parsed, known: Known): ChannelEventToAppend[];
}

export interface ChannelAdapter<Parsed = unknown, Known = unknown, Grant = unknown, Shop = unknown> {
  readonly channel: ChannelId;
  readonly connect: ChannelConnect<Grant>;
  readonly webhooks: ChannelWebhooks<Parsed, Known>;
  /** The API of one connected shop (its credentials are the adapter's business). */
  apiFor(shop: Shop): ChannelShopApi;
}

/**
 * Reconciliation, the same for every channel: a channel whose sellable count differs from
 * the pool's (less its buffer, within its cap) disagrees, and that is a conflict of that channel.
 */
export function channelDisagreements(
  poolAvailable: ReadonlyMap<string, number>,
  channelLevels: readonly ChannelStockLevel[],
  allocation: ChannelAllocation = {},
): { skuId: string; pool: number; target: number; channel: number }[] {
  return channelLevels.flatMap((level) => {
    const pool = poolAvailable.get(level.skuId);
    if (pool === undefined) return [];
    const target = allocatedToChannel(pool, allocation);
    return target === level.available ? [] : [{ skuId: level.skuId, pool, target, channel: level.available }];
  });
}

/** Optional per-channel allocation: units kept back from the channel, and the most it is ever shown. */
export interface ChannelAllocation {
  buffer?: number;
  cap?: number;
}

/** What a channel is shown of the pool's available units: less its buffer, at most its cap, never below 0. */
export function allocatedToChannel(poolAvailable: number, allocation: ChannelAllocation = {}): number {
  const afterBuffer = Math.max(0, poolAvailable - (allocation.buffer ?? 0));
  return allocation.cap === undefined ? afterBuffer : Math.min(afterBuffer, allocation.cap);
}
