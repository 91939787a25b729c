import { requestReconciliation } from "@/core/shop-history/reconciliation-run.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { databaseClient } from "@/server/database.ts";
import { readDriftReport, readReconciliationRuns } from "@/server/shop-history/drift-report.ts";

// GET /api/admin/reconciliation - the latest reconciliation runs and every creator's drift of the last 24 hours
export const GET = withAdmin(async () => {
  const sql = databaseClient();
  const [runs, drift] = await Promise.all([readReconciliationRuns(sql), readDriftReport(sql, { creatorId: null, now: new Date() })]);
  return Response.json({ runs, drift }, { headers: { "Cache-Control": "no-store" } });
});

// POST /api/admin/reconciliation - reconcile orders and stock now: the fulfilment lane is woken and runs it; 202 at once, the run appears in GET
export const POST = withAdmin(async () => {
  await requestReconciliation(databaseClient());
  return Response.json({ requested: true }, { status: 202, headers: { "Cache-Control": "no-store" } });
});
