import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { entityHistoryQuerySchema } from "@/server/admin/admin-schemas.ts";
import { readEntityHistory } from "@/server/admin/entity-history.ts";
import { databaseClient } from "@/server/database.ts";

// GET /api/admin/history - an order's or product's (SKU's) event timeline and its state at a version or time (time travel)
export const GET = withAdmin(async ({ request }) => {
  const query = entityHistoryQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new ApiError("bad_request", "Send kind=order|product, id, and optionally version or time");
  const { kind, id, version, time } = query.data;
  const at = version !== undefined ? { version } : time ? { time } : undefined;
  const history = await readEntityHistory(databaseClient(), { kind, id, at });
  return Response.json(history, { headers: { "Cache-Control": "no-store" } });
});
