import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { deadLetterQuerySchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/dead-letters - dead letters, newest first, by status and consumer
export const GET = withAdmin(async ({ request }) => {
  const query = deadLetterQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new ApiError("bad_request", "Filters: status=pending|retried|discarded, consumer");
  const letters = await adminDeadLetters(databaseClient()).list(query.data);
  return Response.json({ deadLetters: letters }, { headers: { "Cache-Control": "no-store" } });
});
