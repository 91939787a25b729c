// The admin API's request shapes, named for their use. Pure zod: no server imports, so the
// panel's client components may share the types.
import { z } from "zod";

const conflictTypeSchema = z.enum(["quantity_mismatch", "concurrent_update", "stale_data"]);
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();
const optionalMinutes = z
  .union([z.literal(""), z.coerce.number().int().min(0).max(525_600)])
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** Query string of GET /api/admin/conflicts and of the queue page (form fields named alike). */
export const conflictQueueQuerySchema = z.object({
  creator: z.union([z.literal(""), z.uuid()]).transform((value) => (value === "" ? undefined : value)).optional(),
  product: optionalText.pipe(z.string().regex(/^[0-9A-Za-z_-]{1,64}$/).optional()),
  type: z.union([z.literal(""), conflictTypeSchema]).transform((value) => (value === "" ? undefined : value)).optional(),
  status: z.enum(["open", "resolved"]).optional(),
  olderThanMinutes: optionalMinutes,
  newerThanMinutes: optionalMinutes,
  cursor: optionalText,
});
export type ConflictQueueQuery = z.infer<typeof conflictQueueQuerySchema>;

export const manualResolutionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("keep_local") }),
  z.strictObject({ kind: z.literal("accept_external") }),
  z.strictObject({ kind: z.literal("custom"), value: z.number().int().min(0).max(10_000_000) }),
]);

export const resolveConflictBodySchema = z.strictObject({
  creatorId: z.uuid(),
  resolution: manualResolutionSchema,
  reason: z.string().trim().min(1).max(500),
  /** Makes a retried request append nothing new. */
  requestId: z.uuid().optional(),
});
export type ResolveConflictBody = z.infer<typeof resolveConflictBodySchema>;

export const bulkResolveConflictsBodySchema = z.strictObject({
  conflicts: z.array(z.strictObject({ creatorId: z.uuid(), conflictId: z.uuid() })).min(1).max(200),
  resolution: manualResolutionSchema,
  reason: z.string().trim().min(1).max(500),
});
export type BulkResolveConflictsBody = z.infer<typeof bulkResolveConflictsBodySchema>;

/** Query string of GET /api/admin/history and of the history page. */
export const entityHistoryQuerySchema = z.object({
  kind: z.enum(["order", "product"]).default("order"),
  id: z.string().trim().regex(/^[0-9A-Za-z_-]{1,64}$/),
  version: z.union([z.literal(""), z.coerce.number().int().min(0)]).transform((value) => (value === "" ? undefined : value)).optional(),
  /** An ISO time, or a datetime-local value (read as UTC). */
  time: z
    .string()
    .trim()
    .transform((value, context) => {
      if (value === "") return undefined;
      const time = new Date(/[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`);
      if (Number.isNaN(time.getTime())) {
        context.addIssue({ code: "custom", message: "time must be an ISO date and time" });
        return z.NEVER;
      }
      return time;
    })
    .optional(),
});
export type EntityHistoryQuery = z.infer<typeof entityHistoryQuerySchema>;

export const deadLetterQuerySchema = z.object({
  status: z.enum(["pending", "retry_requested", "retried", "discarded"]).optional(),
  consumer: z.string().regex(/^[a-z][a-z0-9_-]*$/).optional(),
});

export const uuidParamSchema = z.uuid();
export const projectionNameParamSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,99}$/);
