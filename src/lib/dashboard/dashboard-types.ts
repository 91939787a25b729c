// What the dashboard shows, as the server sends it (the first render and GET /api/dashboard),
// as the realtime deltas carry its rows and figures (the same field names), and as the
// client keeps it. Money is in minor units (cents) with the shop's currency;
// times are ISO strings; days are UTC days, as the read models bucket them.

export interface DayMetrics {
  /** YYYY-MM-DD, UTC. */
  day: string;
  currency: string | null;
  mixedCurrency: boolean;
  grossMinor: number;
  netMinor: number;
  cancelledMinor: number;
  refundedMinor: number;
  ordersReceived: number;
  ordersValued: number;
  averageOrderMinor: number | null;
  ordersPending: number;
  ordersShipped: number;
  ordersDelivered: number;
  ordersCancelled: number;
  ordersRefunded: number;
  /** Exact median from the order facts; null when no order of the day has shipped yet. */
  medianShipSeconds: number | null;
  /** The day's orders split by the channel they were placed on; they add up to the figures above. */
  byChannel: ChannelSales[];
}

/** The channels the dashboard names (src/core/channels/channel-id.ts), as the page labels them. */
export type SalesChannel = "tiktok_shop" | "shopify";

export interface ChannelSales {
  channel: SalesChannel;
  ordersReceived: number;
  ordersCancelled: number;
  grossMinor: number;
  netMinor: number;
}

export interface SeriesPoint {
  bucketStart: string;
  grossMinor: number;
  netMinor: number;
  orders: number;
}

export interface PipelineCounts {
  received: number;
  pending: number;
  shipped: number;
  delivered: number;
  cancelled: number;
  refunded: number;
}

export interface OrderRow {
  orderId: string;
  status: string;
  tiktokStatus: string | null;
  onHold: boolean;
  totalMinor: number | null;
  currency: string | null;
  receivedAt: string | null;
  shippedAt: string | null;
}

export type Severity = "warning" | "critical" | "emergency";

export interface InventoryRow {
  skuId: string;
  productId: string | null;
  available: number;
  reserved: number;
  total: number;
  reorderPoint: number;
  velocityPerHour: number;
  hoursToStockout: number | null;
  severity: Severity | null;
  hasOpenConflict: boolean;
  /** What each channel was last told or reported it shows of the SKU; a channel that never listed it is absent. */
  channelAvailable: Partial<Record<SalesChannel, number>>;
  /**
   * The inventory stream's version the row was read at, sent back with a manual adjustment.
   * Live deltas do not carry it, so it may lag; the next refetch or a conflict answer renews it.
   */
  version: number;
}

export interface AlertRow {
  id: string;
  kind: "low_stock" | "sync_failure" | "sync_conflict" | "stuck_saga" | "shop_connection" | "sales_spike" | "sales_drop";
  severity: Severity;
  /** What happened, to which product or order, in the creator's words. */
  title: string;
  /** What it means. */
  message: string;
  /** The one thing to do, and where to do it. */
  action: string;
  actionHref: string;
  /** The engine's own account of the latest occurrence (for admins; one click away). */
  detail: string;
  /** How many times it happened while open (orders hit, detections, failures). */
  occurrences: number;
  openedAt: string;
  lastOccurredAt: string;
  acknowledgedAt: string | null;
  /** The SKU the alert is about, if any. */
  skuId: string | null;
}

/** Open alerts that are not snoozed, by severity; snoozed ones are counted apart. */
export interface AlertCounts {
  open: number;
  warning: number;
  critical: number;
  emergency: number;
  snoozed?: number;
}

export interface SystemHealth {
  /** ok: projections caught up; delayed: events waiting to be projected; degraded: failures parked. */
  status: "ok" | "delayed" | "degraded";
  projectionLagEvents: number;
  deadLetters: number;
  lastProjectedAt: string | null;
}

export interface DashboardSnapshot {
  creatorId: string;
  /** The realtime sequence the snapshot is at least as new as; the next delta is sequence + 1. */
  sequence: number;
  readAt: string;
  currency: string | null;
  today: DayMetrics;
  yesterday: DayMetrics;
  /** Pipeline of the 6 days before today; today's counts are added from `today`, so live deltas keep it exact. */
  pipelineBeforeToday: PipelineCounts;
  series: { hourly: SeriesPoint[]; daily: SeriesPoint[] };
  orders: OrderRow[];
  inventory: InventoryRow[];
  alerts: AlertRow[];
  alertCounts: AlertCounts;
  health: SystemHealth;
}

export const PIPELINE_DAYS = 7;
export const ORDER_FEED_LIMIT = 20;
export const SERIES_DAYS = 30;

export function emptyDayMetrics(day: string): DayMetrics {
  return {
    day,
    currency: null,
    mixedCurrency: false,
    grossMinor: 0,
    netMinor: 0,
    cancelledMinor: 0,
    refundedMinor: 0,
    ordersReceived: 0,
    ordersValued: 0,
    averageOrderMinor: null,
    ordersPending: 0,
    ordersShipped: 0,
    ordersDelivered: 0,
    ordersCancelled: 0,
    ordersRefunded: 0,
    medianShipSeconds: null,
    byChannel: [],
  };
}
