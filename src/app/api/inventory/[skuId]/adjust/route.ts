import { z } from "zod";
import { ApiError } from "@/server/auth/api-error.ts";
import { withCreator } from "@/server/auth/with-creator.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { databaseClient } from "@/server/database.ts";
import { adjustStock } from "@/server/inventory/adjust-stock.ts";

const adjustStockBodySchema = z.strictObject({
  newTotal: z.number().int().min(0).max(10_000_000),
  /** The version of the SKU the creator was looking at. */
  expectedVersion: z.number().int().min(0),
  /** Makes a retried request (flaky network) append nothing new. */
  commandId: z.uuid(),
  reason: z.string().trim().min(1).max(500).optional(),
});

const skuIdParamSchema = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/);

// POST /api/inventory/[skuId]/adjust - set a SKU's stock by hand, if it is still at the version the creator saw
export const POST = withCreator<{ skuId: string }>(async ({ request, params, creatorId, origin }) => {
  const skuId = skuIdParamSchema.safeParse(params.skuId);
  if (!skuId.success) throw new ApiError("not_found", "No such SKU");
  const body = adjustStockBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", "Send { newTotal, expectedVersion, commandId } with a whole, non-negative stock count");
  const result = await adjustStock(databaseClient(), { creatorId, skuId: skuId.data, ...body.data, origin });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
