import { withAdmin } from "@/server/auth/with-admin.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { databaseClient } from "@/server/database.ts";
import { readEventStoreOverview } from "@/server/admin/event-store-overview.ts";
import { log } from "@/server/log.ts";

// GET /api/admin/event-store - event counts per type and the latest events of every creator (admins only), polled by /admin/event-store
export const GET = withAdmin(async () => {
  const overview = await readEventStoreOverview(databaseClient()).catch((error: unknown) => {
    log.error("request failed", { route: "GET /api/admin/event-store", error });
    throw new ApiError("unavailable", "The event store cannot be read right now");
  });
  return Response.json(overview, { headers: { "Cache-Control": "no-store" } });
});
