import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { uuidParamSchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/admin/dead-letters/[id]/retry - run the consumer's handler on the event once more; 200 with ok false (and the new error) if it fails again
export const POST = withAdmin<{ id: string }>(async ({ params, user }) => {
  const id = uuidParamSchema.safeParse(params.id);
  if (!id.success) throw new ApiError("not_found", "No such dead letter");
  const outcome = await adminDeadLetters(databaseClient()).retry(id.data, user.email ?? user.userId);
  return Response.json(outcome, { headers: { "Cache-Control": "no-store" } });
});
