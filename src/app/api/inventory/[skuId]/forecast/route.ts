import { z } from "zod";
import { ApiError } from "@/server/auth/api-error.ts";
import { withCreator } from "@/server/auth/with-creator.ts";
import { databaseClient } from "@/server/database.ts";
import { readSkuForecast } from "@/server/inventory/sku-forecast.ts";

const skuIdParamSchema = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/);

// GET /api/inventory/[skuId]/forecast - a SKU's recent sales, demand forecast, projected stock and reorder suggestion
export const GET = withCreator<{ skuId: string }>(async ({ params, creatorId }) => {
  const skuId = skuIdParamSchema.safeParse(params.skuId);
  if (!skuId.success) throw new ApiError("not_found", "No such SKU");
  return Response.json(await readSkuForecast(databaseClient(), creatorId, skuId.data), { headers: { "Cache-Control": "no-store" } });
});
