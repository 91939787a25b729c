import { databaseClient } from "@/server/database.ts";
import { withCreator } from "@/server/auth/with-creator.ts";
import { readDashboardSnapshot } from "@/server/dashboard/dashboard-snapshot.ts";

// GET /api/dashboard - the signed-in creator's dashboard snapshot (first load after a gap or a reconnect)
export const GET = withCreator(async ({ creatorId }) => {
  const snapshot = await readDashboardSnapshot(databaseClient(), creatorId);
  return Response.json(snapshot, { headers: { "Cache-Control": "private, no-store" } });
});
