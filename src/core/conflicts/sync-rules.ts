// Per-creator rules for resolving inventory sync conflicts without a person, with the
// defaults that apply to a creator who has not set any. Kept in the inventory_sync_rules
// table (sync-rules-store.ts).
import { z } from "zod";

export const syncRulesSchema = z.strictObject({
  /** Master switch: off leaves every conflict for a person. */
  autoResolve: z.boolean(),
  /** Differences up to this many units are accepted as they are (local kept). */
  toleranceUnits: z.number().int().nonnegative(),
  /** ... or up to this share of the local count, in percent. */
  tolerancePercent: z.number().nonnegative().max(100),
  /** Whose count wins a real disagreement. */
  sourceOfTruth: z.enum(["local", "tiktok"]),
  /** Take the lower of the two counts, whoever the source of truth is. */
  oversellProtection: z.boolean(),
  /**
   * Orders in flight are not a disagreement: a TikTok count lower by no more than what local
   * orders still hold (shipped there, not yet here), or higher by no more than the orders TikTok
   * committed that are not taken here yet (its available count at most ours). After a push
   * detection already judges TikTok's available count, so this settles counts no push explains.
   */
  autoResolvePendingReservations: z.boolean(),
  /** Two writers from different sources within this many seconds are a concurrent update. */
  concurrentWindowSeconds: z.number().int().positive().max(3600),
  /** Differences above this many units always go to a person; null: no limit. */
  reviewAboveUnits: z.number().int().positive().nullable(),
});
export type SyncRules = z.infer<typeof syncRulesSchema>;

/**
 * TikTok Shop is where the orders are taken and where creators restock in Seller Center,
 * so its count wins by default; exact counts (no tolerance), reservations in flight
 * explained away. Oversell protection is opt-in: taking the lower count would also undo a
 * restock made on TikTok's side.
 */
export const defaultSyncRules: SyncRules = {
  autoResolve: true,
  toleranceUnits: 0,
  tolerancePercent: 0,
  sourceOfTruth: "tiktok",
  oversellProtection: false,
  autoResolvePendingReservations: true,
  concurrentWindowSeconds: 10,
  reviewAboveUnits: null,
};
