// A creator acting on one of its alerts: the alert must be the creator's (read under its
// claims, so RLS agrees) and open; the action is appended to the alert's stream, once per
// command id, and the alerts projection folds it in.
import type { Sql } from "postgres";
import { decideAlertAction, type AlertActor, type AlertCommand } from "@/core/alerts/alert-actions.ts";
import { alertAggregateId } from "@/core/alerts/events.ts";
import { DomainError } from "@/core/domain-error.ts";
import type { EventOrigin } from "@/core/event-catalogue.ts";
import { createEventStore } from "@/core/event-store/index.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { readAsCreator } from "@/server/creator-scope.ts";

export interface AlertActionInput {
  creatorId: string;
  alertId: string;
  actor: AlertActor;
  command: AlertCommand;
  /** Makes a retried request append nothing new. */
  commandId: string;
  /** Where the request came from (the signed-in route's), for the event's metadata. */
  origin: EventOrigin;
}

export async function actOnAlert(sql: Sql, input: AlertActionInput, now: Date = new Date()): Promise<{ alertId: string; action: string; duplicate: boolean }> {
  const [alert] = await readAsCreator(sql, input.creatorId, (tx) =>
    tx<{ id: string; resolved_at: Date | null }[]>`
      select id, resolved_at from public.alerts where creator_id = ${input.creatorId} and id = ${input.alertId}`,
  );
  if (!alert) throw new ApiError("not_found", "No such alert");
  let event;
  try {
    event = decideAlertAction({ id: alert.id, resolvedAt: alert.resolved_at }, input.command, input.actor, now);
  } catch (error) {
    if (error instanceof DomainError) throw new ApiError(error.code === "validation" ? "bad_request" : "unprocessable", error.message);
    throw error;
  }
  const result = await createEventStore({ sql }).appendToStream({
    creatorId: input.creatorId,
    aggregateId: alertAggregateId(alert.id),
    aggregateType: "alert",
    events: [event],
    metadata: input.origin,
    idempotencyKey: `alert-action:${input.commandId}`,
  });
  return { alertId: alert.id, action: input.command.type, duplicate: result.duplicate };
}
