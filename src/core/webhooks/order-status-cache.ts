// The last TikTok status this function applied to recent orders, with the stream version
// it left them at, so a follow-up delivery for a known order needs no read of its stream.
// A hint, never the truth: every append made from it names that version as its expected
// version (a stale decision too is checked against it), so if anything else has written
// to the order since, the store refuses with a conflict and the caller forgets the entry
// and reads the stream. Bounded: the least recently used order goes first.
import type { AppliedOrderStatus } from "../channels/tiktok-shop/order-status.ts";

export interface KnownOrderStatus {
  lastApplied: AppliedOrderStatus | undefined;
  /** The order stream's version once that status was applied (0: no stream). */
  version: number;
}

export interface OrderStatusCache {
  get(orderId: string): KnownOrderStatus | undefined;
  set(orderId: string, known: KnownOrderStatus): void;
  forget(orderId: string): void;
  readonly size: number;
}

export function createOrderStatusCache(capacity: number): OrderStatusCache {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  // A Map iterates in insertion order: re-inserting on use keeps the oldest first.
  const entries = new Map<string, KnownOrderStatus>();
  return {
    get(orderId) {
      const known = entries.get(orderId);
      if (known === undefined) return undefined;
      entries.delete(orderId);
      entries.set(orderId, known);
      return known;
    },
    set(orderId, known) {
      entries.delete(orderId);
      entries.set(orderId, known);
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
    },
    forget(orderId) {
      entries.delete(orderId);
    },
    get size() {
      return entries.size;
    },
  };
}
