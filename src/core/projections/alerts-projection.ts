// The alerts projection: the pure fold of alerts.ts kept in the alerts table, one row per
// alert, open or resolved; an alert's id is the id of the event that opened it.
import type { StoredEvent } from "../event-store/index.ts";
import { foldAlerts, noAlerts, subjectsOf, type Alert, type AlertKind, type AlertSeverity, type AlertsState, alertEventTypes } from "./alerts.ts";
import { queueAlertPushes } from "../notifications/alert-push-outbox.ts";
import { defineProjection, tableIn, type ProjectionContext, type ProjectionTable } from "./projection.ts";
import { selectRowsMatching, upsertRows } from "./read-model-storage.ts";

const alertsTable: ProjectionTable = { name: "alerts", key: ["id"] };

interface AlertRow {
  id: string;
  creator_id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  subject: string;
  message: string;
  details: Record<string, unknown>;
  opened_at: Date;
  resolved_at: Date | null;
  resolved_by_event_id: string | null;
}

function alertFromRow(row: AlertRow): Alert {
  return {
    id: row.id,
    creatorId: row.creator_id,
    kind: row.kind,
    severity: row.severity,
    subject: row.subject,
    message: row.message,
    details: row.details,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    resolvedByEventId: row.resolved_by_event_id,
  };
}

async function loadAlerts(context: ProjectionContext, events: readonly StoredEvent[]): Promise<AlertsState> {
  const relevant = events.filter((event) => subjectsOf(event).length > 0);
  if (relevant.length === 0) return noAlerts();
  const subjects = new Map<string, { creator_id: string; subject: string }>();
  for (const event of relevant) {
    for (const subject of subjectsOf(event)) subjects.set(`${event.creatorId}|${subject}`, { creator_id: event.creatorId, subject });
  }
  // A replay also needs when each subject last changed, so it reads the resolved alerts too.
  const replaying = context.replay && !context.rebuilding;
  const { sql } = context;
  const [rows, seen] = await Promise.all([
    selectRowsMatching<AlertRow>(context, alertsTable, [...subjects.values()], { on: ["creator_id", "subject"], where: replaying ? undefined : sql`t.resolved_at is null` }),
    appliedEventIds(context, relevant.map((event) => event.id)),
  ]);
  const open = new Map<string, Alert>();
  const lastChangeAt = new Map<string, Date>();
  for (const row of rows) {
    if (row.resolved_at === null) open.set(`${row.creator_id}|${row.kind}|${row.subject}`, alertFromRow(row));
    const changedAt = row.resolved_at ?? row.opened_at;
    const key = `${row.creator_id}|${row.subject}`;
    const previous = lastChangeAt.get(key);
    if (replaying && (previous === undefined || changedAt > previous)) lastChangeAt.set(key, changedAt);
  }
  return { open, applied: seen, lastChangeAt };
}

/** Events that already opened or resolved an alert: a replay must not apply them again. */
async function appliedEventIds(context: ProjectionContext, eventIds: string[]): Promise<Set<string>> {
  const { sql } = context;
  const seen = await sql<{ id: string }[]>`
    select source_event_id as id from ${tableIn(context, "alerts")} where source_event_id = any(${eventIds}::uuid[])
    union
    select resolved_by_event_id from ${tableIn(context, "alerts")} where resolved_by_event_id = any(${eventIds}::uuid[])`;
  return new Set(seen.map((row) => row.id));
}

async function saveAlerts(context: ProjectionContext, alerts: Alert[]): Promise<void> {
  const rows = alerts.map((alert) => ({
    id: alert.id,
    creator_id: alert.creatorId,
    kind: alert.kind,
    severity: alert.severity,
    subject: alert.subject,
    message: alert.message,
    details: alert.details,
    opened_at: alert.openedAt.toISOString(),
    resolved_at: alert.resolvedAt?.toISOString() ?? null,
    resolved_by_event_id: alert.resolvedByEventId,
    source_event_id: alert.id,
  }));
  // An alert's text and time are those of the event that opened it: only its resolution moves.
  await upsertRows(context, alertsTable, rows, { onConflict: "resolved_at = excluded.resolved_at, resolved_by_event_id = excluded.resolved_by_event_id" });
  // The push for an alert that needs the creator now, in the same transaction; never from a
  // replay, a rebuild or a test's own schema (those alerts opened before, or for no device).
  if (!context.replay && !context.rebuilding && context.schema === "public") await queueAlertPushes(context.sql, alerts, context.now());
}

export const alertsProjection = defineProjection<AlertsState, Alert[]>({
  name: "projection-alerts",
  handles: alertEventTypes,
  tables: [alertsTable],
  readModel: "alerts",
  batchSize: 1_000,
  initialState: noAlerts,
  fold: foldAlerts,
  announce(alerts, changes) {
    for (const alert of alerts) changes.alerts(alert.creatorId);
  },
  storage: { load: loadAlerts, save: saveAlerts },
});
