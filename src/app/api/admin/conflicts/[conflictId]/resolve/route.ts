import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { resolveConflictBodySchema, uuidParamSchema } from "@/server/admin/admin-schemas.ts";
import { resolveConflictAsAdmin } from "@/server/admin/conflict-queue.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/admin/conflicts/[conflictId]/resolve - resolve one conflict: keep local, accept external or a custom count, with a reason; recorded as events naming the admin
export const POST = withAdmin<{ conflictId: string }>(async ({ request, params, user, origin }) => {
  const conflictId = uuidParamSchema.safeParse(params.conflictId);
  if (!conflictId.success) throw new ApiError("not_found", "No such conflict");
  const body = resolveConflictBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", "Send { creatorId, resolution: { kind: keep_local | accept_external | custom, value? }, reason }");
  const resolved = await resolveConflictAsAdmin(
    { sql: databaseClient(), now: () => new Date(), origin },
    { userId: user.userId, email: user.email },
    { ...body.data, conflictId: conflictId.data },
  );
  return Response.json(resolved, { headers: { "Cache-Control": "no-store" } });
});
