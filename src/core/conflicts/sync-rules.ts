// Per-creator rules for resolving inventory sync conflicts without a person, with the
// defaults that apply to a creator who has not set any (table inventory_sync_rules).
import type { Sql } from "postgres";
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
  /** A TikTok count lower by no more than what local orders still hold (shipped there, not yet here) is not a disagreement. */
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

interface SyncRulesRow {
  auto_resolve: boolean;
  tolerance_units: number;
  tolerance_percent: string | number;
  source_of_truth: "local" | "tiktok";
  oversell_protection: boolean;
  auto_resolve_pending_reservations: boolean;
  concurrent_window_seconds: number;
  review_above_units: number | null;
}

/** The creator's rules, or the defaults when it has none. */
export async function loadSyncRules(sql: Sql, creatorId: string): Promise<SyncRules> {
  const [row] = await sql<SyncRulesRow[]>`
    select auto_resolve, tolerance_units, tolerance_percent, source_of_truth, oversell_protection,
           auto_resolve_pending_reservations, concurrent_window_seconds, review_above_units
      from public.inventory_sync_rules where creator_id = ${creatorId}::uuid`;
  if (!row) return defaultSyncRules;
  return {
    autoResolve: row.auto_resolve,
    toleranceUnits: row.tolerance_units,
    tolerancePercent: Number(row.tolerance_percent),
    sourceOfTruth: row.source_of_truth,
    oversellProtection: row.oversell_protection,
    autoResolvePendingReservations: row.auto_resolve_pending_reservations,
    concurrentWindowSeconds: row.concurrent_window_seconds,
    reviewAboveUnits: row.review_above_units,
  };
}

/** Sets some of a creator's rules; the others keep their current (or default) values. */
export async function saveSyncRules(sql: Sql, creatorId: string, changes: Partial<SyncRules>, updatedBy: string): Promise<SyncRules> {
  const rules = syncRulesSchema.parse({ ...(await loadSyncRules(sql, creatorId)), ...changes });
  await sql`
    insert into public.inventory_sync_rules (
      creator_id, auto_resolve, tolerance_units, tolerance_percent, source_of_truth, oversell_protection,
      auto_resolve_pending_reservations, concurrent_window_seconds, review_above_units, updated_by, updated_at)
    values (${creatorId}::uuid, ${rules.autoResolve}, ${rules.toleranceUnits}, ${rules.tolerancePercent}, ${rules.sourceOfTruth},
            ${rules.oversellProtection}, ${rules.autoResolvePendingReservations}, ${rules.concurrentWindowSeconds},
            ${rules.reviewAboveUnits}, ${updatedBy}, now())
    on conflict (creator_id) do update set
      auto_resolve = excluded.auto_resolve, tolerance_units = excluded.tolerance_units,
      tolerance_percent = excluded.tolerance_percent, source_of_truth = excluded.source_of_truth,
      oversell_protection = excluded.oversell_protection,
      auto_resolve_pending_reservations = excluded.auto_resolve_pending_reservations,
      concurrent_window_seconds = excluded.concurrent_window_seconds, review_above_units = excluded.review_above_units,
      updated_by = excluded.updated_by, updated_at = excluded.updated_at`;
  return rules;
}
