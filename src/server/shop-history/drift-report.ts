// The drift report: what reconciliation found that the webhooks had not delivered (orders
// never seen, statuses behind, stock counts apart), when, and what was done. For a creator
// (their own shops, read under their claims so RLS stands behind the creator filter) and for
// admins (every creator, with the runs).
import type { PendingQuery, Row, Sql, TransactionSql } from "postgres";
import { readAsCreator } from "@/server/creator-scope.ts";

export type DriftKind = "order_missing" | "order_status" | "stock_count";

export interface DriftItem {
  foundAt: string;
  creatorId: string;
  shopId: string;
  kind: DriftKind;
  reference: string;
  applied: string | null;
  observed: string;
  action: string;
}

export interface DriftReport {
  since: string;
  /** When this creator's shops (or, for admins, any shop) were last checked; null if never. */
  lastCheckedAt: string | null;
  counts: Record<DriftKind, number> & { total: number };
  items: DriftItem[];
}

export interface ReconciliationRunView {
  id: string;
  trigger: "scheduled" | "manual";
  status: "running" | "succeeded" | "failed";
  startedAt: string;
  finishedAt: string | null;
  drift: number | null;
  ordersChecked: number | null;
  skusChecked: number | null;
  error: string | null;
}

interface DriftRow {
  found_at: Date;
  creator_id: string;
  shop_id: string;
  kind: DriftKind;
  reference: string;
  applied: string | null;
  observed: string;
  action: string;
}

const ITEMS_SHOWN = 200;

function readDrift(sql: Sql | TransactionSql, since: Date, forCreator: PendingQuery<Row[]>) {
  return Promise.all([
    sql<{ kind: DriftKind; n: number }[]>`
      select kind, count(*)::int as n from public.reconciliation_drift where found_at >= ${since} ${forCreator} group by kind`,
    sql<DriftRow[]>`
      select found_at, creator_id::text as creator_id, shop_id, kind, reference, applied, observed, action
        from public.reconciliation_drift where found_at >= ${since} ${forCreator}
       order by found_at desc, id desc limit ${ITEMS_SHOWN}`,
    sql<{ at: Date | null }[]>`
      select max(last_checked_at) as at from public.shop_reconciliation_marks where true ${forCreator}`,
  ]);
}

export async function readDriftReport(sql: Sql, options: { creatorId: string | null; now: Date; hours?: number }): Promise<DriftReport> {
  const since = new Date(options.now.getTime() - (options.hours ?? 24) * 3_600_000);
  const { creatorId } = options;
  // A creator's report reads under the creator's claims; the admin panel's report covers everyone.
  const [counts, items, checked] = creatorId === null ? await readDrift(sql, since, sql``) : await readAsCreator(sql, creatorId, (tx) => readDrift(tx, since, tx`and creator_id = ${creatorId}::uuid`));
  const byKind: Record<DriftKind, number> = { order_missing: 0, order_status: 0, stock_count: 0 };
  for (const row of counts) byKind[row.kind] = row.n;
  return {
    since: since.toISOString(),
    lastCheckedAt: checked[0]?.at?.toISOString() ?? null,
    counts: { ...byKind, total: byKind.order_missing + byKind.order_status + byKind.stock_count },
    items: items.map((row) => ({
      foundAt: row.found_at.toISOString(),
      creatorId: row.creator_id,
      shopId: row.shop_id,
      kind: row.kind,
      reference: row.reference,
      applied: row.applied,
      observed: row.observed,
      action: row.action,
    })),
  };
}

export async function readReconciliationRuns(sql: Sql, limit = 20): Promise<ReconciliationRunView[]> {
  const rows = await sql<{ id: string; trigger: "scheduled" | "manual"; status: "running" | "succeeded" | "failed"; started_at: Date; finished_at: Date | null; report: { drift?: number; orders?: { ordersChecked?: number }; stock?: { skusChecked?: number } | null } | null; error: string | null }[]>`
    select id, trigger, status, started_at, finished_at, report, error from public.reconciliation_runs order by started_at desc limit ${limit}`;
  return rows.map((row) => ({
    id: row.id,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    drift: row.report?.drift ?? null,
    ordersChecked: row.report?.orders?.ordersChecked ?? null,
    skusChecked: row.report?.stock?.skusChecked ?? null,
    error: row.error,
  }));
}

export function describeDriftKind(kind: DriftKind): string {
  switch (kind) {
    case "order_missing":
      return "Order never delivered";
    case "order_status":
      return "Status behind";
    case "stock_count":
      return "Stock count apart";
    default: {
      const unhandled: never = kind;
      return unhandled;
    }
  }
}
