// Alerts a creator can act on: one open alert per problem, keyed by what it is about, and
// counted as more of the same arrives (an out-of-stock SKU that 100 orders hit is one
// alert with a count of 100). Kinds and keys:
// - low_stock, per SKU: inventory.low_stock_detected opens or updates it (its severity is
//   the latest detection's); a restock above the reorder point resolves it.
// - stuck_saga, orders fulfilment could not finish: per SKU when stock could not cover
//   them, else per problem and step; the orders waiting are its open causes, and it
//   resolves when the last of them recovers or is cancelled.
// - sync_conflict, per SKU; its open conflicts are its causes, resolved one by one.
// - sync_failure, per source; system.recovery_completed for that component resolves it.
// - shop_connection, per shop; shop.connected resolves it.
// - sales_spike, per SKU: inventory.sales_spike_detected (selling far above its forecast,
//   with when it sells out at that rate); inventory.sales_spike_ended resolves it.
// - sales_drop, per SKU: inventory.sales_drop_detected (selling far below its forecast, or
//   not at all); inventory.sales_drop_ended (sales returned) resolves it.
// The creator acknowledges, snoozes or resolves an alert with alert.* events on its own
// stream. An alert's id is the id of the event that opened it, and the row remembers the
// last event folded into it (its cursor): an event at or before it is not folded again,
// so replays change nothing. Pure: the tables are declared in alerts-projection.ts.
import { lowStockText, ordersStuckText, salesDropText, salesSpikeText, ordersWaitingForStockText, shopConnectionText, stockConflictText, syncFailureText, type AlertText } from "../alerts/alert-text.ts";
import type { StoredEvent } from "../event-store/index.ts";
import type { Folded, FoldContext } from "./projection.ts";

export type AlertKind = "low_stock" | "sync_failure" | "sync_conflict" | "stuck_saga" | "shop_connection" | "sales_spike" | "sales_drop";
export type AlertSeverity = "warning" | "critical" | "emergency";

/** Where an event stands in the order consumers fold them: (transaction id, position). */
export interface EventCursor {
  transactionId: string;
  position: number;
}

export interface Alert extends AlertText {
  id: string;
  creatorId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** What it is about within its kind (a SKU, a source, a shop, a problem): its key is creator, kind and subject. */
  subject: string;
  skuId: string | null;
  productName: string | null;
  /** The engine's own account of the latest occurrence, for an admin. */
  detail: string;
  /** The facts behind the text (available, reorder point, the latest conflict's values...). */
  details: Record<string, unknown>;
  /** What must clear for it to resolve itself (orders waiting, conflicts open); empty when one event resolves it. */
  openCauses: string[];
  occurrences: number;
  openedAt: Date;
  lastOccurredAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  snoozedUntil: Date | null;
  snoozedBy: string | null;
  resolvedAt: Date | null;
  /** The user who resolved it, or "system" when its cause cleared. */
  resolvedBy: string | null;
  resolvedByEventId: string | null;
  foldedThrough: EventCursor;
}

/** A product's name, learned from the orders that sold it. */
export interface ProductName {
  creatorId: string;
  skuId: string;
  productName: string;
}

export const alertEventTypes = [
  "inventory.low_stock_detected",
  "inventory.stock_updated",
  "inventory.sync_conflict_detected",
  "inventory.sync_conflict_resolved",
  "inventory.sales_spike_detected",
  "inventory.sales_spike_ended",
  "inventory.sales_drop_detected",
  "inventory.sales_drop_ended",
  "system.sync_failure_detected",
  "system.recovery_completed",
  "shop.deauthorized",
  "shop.reconnection_required",
  "shop.connected",
  "order.validated",
  "order.cancelled",
  "alert.acknowledged",
  "alert.snoozed",
  "alert.resolved",
] as const;

const severityRank: Record<AlertSeverity, number> = { warning: 0, critical: 1, emergency: 2 };
const MAX_OPEN_CAUSES = 1_000;

export const alertKey = (creatorId: string, kind: AlertKind, subject: string) => `${creatorId}|${kind}|${subject}`;
const productKey = (creatorId: string, skuId: string) => `${creatorId}|${skuId}`;

export function cursorOf(event: StoredEvent): EventCursor {
  return { transactionId: event.transactionId, position: event.position };
}

/** Whether `event` comes after `cursor` in the order consumers fold events. */
export function isAfter(event: StoredEvent, cursor: EventCursor): boolean {
  const transaction = BigInt(event.transactionId);
  const folded = BigInt(cursor.transactionId);
  return transaction > folded || (transaction === folded && event.position > cursor.position);
}

/** The alert an event opens or updates, when it opens one: its key and what it says. */
interface Occurrence {
  kind: AlertKind;
  subject: string;
  severity: AlertSeverity;
  skuId: string | null;
  productName: string | null;
  detail: string;
  details: Record<string, unknown>;
  cause?: string;
}

function stuckSagaSubject(data: { sku_id?: string; problem?: string; step?: string; reason: string }): string {
  if (data.sku_id) return `stock:${data.sku_id}`;
  // Failures recorded before they named their problem: the step is in the reason's words.
  const step = data.step ?? /^step (\w+) failed/.exec(data.reason)?.[1] ?? "unknown";
  return `${data.problem ?? "step_failed"}:${step}`;
}

/** The occurrence an event reports, if it reports one. */
export function occurrenceOf(event: StoredEvent, productName: (skuId: string) => string | null): Occurrence | null {
  switch (event.type) {
    case "inventory.low_stock_detected": {
      const { sku_id: skuId, severity, available, reorder_point: reorderPoint, hours_to_stockout: hours } = event.data;
      const detail = `inventory.low_stock_detected: ${available} available, reorder point ${reorderPoint}, hours to stock-out ${hours === null ? "unknown" : hours.toFixed(1)}`;
      return { kind: "low_stock", subject: skuId, severity, skuId, productName: productName(skuId), detail, details: { available, reorder_point: reorderPoint, hours_to_stockout: hours } };
    }
    case "inventory.sales_spike_detected": {
      const data = event.data;
      const hours = data.hours_to_stockout;
      const severity: AlertSeverity = hours !== null && hours < 4 ? "emergency" : hours !== null && hours < 24 ? "critical" : "warning";
      const detail = `inventory.sales_spike_detected: ${data.observed_per_hour.toFixed(1)}/h over ${data.window_minutes} min against ${data.expected_per_hour.toFixed(2)}/h expected (score ${data.score.toFixed(1)}), ${data.available} available`;
      return {
        kind: "sales_spike", subject: data.sku_id, severity, skuId: data.sku_id, productName: productName(data.sku_id), detail,
        details: { observed_per_hour: data.observed_per_hour, expected_per_hour: data.expected_per_hour, available: data.available, hours_to_stockout: hours },
      };
    }
    case "inventory.sales_drop_detected": {
      const data = event.data;
      const detail = `inventory.sales_drop_detected: ${data.observed_units} sold over ${data.window_minutes} min against ${data.expected_units.toFixed(1)} expected (score ${data.score.toFixed(1)}), last sale ${data.last_sale_at}`;
      return {
        kind: "sales_drop", subject: data.sku_id, severity: "warning", skuId: data.sku_id, productName: productName(data.sku_id), detail,
        details: { observed_units: data.observed_units, expected_units: data.expected_units, window_minutes: data.window_minutes, last_sale_at: data.last_sale_at },
      };
    }
    case "inventory.sync_conflict_detected": {
      const data = event.data;
      const detail = `${data.conflict_type} (local ${data.local_value}, ${data.source} ${data.external_value}), conflict ${data.conflict_id}`;
      return {
        kind: "sync_conflict", subject: data.sku_id, severity: "warning", skuId: data.sku_id, productName: productName(data.sku_id), detail,
        details: { local_value: data.local_value, external_value: data.external_value, conflict_type: data.conflict_type, ...(data.channel ? { channel: data.channel } : {}) }, cause: data.conflict_id,
      };
    }
    case "system.sync_failure_detected": {
      const data = event.data;
      const detail = `${data.source}: ${data.reason}${data.reference ? ` (${data.reference})` : ""}`;
      if (!data.source.startsWith("saga")) return { kind: "sync_failure", subject: data.source, severity: "warning", skuId: null, productName: null, detail, details: { source: data.source } };
      const skuId = data.sku_id ?? null;
      const severity: AlertSeverity = data.problem === "stuck" ? "warning" : "critical";
      return {
        kind: "stuck_saga", subject: stuckSagaSubject(data), severity, skuId, productName: skuId ? (data.product_name ?? productName(skuId)) : null, detail,
        details: { problem: data.problem ?? "step_failed", step: data.step ?? null, last_order_id: data.reference ?? null }, cause: data.reference,
      };
    }
    case "shop.deauthorized":
    case "shop.reconnection_required": {
      const reason = event.type === "shop.reconnection_required" ? event.data.reason : null;
      const cause = event.type === "shop.deauthorized" ? "deauthorized" : "needs_reconnecting";
      return { kind: "shop_connection", subject: event.data.shop_id, severity: "critical", skuId: null, productName: null, detail: `${event.type}${reason ? `: ${reason}` : ""}`, details: { shop_id: event.data.shop_id, cause, reason } };
    }
    default:
      return null;
  }
}

/** What the alert says, from its kind, facts and count. */
export function textOf(alert: Pick<Alert, "kind" | "subject" | "skuId" | "productName" | "details" | "openCauses" | "occurrences">): AlertText {
  const facts = alert.details;
  const number = (key: string) => (typeof facts[key] === "number" ? facts[key] : 0);
  switch (alert.kind) {
    case "low_stock":
      return lowStockText({ skuId: alert.subject, productName: alert.productName, available: number("available"), reorderPoint: number("reorder_point"), hoursToStockout: typeof facts.hours_to_stockout === "number" ? facts.hours_to_stockout : null });
    case "stuck_saga":
      return alert.skuId
        ? ordersWaitingForStockText({ skuId: alert.skuId, productName: alert.productName, waitingOrders: alert.openCauses.length })
        : ordersStuckText({ problem: String(facts.problem ?? "step_failed"), step: typeof facts.step === "string" ? facts.step : null, waitingOrders: alert.openCauses.length });
    case "sync_conflict":
      return stockConflictText({
        skuId: alert.subject, productName: alert.productName, localValue: number("local_value"), externalValue: number("external_value"), openConflicts: alert.openCauses.length,
        channel: facts.channel === "shopify" ? "shopify" : "tiktok_shop",
      });
    case "sync_failure":
      return syncFailureText({ source: alert.subject, occurrences: alert.occurrences });
    case "sales_spike":
      return salesSpikeText({
        skuId: alert.subject, productName: alert.productName, ratePerHour: number("observed_per_hour"), expectedPerHour: number("expected_per_hour"),
        hoursToStockout: typeof facts.hours_to_stockout === "number" ? facts.hours_to_stockout : null,
      });
    case "sales_drop":
      return salesDropText({
        skuId: alert.subject, productName: alert.productName, observedUnits: number("observed_units"), expectedUnits: number("expected_units"),
        windowMinutes: number("window_minutes"),
      });
    case "shop_connection":
      return shopConnectionText({ shopId: alert.subject, cause: facts.cause === "deauthorized" ? "deauthorized" : "needs_reconnecting", reason: typeof facts.reason === "string" ? facts.reason : null });
  }
}

function withText(alert: Alert): Alert {
  return { ...alert, ...textOf(alert) };
}

function openAlert(event: StoredEvent, occurrence: Occurrence): Alert {
  return withText({
    id: event.id, creatorId: event.creatorId, kind: occurrence.kind, severity: occurrence.severity, subject: occurrence.subject,
    skuId: occurrence.skuId, productName: occurrence.productName, title: "", message: "", action: "", actionHref: "",
    detail: occurrence.detail, details: occurrence.details, openCauses: occurrence.cause ? [occurrence.cause] : [],
    occurrences: 1, openedAt: event.occurredAt, lastOccurredAt: event.occurredAt,
    acknowledgedAt: null, acknowledgedBy: null, snoozedUntil: null, snoozedBy: null,
    resolvedAt: null, resolvedBy: null, resolvedByEventId: null, foldedThrough: cursorOf(event),
  });
}

function recur(alert: Alert, event: StoredEvent, occurrence: Occurrence): Alert {
  const causes = occurrence.cause && !alert.openCauses.includes(occurrence.cause) ? [...alert.openCauses, occurrence.cause].slice(-MAX_OPEN_CAUSES) : alert.openCauses;
  // Low stock follows the latest detection; other kinds keep their worst.
  const severity = alert.kind === "low_stock" || severityRank[occurrence.severity] > severityRank[alert.severity] ? occurrence.severity : alert.severity;
  // Worse than when it was snoozed: the creator hears about it again.
  const escalated = severityRank[severity] > severityRank[alert.severity];
  return withText({
    ...alert, severity, detail: occurrence.detail, details: { ...alert.details, ...occurrence.details }, openCauses: causes,
    productName: occurrence.productName ?? alert.productName, occurrences: alert.occurrences + 1, lastOccurredAt: event.occurredAt,
    snoozedUntil: escalated ? null : alert.snoozedUntil, snoozedBy: escalated ? null : alert.snoozedBy, foldedThrough: cursorOf(event),
  });
}

function resolveAlert(alert: Alert, event: StoredEvent, by: string): Alert {
  return { ...alert, resolvedAt: event.occurredAt, resolvedBy: by, resolvedByEventId: event.id, foldedThrough: cursorOf(event) };
}

/** The causes an event clears (orders that recovered or were cancelled, conflicts settled), if any. */
export function clearedCauseOf(event: StoredEvent): { kinds: AlertKind[]; cause: string } | null {
  switch (event.type) {
    case "system.recovery_completed":
      return { kinds: ["stuck_saga"], cause: event.data.component };
    case "order.cancelled":
      return { kinds: ["stuck_saga"], cause: event.data.order_id };
    case "inventory.sync_conflict_resolved":
      return { kinds: ["sync_conflict"], cause: event.data.conflict_id };
    default:
      return null;
  }
}

/** The key of the alert an event resolves outright, if it resolves one. */
export function resolvedKeyOf(event: StoredEvent): { kind: AlertKind; subject: string } | null {
  switch (event.type) {
    case "system.recovery_completed":
      return { kind: "sync_failure", subject: event.data.component };
    case "shop.connected":
      return { kind: "shop_connection", subject: event.data.shop_id };
    case "inventory.sales_spike_ended":
      return { kind: "sales_spike", subject: event.data.sku_id };
    case "inventory.sales_drop_ended":
      return { kind: "sales_drop", subject: event.data.sku_id };
    default:
      return null;
  }
}

/** The alerts a batch may touch, as loaded for it, and the product names known. */
export interface AlertsState {
  /** Open alerts by key (`creator|kind|subject`). */
  open: ReadonlyMap<string, Alert>;
  /**
   * On a replay, the latest resolved alert per key: an old event at or before its cursor
   * was folded already (it must not open the problem again).
   */
  resolved: ReadonlyMap<string, Alert>;
  productNames: ReadonlyMap<string, string>;
}

export interface AlertWrites {
  alerts: Alert[];
  productNames: ProductName[];
}

export const noAlerts = (): AlertsState => ({ open: new Map(), resolved: new Map(), productNames: new Map() });

/** The open alerts of `creatorId` in `kinds` waiting on `cause`. */
function alertsWaitingOn(open: ReadonlyMap<string, Alert>, creatorId: string, kinds: readonly AlertKind[], cause: string): Alert[] {
  return [...open.values()].filter((alert) => alert.creatorId === creatorId && kinds.includes(alert.kind) && alert.openCauses.includes(cause));
}

function findOpenById(open: ReadonlyMap<string, Alert>, creatorId: string, alertId: string): Alert | undefined {
  return [...open.values()].find((alert) => alert.id === alertId && alert.creatorId === creatorId);
}

/** What one event does to the alerts: the alerts it changed, as they now stand. */
function alertsChangedBy(event: StoredEvent, state: AlertsState): Alert[] {
  const { open, resolved } = state;
  switch (event.type) {
    case "alert.acknowledged":
    case "alert.snoozed":
    case "alert.resolved": {
      const alert = findOpenById(open, event.creatorId, event.data.alert_id);
      if (!alert || !isAfter(event, alert.foldedThrough)) return [];
      const by = event.data.by.user_id;
      const cursor = cursorOf(event);
      if (event.type === "alert.acknowledged") return [{ ...alert, acknowledgedAt: event.occurredAt, acknowledgedBy: by, foldedThrough: cursor }];
      if (event.type === "alert.snoozed") return [{ ...alert, snoozedUntil: new Date(event.data.until), snoozedBy: by, foldedThrough: cursor }];
      return [resolveAlert(alert, event, by)];
    }
    case "inventory.stock_updated": {
      const data = event.data;
      const alert = open.get(alertKey(event.creatorId, "low_stock", data.sku_id));
      const restocked = data.source !== "order" && data.new_total > data.previous_total && data.new_total > Number(alert?.details.reorder_point ?? 0);
      return alert && restocked && isAfter(event, alert.foldedThrough) ? [resolveAlert(alert, event, "system")] : [];
    }
  }
  const changed: Alert[] = [];
  const resolvedKey = resolvedKeyOf(event);
  const settled = resolvedKey ? open.get(alertKey(event.creatorId, resolvedKey.kind, resolvedKey.subject)) : undefined;
  if (settled && isAfter(event, settled.foldedThrough)) changed.push(resolveAlert(settled, event, "system"));
  const cleared = clearedCauseOf(event);
  for (const alert of cleared ? alertsWaitingOn(open, event.creatorId, cleared.kinds, cleared.cause) : []) {
    if (!cleared || !isAfter(event, alert.foldedThrough)) continue;
    const openCauses = alert.openCauses.filter((cause) => cause !== cleared.cause);
    changed.push(openCauses.length === 0 ? resolveAlert({ ...alert, openCauses }, event, "system") : withText({ ...alert, openCauses, foldedThrough: cursorOf(event) }));
  }
  const occurrence = occurrenceOf(event, (skuId) => state.productNames.get(productKey(event.creatorId, skuId)) ?? null);
  if (occurrence) {
    const key = alertKey(event.creatorId, occurrence.kind, occurrence.subject);
    const current = open.get(key);
    const previous = resolved.get(key);
    if (current) {
      if (isAfter(event, current.foldedThrough)) changed.push(recur(current, event, occurrence));
    } else if (!previous || isAfter(event, previous.foldedThrough)) {
      changed.push(openAlert(event, occurrence));
    }
  }
  return changed;
}

/** Product names the event gives (an order's items, a failure about a product). */
function productNamesIn(event: StoredEvent): { skuId: string; productName: string }[] {
  if (event.type === "order.validated") {
    return event.data.items.flatMap((item) => (item.product_name?.trim() ? [{ skuId: item.sku_id, productName: item.product_name.trim() }] : []));
  }
  if (event.type === "system.sync_failure_detected" && event.data.sku_id && event.data.product_name?.trim()) {
    return [{ skuId: event.data.sku_id, productName: event.data.product_name.trim() }];
  }
  return [];
}

/** The alerts with the batch folded in; writes are the alerts it changed and the product names it learned. */
export function foldAlerts(state: AlertsState, events: readonly StoredEvent[], _context: FoldContext): Folded<AlertsState, AlertWrites> {
  const open = new Map(state.open);
  const resolved = new Map(state.resolved);
  const productNames = new Map(state.productNames);
  const alerts = new Map<string, Alert>();
  const names = new Map<string, ProductName>();
  for (const event of events) {
    for (const { skuId, productName } of productNamesIn(event)) {
      const key = productKey(event.creatorId, skuId);
      if (productNames.get(key) === productName) continue;
      productNames.set(key, productName);
      names.set(key, { creatorId: event.creatorId, skuId, productName });
    }
    for (const alert of alertsChangedBy(event, { open, resolved, productNames })) {
      const key = alertKey(alert.creatorId, alert.kind, alert.subject);
      alerts.set(alert.id, alert);
      if (alert.resolvedAt) {
        open.delete(key);
        resolved.set(key, alert);
      } else {
        open.set(key, alert);
      }
    }
  }
  return { state: { open, resolved, productNames }, writes: { alerts: [...alerts.values()], productNames: [...names.values()] } };
}
