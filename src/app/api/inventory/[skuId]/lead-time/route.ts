import { z } from "zod";
import { MAX_LEAD_TIME_DAYS } from "@/core/analytics/reorder.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { withCreator } from "@/server/auth/with-creator.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { databaseClient } from "@/server/database.ts";
import { setLeadTime } from "@/server/inventory/lead-time.ts";

const setLeadTimeBodySchema = z.strictObject({
  leadTimeDays: z.number().int().min(1).max(MAX_LEAD_TIME_DAYS),
});

const skuIdParamSchema = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/);

// POST /api/inventory/[skuId]/lead-time - set how many days a reorder of the SKU takes to arrive
export const POST = withCreator<{ skuId: string }>(async ({ request, params, creatorId, origin }) => {
  const skuId = skuIdParamSchema.safeParse(params.skuId);
  if (!skuId.success) throw new ApiError("not_found", "No such SKU");
  const body = setLeadTimeBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", `Send { leadTimeDays } as a whole number of days from 1 to ${MAX_LEAD_TIME_DAYS}`);
  const result = await setLeadTime(databaseClient(), { creatorId, skuId: skuId.data, leadTimeDays: body.data.leadTimeDays, origin });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
