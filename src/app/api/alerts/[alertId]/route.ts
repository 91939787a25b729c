import { z } from "zod";
import { MAX_SNOOZE_HOURS } from "@/core/alerts/events.ts";
import { actOnAlert } from "@/server/alerts/alert-actions.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { withCreator } from "@/server/auth/with-creator.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { databaseClient } from "@/server/database.ts";

const alertActionBodySchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("acknowledge"), commandId: z.uuid() }),
  z.strictObject({ action: z.literal("snooze"), hours: z.number().positive().max(MAX_SNOOZE_HOURS), commandId: z.uuid() }),
  z.strictObject({ action: z.literal("resolve"), note: z.string().trim().min(1).max(500).optional(), commandId: z.uuid() }),
]);

const alertIdParamSchema = z.uuid();

// POST /api/alerts/[alertId] - acknowledge, snooze or resolve one of the creator's alerts
export const POST = withCreator<{ alertId: string }>(async ({ request, params, creatorId, user, origin }) => {
  const alertId = alertIdParamSchema.safeParse(params.alertId);
  if (!alertId.success) throw new ApiError("not_found", "No such alert");
  const body = alertActionBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", `Send { action: "acknowledge" | "snooze" | "resolve", commandId }, with hours (at most ${MAX_SNOOZE_HOURS}) to snooze`);
  const { commandId, ...command } = body.data;
  const result = await actOnAlert(databaseClient(), {
    creatorId,
    alertId: alertId.data,
    actor: { userId: user.userId, role: user.role },
    command: command.action === "snooze" ? { type: "snooze", hours: command.hours } : command.action === "resolve" ? { type: "resolve", note: command.note } : { type: "acknowledge" },
    commandId,
    origin,
  });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
