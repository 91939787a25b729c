import { withAdmin } from "@/server/auth/with-admin.ts";
import { readProjectionStatuses } from "@/server/admin/projection-status.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/projections - every projection's checkpoint, lag, last run, error and rebuild progress (polled by the panel)
export const GET = withAdmin(async () => {
  const projections = await readProjectionStatuses(databaseClient(), new Date());
  return Response.json({ projections }, { headers: { "Cache-Control": "no-store" } });
});
