import { withAdmin } from "@/server/auth/with-admin.ts";
import { readSystemHealth } from "@/server/admin/system-health.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/health - consumers' lag, last run, error and retry rates; dead letters; webhook rate and p95 latency; the thresholds' verdict and recent system.* events
export const GET = withAdmin(async () => {
  return Response.json(await readSystemHealth(databaseClient(), { now: new Date() }), { headers: { "Cache-Control": "no-store" } });
});
