// The dashboard's client state as a pure reducer: a snapshot from the server, live deltas
// applied on top, and stock adjustments shown before the server confirms them.
import type { DashboardSnapshot, DayMetrics, InventoryRow, OrderRow, PipelineCounts, SeriesPoint } from "./dashboard-types.ts";
import { ORDER_FEED_LIMIT } from "./dashboard-types.ts";
import type { OrderArrival } from "./order-arrival.ts";
import type { RealtimeDelta } from "./realtime-delta.ts";

export interface PendingAdjustment {
  commandId: string;
  newTotal: number;
}

export interface AdjustmentNotice {
  skuId: string;
  kind: "confirmed" | "rejected";
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
  | { type: "adjustment_confirmed"; skuId: string; commandId: string; total: number; reserved: number; available: number; version: number }
  | { type: "adjustment_rejected"; skuId: string; commandId: string; message: string; current?: { total: number; reserved: number; available: number; version: number } }
  | { type: "notice_dismissed" };

export function initialDashboardState(snapshot: DashboardSnapshot): DashboardState {
  return { data: snapshot, newOrderIds: [], lastUpdateAt: snapshot.readAt, arrivals: {}, pending: {}, notice: null };
}

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case "snapshot_loaded": {
      const data = action.replay.reduce(applyDelta, action.snapshot);
      return { ...state, data, arrivals: arrivalsOnFeed(state.arrivals, data), lastUpdateAt: action.at };
    }
    case "delta_received": {
      const known = new Set(state.data.orders.map((order) => order.orderId));
      const arrived = (action.delta.orders ?? []).map((order) => order.order_id).filter((id) => !known.has(id));
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
  const timed = (delta.orders ?? []).filter((order) => order.since_webhook_ms !== undefined);
  if (timed.length === 0) return arrivals;
  const next = { ...arrivals };
  for (const order of timed) next[order.order_id] = { serverMs: order.since_webhook_ms!, receivedAt, shownAt: null };
  return next;
}

/** Only orders the feed shows keep a figure, so the record stays as small as the feed. */
function arrivalsOnFeed(arrivals: Record<string, OrderArrival>, data: DashboardSnapshot): Record<string, OrderArrival> {
  const kept = Object.entries(arrivals).filter(([orderId]) => data.orders.some((order) => order.orderId === orderId));
  return kept.length === Object.keys(arrivals).length ? arrivals : Object.fromEntries(kept);
}

function updateInventoryRow(data: DashboardSnapshot, skuId: string, update: (row: InventoryRow) => InventoryRow): DashboardSnapshot {
  return { ...data, inventory: data.inventory.map((row) => (row.skuId === skuId ? update(row) : row)) };
}

/** Deltas carry absolute values for what they list, so applying one twice changes nothing. */
export function applyDelta(data: DashboardSnapshot, delta: RealtimeDelta): DashboardSnapshot {
  let next: DashboardSnapshot = { ...data, sequence: Math.max(data.sequence, delta.seq) };

  const metrics = delta.metrics;
  if (metrics && metrics.day === next.today.day) {
    const today: DayMetrics = {
      ...next.today,
      currency: metrics.currency ?? next.today.currency,
      grossMinor: metrics.gross_minor,
      netMinor: metrics.net_minor,
      cancelledMinor: metrics.cancelled_minor,
      refundedMinor: metrics.refunded_minor,
      ordersReceived: metrics.orders_received,
      ordersValued: metrics.orders_valued,
      averageOrderMinor: metrics.average_order_minor ?? (metrics.orders_valued > 0 ? Math.round(metrics.gross_minor / metrics.orders_valued) : null),
      ordersPending: metrics.orders_pending,
      ordersShipped: metrics.orders_shipped,
      ordersDelivered: metrics.orders_delivered,
      ordersCancelled: metrics.orders_cancelled,
      ordersRefunded: metrics.orders_refunded,
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
    for (const order of delta.orders) {
      const previous = byId.get(order.order_id);
      const row: OrderRow = {
        orderId: order.order_id,
        status: order.status,
        tiktokStatus: order.tiktok_status ?? previous?.tiktokStatus ?? null,
        onHold: order.on_hold ?? previous?.onHold ?? false,
        totalMinor: order.total_minor ?? previous?.totalMinor ?? null,
        currency: order.currency ?? previous?.currency ?? null,
        receivedAt: order.received_at ?? previous?.receivedAt ?? null,
        shippedAt: order.shipped_at ?? previous?.shippedAt ?? null,
      };
      byId.set(row.orderId, row);
    }
    const orders = [...byId.values()].sort((a, b) => (b.receivedAt ?? "").localeCompare(a.receivedAt ?? "")).slice(0, ORDER_FEED_LIMIT);
    next = { ...next, orders, currency: next.currency ?? orders.find((order) => order.currency)?.currency ?? null };
  }

  if (delta.inventory?.length) {
    const changed = new Map(delta.inventory.map((sku) => [sku.sku_id, sku]));
    const known = new Set(next.inventory.map((row) => row.skuId));
    const updated = next.inventory.map((row): InventoryRow => {
      const sku = changed.get(row.skuId);
      if (!sku) return row;
      return {
        ...row,
        available: sku.available,
        reserved: sku.reserved,
        total: sku.total,
        reorderPoint: sku.reorder_point,
        velocityPerHour: sku.velocity_per_hour,
        hoursToStockout: sku.hours_to_stockout ?? null,
        severity: sku.low_stock_severity ?? null,
        hasOpenConflict: sku.has_open_conflict ?? row.hasOpenConflict,
        version: sku.last_version ?? row.version,
      };
    });
    const added = delta.inventory
      .filter((sku) => !known.has(sku.sku_id))
      .map(
        (sku): InventoryRow => ({
          skuId: sku.sku_id,
          productId: null,
          available: sku.available,
          reserved: sku.reserved,
          total: sku.total,
          reorderPoint: sku.reorder_point,
          velocityPerHour: sku.velocity_per_hour,
          hoursToStockout: sku.hours_to_stockout ?? null,
          severity: sku.low_stock_severity ?? null,
          hasOpenConflict: sku.has_open_conflict ?? false,
          version: sku.last_version ?? 0,
        }),
      );
    next = { ...next, inventory: [...updated, ...added] };
  }

  if (delta.alerts) {
    const { open, warning, critical, emergency } = delta.alerts;
    next = { ...next, alertCounts: { open, warning, critical, emergency } };
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
