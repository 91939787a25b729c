// The dashboard's client state as a pure reducer: a snapshot from the server, live deltas
// applied on top, and stock adjustments shown before the server confirms them.
import type { DashboardSnapshot, DayMetrics, InventoryRow, OrderRow, PipelineCounts, SeriesPoint } from "./dashboard-types.ts";
import { ORDER_FEED_LIMIT } from "./dashboard-types.ts";
import type { SentAdjustment } from "../offline/adjustment-queue.ts";
import type { OrderArrival } from "./order-arrival.ts";
import type { RealtimeDelta } from "./realtime-delta.ts";

export interface PendingAdjustment {
  commandId: string;
  newTotal: number;
  /** Made offline: kept on the device and sent when the connection returns. */
  queued?: boolean;
}

export interface AdjustmentNotice {
  skuId: string;
  kind: "confirmed" | "rejected" | "queued";
  message: string;
}

export interface DashboardState {
  data: DashboardSnapshot;
  /** Orders that arrived live since the page opened, marked "new" in the feed. */
  newOrderIds: string[];
  /** When the page last received fresh data (a snapshot or a delta). */
  lastUpdateAt: string;
  /**
   * By order id, for orders on the feed: how the last live delta that carried a TikTok
   * webhook's change of the order reached the screen. Kept across refetches (the order did
   * arrive live); a snapshot never adds one.
   */
  arrivals: Record<string, OrderArrival>;
  pending: Record<string, PendingAdjustment>;
  notice: AdjustmentNotice | null;
}

export type DashboardAction =
  | { type: "snapshot_loaded"; snapshot: DashboardSnapshot; replay: RealtimeDelta[]; at: string }
  /** `receivedAt`: the page's monotonic clock when the message came in. */
  | { type: "delta_received"; delta: RealtimeDelta; at: string; receivedAt: number }
  /** The page has rendered what it received; `at` by the same monotonic clock. */
  | { type: "arrivals_shown"; at: number }
  | { type: "adjustment_started"; skuId: string; commandId: string; newTotal: number }
  | { type: "adjustment_queued"; skuId: string; commandId: string; newTotal: number }
  | { type: "adjustment_confirmed"; skuId: string; commandId: string; total: number; reserved: number; available: number; version: number }
  | { type: "adjustment_rejected"; skuId: string; commandId: string; message: string; current?: { total: number; reserved: number; available: number; version: number } }
  /** Adjustments queued offline that the server has answered, perhaps while no page was open (the service worker sent them). */
  | { type: "queued_adjustments_answered"; sent: SentAdjustment[] }
  | { type: "notice_dismissed" };

export function initialDashboardState(snapshot: DashboardSnapshot): DashboardState {
  return { data: snapshot, newOrderIds: [], lastUpdateAt: snapshot.readAt, arrivals: {}, pending: {}, notice: null };
}

// Over 60 lines: one short case per action, each the whole of what that action does to the state.
export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case "snapshot_loaded": {
      const data = action.replay.reduce(applyDelta, action.snapshot);
      return { ...state, data, arrivals: arrivalsOnFeed(state.arrivals, data), lastUpdateAt: action.at };
    }
    case "delta_received": {
      const known = new Set(state.data.orders.map((order) => order.orderId));
      const arrived = (action.delta.orders ?? []).map((order) => order.orderId).filter((id) => !known.has(id));
      const data = applyDelta(state.data, action.delta);
      return {
        ...state,
        data,
        newOrderIds: [...arrived, ...state.newOrderIds].slice(0, ORDER_FEED_LIMIT * 2),
        arrivals: arrivalsOnFeed(recordArrivals(state.arrivals, action.delta, action.receivedAt), data),
        lastUpdateAt: action.at,
      };
    }
    case "arrivals_shown": {
      const waiting = Object.entries(state.arrivals).filter(([, arrival]) => arrival.shownAt === null);
      // Unchanged state, so the effect that reports renders does not loop.
      if (waiting.length === 0) return state;
      const shown = Object.fromEntries(waiting.map(([orderId, arrival]) => [orderId, { ...arrival, shownAt: action.at }]));
      return { ...state, arrivals: { ...state.arrivals, ...shown } };
    }
    case "adjustment_started":
      return { ...state, pending: { ...state.pending, [action.skuId]: { commandId: action.commandId, newTotal: action.newTotal } }, notice: null };
    case "adjustment_queued":
      return {
        ...state,
        pending: { ...state.pending, [action.skuId]: { commandId: action.commandId, newTotal: action.newTotal, queued: true } },
        notice: { skuId: action.skuId, kind: "queued", message: `You are offline: stock of ${action.skuId} set to ${action.newTotal} on this device, to be sent when you are back online.` },
      };
    case "adjustment_confirmed": {
      if (state.pending[action.skuId]?.commandId !== action.commandId) return state;
      const { [action.skuId]: _done, ...pending } = state.pending;
      return {
        ...state,
        pending,
        data: updateInventoryRow(state.data, action.skuId, (row) => ({
          ...row,
          total: action.total,
          reserved: action.reserved,
          available: action.available,
          version: Math.max(row.version, action.version),
        })),
        notice: { skuId: action.skuId, kind: "confirmed", message: `Stock of ${action.skuId} saved: ${action.total} in stock.` },
      };
    }
    case "adjustment_rejected": {
      if (state.pending[action.skuId]?.commandId !== action.commandId) return state;
      const { [action.skuId]: _rolledBack, ...pending } = state.pending;
      const current = action.current;
      return {
        ...state,
        pending,
        data: current
          ? updateInventoryRow(state.data, action.skuId, (row) => ({ ...row, total: current.total, reserved: current.reserved, available: current.available, version: current.version }))
          : state.data,
        notice: { skuId: action.skuId, kind: "rejected", message: action.message },
      };
    }
    case "queued_adjustments_answered":
      return action.sent.length === 0 ? state : answeredWhileQueued(state, action.sent);
    case "notice_dismissed":
      return { ...state, notice: null };
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/** A delta's orders that a webhook changed since the last message: timed from when the page received it. */
function recordArrivals(arrivals: Record<string, OrderArrival>, delta: RealtimeDelta, receivedAt: number): Record<string, OrderArrival> {
  const timed = (delta.orders ?? []).filter((order) => order.sinceWebhookMs !== undefined);
  if (timed.length === 0) return arrivals;
  const next = { ...arrivals };
  for (const order of timed) next[order.orderId] = { serverMs: order.sinceWebhookMs!, receivedAt, shownAt: null };
  return next;
}

/** Only orders the feed shows keep a figure, so the record stays as small as the feed. */
function arrivalsOnFeed(arrivals: Record<string, OrderArrival>, data: DashboardSnapshot): Record<string, OrderArrival> {
  const kept = Object.entries(arrivals).filter(([orderId]) => data.orders.some((order) => order.orderId === orderId));
  return kept.length === Object.keys(arrivals).length ? arrivals : Object.fromEntries(kept);
}

/**
 * The answers to queued adjustments: each settles its SKU's pending change, and its figures
 * (the saved count, or the current one a 412 reported) replace the row's unless the row is
 * already newer. One notice says them all, an alert if any was refused.
 */
function answeredWhileQueued(state: DashboardState, sent: SentAdjustment[]): DashboardState {
  let { data, pending } = state;
  for (const { skuId, commandId, answer } of sent) {
    if (pending[skuId]?.commandId === commandId) {
      const { [skuId]: _settled, ...rest } = pending;
      pending = rest;
    }
    const figures = answer.ok ? answer : answer.current;
    if (figures) {
      data = updateInventoryRow(data, skuId, (row) =>
        figures.version < row.version ? row : { ...row, total: figures.total, reserved: figures.reserved, available: figures.available, version: figures.version },
      );
    }
  }
  const refused = sent.some(({ answer }) => !answer.ok);
  const message = sent.map(({ skuId, answer }) => (answer.ok ? `Stock of ${skuId} saved: ${answer.total} in stock.` : answer.message)).join(" ");
  return { ...state, data, pending, notice: { skuId: sent.at(-1)!.skuId, kind: refused ? "rejected" : "confirmed", message } };
}

function updateInventoryRow(data: DashboardSnapshot, skuId: string, update: (row: InventoryRow) => InventoryRow): DashboardSnapshot {
  return { ...data, inventory: data.inventory.map((row) => (row.skuId === skuId ? update(row) : row)) };
}

type DeltaOrder = NonNullable<RealtimeDelta["orders"]>[number];
type DeltaSku = NonNullable<RealtimeDelta["inventory"]>[number];

/**
 * A delta's row over the row the page had. The publisher leaves null values out, so an
 * absent optional field keeps what the page knew, except where absent means "none now"
 * (hours to stock-out, low-stock severity). Fields are named one by one: a loose delta's
 * unknown fields must not reach the row.
 */
function orderRow(order: DeltaOrder, previous: OrderRow | undefined): OrderRow {
  return {
    orderId: order.orderId,
    status: order.status,
    tiktokStatus: order.tiktokStatus ?? previous?.tiktokStatus ?? null,
    onHold: order.onHold ?? previous?.onHold ?? false,
    totalMinor: order.totalMinor ?? previous?.totalMinor ?? null,
    currency: order.currency ?? previous?.currency ?? null,
    receivedAt: order.receivedAt ?? previous?.receivedAt ?? null,
    shippedAt: order.shippedAt ?? previous?.shippedAt ?? null,
  };
}

function inventoryRow(sku: DeltaSku, previous: InventoryRow | undefined): InventoryRow {
  return {
    skuId: sku.skuId,
    productId: previous?.productId ?? null,
    available: sku.available,
    reserved: sku.reserved,
    total: sku.total,
    reorderPoint: sku.reorderPoint,
    velocityPerHour: sku.velocityPerHour,
    hoursToStockout: sku.hoursToStockout ?? null,
    severity: sku.severity ?? null,
    hasOpenConflict: sku.hasOpenConflict ?? previous?.hasOpenConflict ?? false,
    channelAvailable: sku.channelAvailable ?? previous?.channelAvailable ?? {},
    version: sku.version ?? previous?.version ?? 0,
  };
}

/** Deltas carry absolute values for what they list, so applying one twice changes nothing. */
export function applyDelta(data: DashboardSnapshot, delta: RealtimeDelta): DashboardSnapshot {
  let next: DashboardSnapshot = { ...data, sequence: Math.max(data.sequence, delta.seq) };

  const metrics = delta.metrics;
  if (metrics && metrics.day === next.today.day) {
    const today: DayMetrics = {
      ...next.today,
      currency: metrics.currency ?? next.today.currency,
      grossMinor: metrics.grossMinor,
      netMinor: metrics.netMinor,
      cancelledMinor: metrics.cancelledMinor,
      refundedMinor: metrics.refundedMinor,
      ordersReceived: metrics.ordersReceived,
      ordersValued: metrics.ordersValued,
      averageOrderMinor: metrics.averageOrderMinor ?? (metrics.ordersValued > 0 ? Math.round(metrics.grossMinor / metrics.ordersValued) : null),
      ordersPending: metrics.ordersPending,
      ordersShipped: metrics.ordersShipped,
      ordersDelivered: metrics.ordersDelivered,
      ordersCancelled: metrics.ordersCancelled,
      ordersRefunded: metrics.ordersRefunded,
      byChannel: metrics.byChannel?.map(({ channel, ordersReceived, ordersCancelled, grossMinor, netMinor }) => ({ channel, ordersReceived, ordersCancelled, grossMinor, netMinor })) ?? next.today.byChannel,
    };
    const todayStart = `${today.day}T00:00:00.000Z`;
    const todayPoint: SeriesPoint = { bucketStart: todayStart, grossMinor: today.grossMinor, netMinor: today.netMinor, orders: today.ordersReceived };
    const daily = next.series.daily.some((point) => point.bucketStart === todayStart)
      ? next.series.daily.map((point) => (point.bucketStart === todayStart ? todayPoint : point))
      : [...next.series.daily, todayPoint];
    next = { ...next, today, currency: next.currency ?? today.currency, series: { ...next.series, daily } };
  }

  if (delta.orders?.length) {
    const byId = new Map(next.orders.map((order) => [order.orderId, order]));
    for (const order of delta.orders) byId.set(order.orderId, orderRow(order, byId.get(order.orderId)));
    const orders = [...byId.values()].sort((a, b) => (b.receivedAt ?? "").localeCompare(a.receivedAt ?? "")).slice(0, ORDER_FEED_LIMIT);
    next = { ...next, orders, currency: next.currency ?? orders.find((order) => order.currency)?.currency ?? null };
  }

  if (delta.inventory?.length) {
    const changed = new Map(delta.inventory.map((sku) => [sku.skuId, sku]));
    const known = new Set(next.inventory.map((row) => row.skuId));
    const updated = next.inventory.map((row) => {
      const sku = changed.get(row.skuId);
      return sku ? inventoryRow(sku, row) : row;
    });
    const added = delta.inventory.filter((sku) => !known.has(sku.skuId)).map((sku) => inventoryRow(sku, undefined));
    next = { ...next, inventory: [...updated, ...added] };
  }

  if (delta.alerts) {
    const { open, warning, critical, emergency } = delta.alerts;
    next = { ...next, alertCounts: { ...next.alertCounts, open, warning, critical, emergency } };
  }
  return next;
}

/** The last seven days' pipeline: the days before today as read, plus today as it stands now. */
export function pipelineCounts(data: DashboardSnapshot): PipelineCounts {
  const before = data.pipelineBeforeToday;
  return {
    received: before.received + data.today.ordersReceived,
    pending: before.pending + data.today.ordersPending,
    shipped: before.shipped + data.today.ordersShipped,
    delivered: before.delivered + data.today.ordersDelivered,
    cancelled: before.cancelled + data.today.ordersCancelled,
    refunded: before.refunded + data.today.ordersRefunded,
  };
}

/** An inventory row as the creator should see it: a pending adjustment shown as if done. */
export function displayedInventoryRow(row: InventoryRow, pending: PendingAdjustment | undefined): InventoryRow {
  if (!pending) return row;
  return { ...row, total: pending.newTotal, available: pending.newTotal - row.reserved };
}
