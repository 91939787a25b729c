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
// (a replay) finds the alert it already opened and changes nothing. Pure: the table it
// is kept in is declared in alerts-projection.ts.
import type { StoredEvent } from "../event-store/index.ts";
import type { Folded, FoldContext } from "./projection.ts";

export type AlertKind = "low_stock" | "sync_failure" | "sync_conflict" | "stuck_saga" | "shop_connection";
export type AlertSeverity = "warning" | "critical" | "emergency";

export interface Alert {
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
export function subjectsOf(event: StoredEvent): string[] {
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

/** The alerts an event may act on: the open ones, and what is known of the events already applied. */
export interface AlertsState {
  /** Open alerts by `creator|kind|subject`. */
  open: ReadonlyMap<string, Alert>;
  /** Events that opened or resolved an alert: applying them again changes nothing. */
  applied: ReadonlySet<string>;
  /**
   * When each subject (`creator|subject`) last had an alert opened or resolved; kept for
   * replays only. A replayed event that happened before it is not applied: a later event
   * has decided since (an event that changed nothing at the time must not reopen what was
   * resolved after it).
   */
  lastChangeAt: ReadonlyMap<string, Date>;
}

export const noAlerts = (): AlertsState => ({ open: new Map(), applied: new Set(), lastChangeAt: new Map() });

/** Whether a replay (not a rebuild, which starts empty) must leave the event alone. */
function supersededOnReplay(lastChangeAt: ReadonlyMap<string, Date>, event: StoredEvent): boolean {
  return subjectsOf(event).some((subject) => {
    const changedAt = lastChangeAt.get(`${event.creatorId}|${subject}`);
    return changedAt !== undefined && event.occurredAt <= changedAt;
  });
}

/** The alerts with the batch folded in; writes are the alerts it opened or resolved. */
export function foldAlerts(state: AlertsState, events: readonly StoredEvent[], context: FoldContext): Folded<AlertsState, Alert[]> {
  const open = new Map(state.open);
  const applied = new Set(state.applied);
  const lastChangeAt = new Map(state.lastChangeAt);
  const checkSuperseded = context.replay && !context.rebuilding;
  const touched = new Map<string, Alert>();
  for (const event of events) {
    if (applied.has(event.id) || subjectsOf(event).length === 0) continue;
    if (checkSuperseded && supersededOnReplay(lastChangeAt, event)) continue;
    const changed = applyAlertEvent(open, event);
    if (changed.length === 0) continue;
    applied.add(event.id);
    for (const alert of changed) {
      touched.set(alert.id, alert);
      lastChangeAt.set(`${alert.creatorId}|${alert.subject}`, event.occurredAt);
    }
  }
  return { state: { open, applied, lastChangeAt }, writes: [...touched.values()] };
}
