// What a creator (or admin) did about an alert: acknowledged it, snoozed it, resolved it.
// Each is an event on the alert's own stream, so who did what and when is on record;
// the alerts projection folds them into the alert. Opening an alert, counting its
// occurrences and resolving it when its cause clears are the projection's own decisions
// from the facts (alerts.ts).
import { z } from "zod";
import { uuid } from "../shared-schemas.ts";

/** The longest snooze: a problem snoozed for longer is one to resolve. */
export const MAX_SNOOZE_HOURS = 24 * 7;

const actor = z.strictObject({
  /** The signed-in user who acted (a creator, or an admin acting for one). */
  user_id: uuid,
  role: z.enum(["creator", "admin"]),
});

export const alertEvents = {
  "alert.acknowledged": {
    version: 1,
    schema: z.strictObject({ alert_id: uuid, by: actor }),
  },
  "alert.snoozed": {
    version: 1,
    schema: z.strictObject({ alert_id: uuid, by: actor, until: z.iso.datetime({ offset: true }) }),
  },
  "alert.resolved": {
    version: 1,
    schema: z.strictObject({ alert_id: uuid, by: actor, note: z.string().trim().max(500).optional() }),
  },
} as const;

export type AlertActionType = keyof typeof alertEvents;

export const alertAggregateId = (alertId: string) => `alert-${alertId}`;
