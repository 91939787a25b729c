import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { uuidParamSchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/admin/dead-letters/[id]/retry - request a retry: 202 with the letter, now retry_requested; the
// consumer's runner carries it out under its lease and the letter then shows the outcome (GET .../[id])
export const POST = withAdmin<{ id: string }>(async ({ params, user }) => {
  const id = uuidParamSchema.safeParse(params.id);
  if (!id.success) throw new ApiError("not_found", "No such dead letter");
  const letter = await adminDeadLetters(databaseClient()).requestRetry(id.data, user.email ?? user.userId);
  return Response.json(letter, { status: 202, headers: { "Cache-Control": "no-store" } });
});
