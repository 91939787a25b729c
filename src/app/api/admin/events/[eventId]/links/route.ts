import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { uuidParamSchema } from "@/server/admin/admin-schemas.ts";
import { readEventLinks } from "@/server/admin/entity-history.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/events/[eventId]/links - one event with its cause, its effects and every event of its correlation
export const GET = withAdmin<{ eventId: string }>(async ({ params }) => {
  const eventId = uuidParamSchema.safeParse(params.eventId);
  if (!eventId.success) throw new ApiError("not_found", "No such event");
  return Response.json(await readEventLinks(databaseClient(), eventId.data), { headers: { "Cache-Control": "no-store" } });
});
