// Alerts a creator should act on, opened and resolved by events:
// - low_stock: inventory.low_stock_detected opens one per SKU at its severity; a
//   detection at another severity replaces it; a restock (stock raised above the
//   reorder point by anything but an order) resolves it.
// - sync_conflict: inventory.sync_conflict_detected / _resolved, by conflict id.
// - sync_failure: system.sync_failure_detected, per source; system.recovery_completed
//   for that component resolves it.
// - stuck_saga: a system.sync_failure_detected whose source starts with "saga" (how the
//   fulfilment saga reports a step that failed for good), about the order it names in
//   `reference`; resolved by a recovery of that order or of the saga. One about a SKU
//   (stock that could not cover the order) keeps it in details.sku_id, for a link to it.
// - shop_connection: shop.deauthorized or shop.reconnection_required opens one per shop
//   (calls for it have stopped); the shop connected again (shop.connected) resolves it.
// An alert's id is the id of the event that opened it, so applying an event twice
// (a replay) finds the alert it already opened and changes nothing.
import type { StoredEvent } from "../event-store/index.ts";
import type { RealtimeChanges } from "../realtime/realtime-changes.ts";
import { tableIn, type Projection, type ProjectionContext } from "./projection.ts";

type AlertKind = "low_stock" | "sync_failure" | "sync_conflict" | "stuck_saga" | "shop_connection";
type AlertSeverity = "warning" | "critical" | "emergency";

interface Alert {
  id: string;
  creatorId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  subject: string;
  message: string;
  details: Record<string, unknown>;
  openedAt: Date;
  resolvedAt: Date | null;
  resolvedByEventId: string | null;
}

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

export const alertEventTypes = [
  "inventory.low_stock_detected",
  "inventory.stock_updated",
  "inventory.sync_conflict_detected",
  "inventory.sync_conflict_resolved",
  "system.sync_failure_detected",
  "system.recovery_completed",
  "shop.deauthorized",
  "shop.reconnection_required",
  "shop.connected",
] as const;

/** The subjects an event may open or resolve alerts about. */
function subjectsOf(event: StoredEvent): string[] {
  switch (event.type) {
    case "inventory.low_stock_detected":
    case "inventory.stock_updated":
      return [event.data.sku_id];
    case "inventory.sync_conflict_detected":
    case "inventory.sync_conflict_resolved":
      return [event.data.conflict_id];
    case "system.sync_failure_detected":
      return typeof event.data.reference === "string" ? [event.data.source, event.data.reference] : [event.data.source];
    case "system.recovery_completed":
      return [event.data.component];
    case "shop.deauthorized":
    case "shop.reconnection_required":
    case "shop.connected":
      return [event.data.shop_id];
    default:
      return [];
  }
}

function open(event: StoredEvent, kind: AlertKind, severity: AlertSeverity, subject: string, message: string, details: Record<string, unknown>): Alert {
  return { id: event.id, creatorId: event.creatorId, kind, severity, subject, message, details, openedAt: event.occurredAt, resolvedAt: null, resolvedByEventId: null };
}

function resolve(alert: Alert, event: StoredEvent): Alert {
  return { ...alert, resolvedAt: event.occurredAt, resolvedByEventId: event.id };
}

/** Folds one event into the open alerts (keyed creator|kind|subject); returns the alerts it opened or resolved. */
function applyAlertEvent(openAlerts: Map<string, Alert>, event: StoredEvent): Alert[] {
  const keyOf = (kind: AlertKind, subject: string) => `${event.creatorId}|${kind}|${subject}`;
  const touched: Alert[] = [];
  const resolveOpen = (kind: AlertKind, subject: string) => {
    const current = openAlerts.get(keyOf(kind, subject));
    if (!current) return;
    openAlerts.delete(keyOf(kind, subject));
    touched.push(resolve(current, event));
  };
  const openNew = (alert: Alert) => {
    openAlerts.set(keyOf(alert.kind, alert.subject), alert);
    touched.push(alert);
  };
  switch (event.type) {
    case "inventory.low_stock_detected": {
      const data = event.data;
      const sku = data.sku_id;
      const severity: AlertSeverity = data.severity;
      const current = openAlerts.get(keyOf("low_stock", sku));
      if (current?.severity === severity) break;
      resolveOpen("low_stock", sku);
      const hours = data.hours_to_stockout;
      openNew(
        open(event, "low_stock", severity, sku, `${sku}: ${String(data.available)} available, reorder point ${String(data.reorder_point)}${hours === null ? "" : `, out of stock in about ${Math.round(hours)} h`}`, {
          available: data.available,
          reorder_point: data.reorder_point,
          hours_to_stockout: hours,
        }),
      );
      break;
    }
    case "inventory.stock_updated": {
      const data = event.data;
      const sku = data.sku_id;
      const current = openAlerts.get(keyOf("low_stock", sku));
      const restocked = data.source !== "order" && data.new_total > data.previous_total;
      if (current && restocked && data.new_total > Number(current.details.reorder_point ?? 0)) resolveOpen("low_stock", sku);
      break;
    }
    case "inventory.sync_conflict_detected": {
      const data = event.data;
      const conflictId = data.conflict_id;
      if (openAlerts.has(keyOf("sync_conflict", conflictId))) break;
      openNew(
        open(event, "sync_conflict", "warning", conflictId, `${data.sku_id}: ${data.conflict_type} (local ${data.local_value}, ${data.source} ${data.external_value})`, {
          sku_id: data.sku_id,
          conflict_type: data.conflict_type,
          local_value: data.local_value,
          external_value: data.external_value,
        }),
      );
      break;
    }
    case "inventory.sync_conflict_resolved":
      resolveOpen("sync_conflict", event.data.conflict_id);
      break;
    case "system.sync_failure_detected": {
      const data = event.data;
      const source = data.source;
      const isSaga = source.startsWith("saga");
      const kind: AlertKind = isSaga ? "stuck_saga" : "sync_failure";
      const subject = isSaga && typeof data.reference === "string" ? data.reference : source;
      if (openAlerts.has(keyOf(kind, subject))) break;
      openNew(open(event, kind, "critical", subject, `${source}: ${data.reason}`, { source, reason: data.reason, reference: data.reference ?? null, sku_id: data.sku_id ?? null }));
      break;
    }
    case "system.recovery_completed": {
      const component = event.data.component;
      resolveOpen("sync_failure", component);
      resolveOpen("stuck_saga", component);
      break;
    }
    case "shop.deauthorized":
    case "shop.reconnection_required": {
      const shopId = event.data.shop_id;
      if (openAlerts.has(keyOf("shop_connection", shopId))) break;
      const message =
        event.type === "shop.deauthorized"
          ? `TikTok Shop ${shopId} was disconnected on TikTok: orders and stock no longer sync with it. Connect it again to resume.`
          : `TikTok Shop ${shopId} needs reconnecting (${event.data.reason}): orders and stock no longer sync with it until you connect it again.`;
      openNew(open(event, "shop_connection", "critical", shopId, message, { shop_id: shopId, cause: event.type === "shop.deauthorized" ? "deauthorized" : "needs_reconnecting" }));
      break;
    }
    case "shop.connected":
      resolveOpen("shop_connection", event.data.shop_id);
      break;
  }
  return touched;
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

async function loadState(context: ProjectionContext, events: StoredEvent[]) {
  const { sql } = context;
  const subjects = new Map<string, { creator_id: string; subject: string }>();
  for (const event of events) {
    for (const subject of subjectsOf(event)) subjects.set(`${event.creatorId}|${subject}`, { creator_id: event.creatorId, subject });
  }
  const eventIds = events.map((event) => event.id);
  const [openRows, seen] = await Promise.all([
    sql<AlertRow[]>`
      select a.* from ${tableIn(context, "alerts")} a
        join jsonb_to_recordset(${sql.json([...subjects.values()] as never)}) as k(creator_id uuid, subject text)
          on a.creator_id = k.creator_id and a.subject = k.subject
       where a.resolved_at is null`,
    // Events that already opened or resolved an alert: a replay must not apply them again.
    sql<{ id: string }[]>`
      select source_event_id as id from ${tableIn(context, "alerts")} where source_event_id = any(${eventIds}::uuid[])
      union
      select resolved_by_event_id from ${tableIn(context, "alerts")} where resolved_by_event_id = any(${eventIds}::uuid[])`,
  ]);
  return { openRows, applied: new Set(seen.map((row) => row.id)) };
}

async function saveAlerts(context: ProjectionContext, alerts: Alert[]): Promise<void> {
  const { sql } = context;
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
  await sql`
    insert into ${tableIn(context, "alerts")} (id, creator_id, kind, severity, subject, message, details, opened_at, resolved_at, resolved_by_event_id, source_event_id)
    select * from jsonb_to_recordset(${sql.json(rows as never)}) as r(
      id uuid, creator_id uuid, kind text, severity text, subject text, message text, details jsonb,
      opened_at timestamptz, resolved_at timestamptz, resolved_by_event_id uuid, source_event_id uuid)
     order by id
    on conflict (id) do update set resolved_at = excluded.resolved_at, resolved_by_event_id = excluded.resolved_by_event_id`;
}

export const alertsProjection: Projection = {
  name: "projection-alerts",
  handles: alertEventTypes,
  tables: [{ name: "alerts", key: ["id"] }],
  readModel: "alerts",
  batchSize: 1_000,
  async apply(events, context, changes: RealtimeChanges) {
    const relevant = events.filter((event) => subjectsOf(event).length > 0);
    if (relevant.length === 0) return;
    const { openRows, applied } = await loadState(context, relevant);
    const openAlerts = new Map(openRows.map((row) => [`${row.creator_id}|${row.kind}|${row.subject}`, alertFromRow(row)]));
    const touched = new Map<string, Alert>();
    for (const event of relevant) {
      if (applied.has(event.id)) continue;
      for (const alert of applyAlertEvent(openAlerts, event)) touched.set(alert.id, alert);
    }
    if (touched.size === 0) return;
    await saveAlerts(context, [...touched.values()]);
    for (const alert of touched.values()) changes.alerts(alert.creatorId);
  },
};
