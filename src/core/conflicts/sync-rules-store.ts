// A creator's sync rules in the inventory_sync_rules table: read (the defaults for a
// creator without a row) and changed in part.
import type { Sql } from "postgres";
import { defaultSyncRules, syncRulesSchema, type SyncRules } from "./sync-rules.ts";

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
