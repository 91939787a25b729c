import { withAdmin } from "@/server/auth/with-creator.ts";
import { databaseClient } from "@/server/database.ts";
import { readEventStoreOverview } from "@/server/event-store-overview.ts";
import { ApiError } from "@/server/auth/api-error.ts";

// GET /api/events/overview - event counts per type and the latest events of every creator (admins only), polled by the live page
export const GET = withAdmin(async () => {
  const overview = await readEventStoreOverview(databaseClient()).catch((error: unknown) => {
    console.error("GET /api/events/overview: read failed", error);
    throw new ApiError("unavailable", "The event store cannot be read right now");
  });
  return Response.json(overview, { headers: { "Cache-Control": "no-store" } });
});
