import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { uuidParamSchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/dead-letters/[id] - one dead letter: the event's payload, the error, the attempts
export const GET = withAdmin<{ id: string }>(async ({ params }) => {
  const id = uuidParamSchema.safeParse(params.id);
  if (!id.success) throw new ApiError("not_found", "No such dead letter");
  return Response.json(await adminDeadLetters(databaseClient()).get(id.data), { headers: { "Cache-Control": "no-store" } });
});
