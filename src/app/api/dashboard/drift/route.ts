import { withCreator } from "@/server/auth/with-creator.ts";
import { databaseClient } from "@/server/database.ts";
import { readDriftReport } from "@/server/shop-history/drift-report.ts";

// GET /api/dashboard/drift - what reconciliation recovered for the creator's shops in the last 24 hours, and when they were last checked
export const GET = withCreator(async ({ creatorId }) => {
  const report = await readDriftReport(databaseClient(), { creatorId, now: new Date() });
  return Response.json(report, { headers: { "Cache-Control": "private, no-store" } });
});
