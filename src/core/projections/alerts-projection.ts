// The alerts projection: the pure fold of alerts.ts kept in the alerts table (one row per
// alert, open or resolved; its id is the id of the event that opened it) and the
// product_names table (what the orders call each SKU, for the alerts' words).
// An alert opens when a row with a new id is written: that row, with opened_at and
// source_event_id, is the "alert opened" record anything notifying the creator keys on.
import type { StoredEvent } from "../event-store/index.ts";
import {
  alertEventTypes,
  alertKey,
  clearedCauseOf,
  foldAlerts,
  noAlerts,
  occurrenceOf,
  resolvedKeyOf,
  type Alert,
  type AlertKind,
  type AlertSeverity,
  type AlertsState,
  type AlertWrites,
} from "./alerts.ts";
import { queueAlertPushes } from "../notifications/alert-push-outbox.ts";
import { defineProjection, tableIn, type ProjectionContext, type ProjectionTable } from "./projection.ts";
import { selectRowsMatching, upsertRows } from "./read-model-storage.ts";
import { fromSnakeCaseRow, toSnakeCaseRow, type SnakeCaseRow } from "../snake-case-rows.ts";

const alertsTable: ProjectionTable = { name: "alerts", key: ["id"] };

const productNamesTable: ProjectionTable = { name: "product_names", key: ["creator_id", "sku_id"] };

/** The alerts table: a column for each field of an alert, its fold position in two, and its id again (source_event_id, unique). */
type AlertRow = SnakeCaseRow<Omit<Alert, "foldedThrough">> & { source_event_id: string; folded_transaction_id: string; folded_position: string };

function alertFromRow({ source_event_id: _sameAsId, folded_transaction_id, folded_position, ...fields }: AlertRow): Alert {
  return { ...fromSnakeCaseRow<Omit<Alert, "foldedThrough">>(fields), foldedThrough: { transactionId: String(folded_transaction_id), position: Number(folded_position) } };
}

function alertRow({ foldedThrough, ...fields }: Alert) {
  return { ...toSnakeCaseRow(fields), source_event_id: fields.id, folded_transaction_id: foldedThrough.transactionId, folded_position: foldedThrough.position };
}

/** What a batch may touch: alerts by key, by id (the creator's actions), by a cause that clears, and SKUs' names. */
function batchLookups(events: readonly StoredEvent[]) {
  const keys = new Map<string, { creator_id: string; kind: AlertKind; subject: string }>();
  const ids = new Map<string, { id: string }>();
  const causes = new Map<string, { creator_id: string; cause: string }>();
  const skus = new Map<string, { creator_id: string; sku_id: string }>();
  for (const event of events) {
    const occurrence = occurrenceOf(event, () => null);
    const resolved = resolvedKeyOf(event);
    for (const key of [occurrence, resolved, event.type === "inventory.stock_updated" ? { kind: "low_stock" as const, subject: event.data.sku_id } : null]) {
      if (key) keys.set(alertKey(event.creatorId, key.kind, key.subject), { creator_id: event.creatorId, kind: key.kind, subject: key.subject });
    }
    if (occurrence?.skuId) skus.set(`${event.creatorId}|${occurrence.skuId}`, { creator_id: event.creatorId, sku_id: occurrence.skuId });
    if (event.type === "alert.acknowledged" || event.type === "alert.snoozed" || event.type === "alert.resolved") ids.set(event.data.alert_id, { id: event.data.alert_id });
    const cleared = clearedCauseOf(event);
    if (cleared) causes.set(`${event.creatorId}|${cleared.cause}`, { creator_id: event.creatorId, cause: cleared.cause });
  }
  return { keys: [...keys.values()], ids: [...ids.values()], causes: [...causes.values()], skus: [...skus.values()] };
}

async function loadAlerts(context: ProjectionContext, events: readonly StoredEvent[]): Promise<AlertsState> {
  const { keys, ids, causes, skus } = batchLookups(events);
  const { sql } = context;
  const openOnly = sql`t.resolved_at is null`;
  // A replay (not a rebuild, which starts empty) also needs the latest resolved alert per key.
  const replaying = context.replay && !context.rebuilding;
  const [byKey, byId, byCause, names] = await Promise.all([
    selectRowsMatching<AlertRow>(context, alertsTable, keys, { on: ["creator_id", "kind", "subject"], where: replaying ? undefined : openOnly }),
    selectRowsMatching<AlertRow>(context, alertsTable, ids, { where: openOnly }),
    causes.length === 0
      ? []
      : sql<AlertRow[]>`
          select t.* from ${tableIn(context, "alerts")} t
            join jsonb_to_recordset(${sql.json(causes)}) as k(creator_id uuid, cause text)
              on t.creator_id = k.creator_id and t.open_causes @> array[k.cause]
           where t.resolved_at is null`,
    selectRowsMatching<{ creator_id: string; sku_id: string; product_name: string }>(context, productNamesTable, skus),
  ]);
  const open = new Map<string, Alert>();
  const resolved = new Map<string, Alert>();
  for (const row of [...byKey, ...byId, ...byCause]) {
    const alert = alertFromRow(row);
    const key = alertKey(alert.creatorId, alert.kind, alert.subject);
    if (alert.resolvedAt === null) open.set(key, alert);
    else if (!resolved.has(key) || alert.resolvedAt > resolved.get(key)!.resolvedAt!) resolved.set(key, alert);
  }
  return { open, resolved, productNames: new Map(names.map((row) => [`${row.creator_id}|${row.sku_id}`, row.product_name])) };
}

async function saveAlerts(context: ProjectionContext, writes: AlertWrites): Promise<void> {
  const rows = writes.alerts.map(alertRow);
  const names = writes.productNames.map((name) => ({ creator_id: name.creatorId, sku_id: name.skuId, product_name: name.productName }));
  await Promise.all([upsertRows(context, alertsTable, rows), upsertRows(context, productNamesTable, names)]);
  // The push for an alert that needs the creator now, in the same transaction; never from a
  // replay, a rebuild or a test's own schema (those alerts opened before, or for no device).
  // Updates of open alerts come too: the outbox keeps one push per alert (on conflict).
  if (!context.replay && !context.rebuilding && context.schema === "public") {
    await queueAlertPushes(context.sql, writes.alerts.filter((alert) => alert.resolvedAt === null), context.now());
  }
}

export const alertsProjection = defineProjection<AlertsState, AlertWrites>({
  name: "projection-alerts",
  handles: alertEventTypes,
  tables: [alertsTable, productNamesTable],
  readModel: "alerts",
  batchSize: 1_000,
  initialState: noAlerts,
  fold: foldAlerts,
  announce(writes, changes) {
    for (const alert of writes.alerts) changes.alerts(alert.creatorId);
  },
  storage: { load: loadAlerts, save: saveAlerts },
});
