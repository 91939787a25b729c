import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { uuidParamSchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/admin/dead-letters/[id]/discard - give up on a dead letter for good, recording who did
export const POST = withAdmin<{ id: string }>(async ({ params, user }) => {
  const id = uuidParamSchema.safeParse(params.id);
  if (!id.success) throw new ApiError("not_found", "No such dead letter");
  await adminDeadLetters(databaseClient()).discard(id.data, user.email ?? user.userId);
  return Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
});
