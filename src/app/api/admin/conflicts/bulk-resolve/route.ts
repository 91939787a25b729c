import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { bulkResolveConflictsBodySchema } from "@/server/admin/admin-schemas.ts";
import { resolveConflictsAsAdmin } from "@/server/admin/conflict-queue.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/admin/conflicts/bulk-resolve - resolve many conflicts the same way; each succeeds or fails on its own
export const POST = withAdmin(async ({ request, user, origin }) => {
  const body = bulkResolveConflictsBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", "Send { conflicts: [{ creatorId, conflictId }], resolution, reason }");
  const outcomes = await resolveConflictsAsAdmin({ sql: databaseClient(), now: () => new Date(), origin }, { userId: user.userId, email: user.email }, body.data);
  return Response.json({ outcomes }, { headers: { "Cache-Control": "no-store" } });
});
