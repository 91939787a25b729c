// What a creator may do about an alert, decided without storage: acknowledge it (seen,
// being handled), snooze it for a while, or resolve it. Each becomes one alert.* event
// naming who acted; the time is the event's.
import { DomainError } from "../domain-error.ts";
import type { NewEvent } from "../event-store/index.ts";
import { MAX_SNOOZE_HOURS } from "./events.ts";

export type AlertCommand = { type: "acknowledge" } | { type: "snooze"; hours: number } | { type: "resolve"; note?: string };

export interface AlertActor {
  userId: string;
  role: "creator" | "admin";
}

/** The alert as the creator may act on it: open or not. */
export interface ActionableAlert {
  id: string;
  resolvedAt: Date | null;
}

export function decideAlertAction(alert: ActionableAlert, command: AlertCommand, actor: AlertActor, now: Date): NewEvent<"alert.acknowledged" | "alert.snoozed" | "alert.resolved"> {
  if (alert.resolvedAt !== null) throw new DomainError("illegal_state", "This alert is already resolved");
  const by = { user_id: actor.userId, role: actor.role };
  switch (command.type) {
    case "acknowledge":
      return { type: "alert.acknowledged", data: { alert_id: alert.id, by } };
    case "snooze": {
      if (!Number.isFinite(command.hours) || command.hours <= 0 || command.hours > MAX_SNOOZE_HOURS) {
        throw new DomainError("validation", `Snooze for more than 0 and at most ${MAX_SNOOZE_HOURS} hours`);
      }
      return { type: "alert.snoozed", data: { alert_id: alert.id, by, until: new Date(now.getTime() + command.hours * 3_600_000).toISOString() } };
    }
    case "resolve":
      return { type: "alert.resolved", data: { alert_id: alert.id, by, ...(command.note ? { note: command.note } : {}) } };
  }
}
