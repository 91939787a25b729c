// The progress of a creator's latest shop import, for /onboarding's progress bar. Called
// inside a transaction under the creator's claims (getOnboardingState), and names the creator too.
import type { TransactionSql } from "postgres";
import type { ImportProgress } from "@/lib/onboarding/onboarding-steps.ts";

interface ImportRow {
  status: ImportProgress["status"];
  phase: NonNullable<ImportProgress["phase"]>;
  products_imported: number;
  orders_imported: number;
  products_total: number | null;
  orders_total: number | null;
}

export async function latestImportProgress(sql: TransactionSql, creatorId: string): Promise<ImportProgress | null> {
  const [row] = await sql<ImportRow[]>`
    select status, phase, products_imported, orders_imported, products_total, orders_total
      from public.shop_imports where creator_id = ${creatorId}::uuid
     order by started_at desc, id limit 1`;
  if (!row) return (await awaitsFirstImport(sql, creatorId)) ? queuedImport : null;
  // The total is known once both searches have said how many there are.
  const totalCount = row.products_total !== null && row.orders_total !== null ? row.products_total + row.orders_total : null;
  return {
    status: row.status,
    phase: row.phase,
    importedCount: row.products_imported + row.orders_imported,
    totalCount,
    productsImported: row.products_imported,
    ordersImported: row.orders_imported,
    productsTotal: row.products_total,
    ordersTotal: row.orders_total,
  };
}

/** A shop just connected: its import starts with the next processing call, and until then it is queued, not done. */
const queuedImport: ImportProgress = { status: "running", phase: "products", importedCount: 0, totalCount: null, productsImported: 0, ordersImported: 0, productsTotal: null, ordersTotal: null };

async function awaitsFirstImport(sql: TransactionSql, creatorId: string): Promise<boolean> {
  const [row] = await sql<{ waiting: boolean }[]>`
    select exists (select 1 from public.tiktok_shops s
                    where s.creator_id = ${creatorId}::uuid and s.connection_status = 'connected'
                      and not exists (select 1 from public.shop_imports i where i.shop_id = s.shop_id)) as waiting`;
  return row.waiting;
}
