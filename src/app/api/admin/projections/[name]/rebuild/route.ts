import { after } from "next/server";
import { ApiError } from "@/server/auth/api-error.ts";
import { withAdmin } from "@/server/auth/with-admin.ts";
import { projectionNameParamSchema } from "@/server/admin/admin-schemas.ts";
import { prepareProjectionRebuild } from "@/server/admin/projection-status.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/admin/projections/[name]/rebuild - start rebuilding a projection from the events; 202 at once, progress via GET /api/admin/projections
export const POST = withAdmin<{ name: string }>(async ({ params, user }) => {
  const name = projectionNameParamSchema.safeParse(params.name);
  if (!name.success) throw new ApiError("not_found", "No such projection");
  const rebuild = await prepareProjectionRebuild(databaseClient(), { projection: name.data, requestedBy: user.email ?? user.userId }, new Date());
  // A rebuild outlasts the request: it runs after the answer, in this server process.
  after(rebuild.run);
  return Response.json({ projection: rebuild.projection, started: true }, { status: 202, headers: { "Cache-Control": "no-store" } });
});
