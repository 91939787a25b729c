import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { conflictQueueQuerySchema } from "@/server/admin/admin-schemas.ts";
import { readConflictQueue } from "@/server/admin/conflict-queue.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/conflicts - the sync conflict queue of every creator, filtered (creator, product/SKU, type, age, status), with each SKU's recent history
export const GET = withAdmin(async ({ request }) => {
  const query = conflictQueueQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new ApiError("bad_request", "Filters: creator (uuid), product (SKU or product id), type, status, olderThanMinutes, newerThanMinutes, cursor");
  const page = await readConflictQueue(databaseClient(), { ...query.data, creatorId: query.data.creator }, new Date()).catch((error: unknown) => {
    if (error instanceof RangeError) throw new ApiError("bad_request", "That page cursor is not valid; start from the first page");
    throw error;
  });
  return Response.json(page, { headers: { "Cache-Control": "no-store" } });
});
