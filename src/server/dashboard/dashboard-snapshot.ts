// Reads everything /dashboard shows for one creator from the read models, in one
// repeatable-read snapshot, together with the realtime sequence it is at least as new as:
// a delta numbered sequence + 1 or later carries what happened after this read.
// Read models are pre-aggregated, so the cost does not grow with the number of events.
import type { Sql, TransactionSql } from "postgres";
import { FORECAST_STOCKOUT_SQL } from "@/core/analytics/demand-model.ts";
import { DAY_MS, HOUR_MS } from "@/core/durations.ts";
import type { DashboardMetricsRow } from "@/core/projections/dashboard-metrics-projection.ts";
import { actAsCreator } from "@/server/creator-scope.ts";
import {
  emptyDayMetrics,
  ORDER_FEED_LIMIT,
  PIPELINE_DAYS,
  SERIES_DAYS,
  type AlertCounts,
  type AlertRow,
  type ChannelSales,
  type DashboardSnapshot,
  type DayMetrics,
  type InventoryRow,
  type OrderRow,
  type PipelineCounts,
  type SalesChannel,
  type SeriesPoint,
  type Severity,
  type SystemHealth,
} from "@/lib/dashboard/dashboard-types.ts";

const INVENTORY_LIMIT = 500;
const ALERTS_LIMIT = 50;
/** The projections whose read models this page shows; their lag is the page's staleness. */
const DASHBOARD_PROJECTIONS = [
  "projection-dashboard-metrics",
  "projection-order-summaries",
  "projection-inventory-levels",
  "projection-alerts",
];
/** More events than this waiting to be projected counts as delayed. */
const LAG_TOLERANCE_EVENTS = 500;

/** The columns of a metrics bucket the page shows (readMetrics selects them). */
type MetricsRow = Omit<DashboardMetricsRow, "creator_id" | "ship_seconds_sum" | "ship_count" | "ship_hours_histogram" | "last_event_at">;

export const utcDayStart = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
const isoDay = (at: Date) => at.toISOString().slice(0, 10);

interface ChannelMetricsRow {
  bucket_start: Date;
  channel: SalesChannel;
  orders_received: number;
  orders_cancelled: number;
  gross_minor: string;
  net_minor: string;
}

const channelSales = (row: ChannelMetricsRow): ChannelSales => ({
  channel: row.channel,
  ordersReceived: row.orders_received,
  ordersCancelled: row.orders_cancelled,
  grossMinor: Number(row.gross_minor),
  netMinor: Number(row.net_minor),
});

function dayMetrics(day: Date, row: MetricsRow | undefined, medianShipSeconds: number | null, byChannel: ChannelSales[]): DayMetrics {
  if (!row) return { ...emptyDayMetrics(isoDay(day)), medianShipSeconds, byChannel };
  const gross = Number(row.gross_minor);
  return {
    day: isoDay(day),
    currency: row.currency,
    mixedCurrency: row.mixed_currency,
    grossMinor: gross,
    netMinor: Number(row.net_minor),
    cancelledMinor: Number(row.cancelled_minor),
    refundedMinor: Number(row.refunded_minor),
    ordersReceived: row.orders_received,
    ordersValued: row.orders_valued,
    averageOrderMinor: row.orders_valued > 0 ? Math.round(gross / row.orders_valued) : null,
    ordersPending: row.orders_pending,
    ordersShipped: row.orders_shipped,
    ordersDelivered: row.orders_delivered,
    ordersCancelled: row.orders_cancelled,
    ordersRefunded: row.orders_refunded,
    medianShipSeconds,
    byChannel,
  };
}

const point = (row: MetricsRow): SeriesPoint => ({
  bucketStart: row.bucket_start.toISOString(),
  grossMinor: Number(row.gross_minor),
  netMinor: Number(row.net_minor),
  orders: row.orders_received,
});

/** One creator's metric buckets from `from` on, oldest first: the daily and the hourly tables have the same columns. */
function readMetrics(sql: TransactionSql, table: "dashboard_metrics_daily" | "dashboard_metrics_hourly", creatorId: string, from: Date) {
  return sql<MetricsRow[]>`
    select bucket_start, currency, mixed_currency, orders_received, orders_valued, orders_pending, orders_shipped,
           orders_delivered, orders_cancelled, orders_refunded, gross_minor, cancelled_minor, refunded_minor, net_minor
      from ${sql(`public.${table}`)}
     where creator_id = ${creatorId} and bucket_start >= ${from}
     order by bucket_start`;
}

type OrderSummaryRow = { order_id: string; status: string; tiktok_status: string | null; on_hold: boolean; total_minor: string | null; currency: string | null; received_at: Date | null; shipped_at: Date | null };
type InventoryLevelRow = { sku_id: string; product_id: string | null; available: number; reserved: number; total: number; reorder_point: number; velocity_per_hour: number; hours_to_stockout: number | null; low_stock_severity: Severity | null; has_open_conflict: boolean; channel_available: InventoryRow["channelAvailable"]; last_version: string };
type OpenAlertRow = { id: string; kind: AlertRow["kind"]; severity: Severity; title: string; message: string; action: string; action_href: string; detail: string; occurrences: number; opened_at: Date; last_occurred_at: Date; acknowledged_at: Date | null; sku_id: string | null };

const orderRow = (row: OrderSummaryRow): OrderRow => ({
  orderId: row.order_id,
  status: row.status,
  tiktokStatus: row.tiktok_status,
  onHold: row.on_hold,
  totalMinor: row.total_minor === null ? null : Number(row.total_minor),
  currency: row.currency,
  receivedAt: row.received_at?.toISOString() ?? null,
  shippedAt: row.shipped_at?.toISOString() ?? null,
});

const inventoryRow = (row: InventoryLevelRow): InventoryRow => ({
  skuId: row.sku_id,
  productId: row.product_id,
  available: row.available,
  reserved: row.reserved,
  total: row.total,
  reorderPoint: row.reorder_point,
  velocityPerHour: row.velocity_per_hour,
  hoursToStockout: row.hours_to_stockout,
  severity: row.low_stock_severity,
  hasOpenConflict: row.has_open_conflict,
  channelAvailable: row.channel_available ?? {},
  version: Number(row.last_version),
});

const alertRow = (row: OpenAlertRow): AlertRow => ({
  id: row.id,
  kind: row.kind,
  severity: row.severity,
  title: row.title,
  message: row.message,
  action: row.action,
  actionHref: row.action_href,
  detail: row.detail,
  occurrences: row.occurrences,
  openedAt: row.opened_at.toISOString(),
  lastOccurredAt: row.last_occurred_at.toISOString(),
  acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
  skuId: row.sku_id,
});

/**
 * The pipeline's progress over every creator's events and this creator's dead letters, read
 * as the owner (admin-only tables), before the transaction takes the creator's claims.
 */
async function readSystemHealth(tx: TransactionSql, creatorId: string): Promise<SystemHealth> {
  const [[checkpoints], [deadLetters]] = await Promise.all([
    tx<{ head: string | null; slowest: string | null; last_run_at: Date | null }[]>`
      select (select position from public.event_store order by position desc limit 1) as head,
             min(position) as slowest, max(last_run_at) as last_run_at
        from public.consumer_checkpoints
       where consumer in ${tx(DASHBOARD_PROJECTIONS)}`,
    tx<{ count: number }[]>`
      select count(*)::int as count from public.dead_letters where creator_id = ${creatorId} and status in ('pending', 'retry_requested')`,
  ]);
  const head = Number(checkpoints?.head ?? 0);
  const lag = checkpoints?.slowest == null ? head : Math.max(0, head - Number(checkpoints.slowest));
  const deadLetterCount = deadLetters?.count ?? 0;
  return {
    status: deadLetterCount > 0 ? "degraded" : lag > LAG_TOLERANCE_EVENTS ? "delayed" : "ok",
    projectionLagEvents: lag,
    deadLetters: deadLetterCount,
    lastProjectedAt: checkpoints?.last_run_at?.toISOString() ?? null,
  };
}

/** The creator's own read models, under their claims (RLS behind every filter). */
function readCreatorRows(tx: TransactionSql, creatorId: string, now: Date, today: Date) {
  const yesterday = new Date(today.getTime() - DAY_MS);
  const seriesFrom = new Date(today.getTime() - (SERIES_DAYS - 1) * DAY_MS);
  const hourlyFrom = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS);
  return Promise.all([
    readMetrics(tx, "dashboard_metrics_daily", creatorId, seriesFrom),
    readMetrics(tx, "dashboard_metrics_hourly", creatorId, hourlyFrom),
    tx<{ day: Date; median_seconds: number | null }[]>`
      select date_bin('1 day', received_at, timestamptz '2000-01-01 00:00:00+00') as day,
             percentile_cont(0.5) within group (order by extract(epoch from shipped_at - received_at))::float8 as median_seconds
        from public.dashboard_order_facts
       where creator_id = ${creatorId} and received_at >= ${yesterday} and shipped_at is not null
       group by 1`,
    tx<OrderSummaryRow[]>`
      select order_id, status, tiktok_status, on_hold, total_minor, currency, received_at, shipped_at
        from public.order_summaries
       where creator_id = ${creatorId} and received_at is not null
       order by received_at desc
       limit ${ORDER_FEED_LIMIT}`,
    tx<InventoryLevelRow[]>`
      select il.sku_id, il.product_id, il.available, il.reserved, il.total, il.reorder_point, il.velocity_per_hour,
             ${tx.unsafe(FORECAST_STOCKOUT_SQL)} as hours_to_stockout,
             il.low_stock_severity, il.has_open_conflict, il.channel_available, il.last_version
        from public.inventory_levels il
        left join public.demand_forecasts df on df.creator_id = il.creator_id and df.sku_id = il.sku_id
       where il.creator_id = ${creatorId}
       order by il.sku_id
       limit ${INVENTORY_LIMIT}`,
    // The most severe first, what nobody has acknowledged before what someone has; snoozed ones wait.
    tx<OpenAlertRow[]>`
      select id, kind, severity, title, message, action, action_href, detail, occurrences, opened_at, last_occurred_at, acknowledged_at, sku_id
        from public.alerts
       where creator_id = ${creatorId} and resolved_at is null and (snoozed_until is null or snoozed_until <= ${now})
       order by case severity when 'emergency' then 0 when 'critical' then 1 else 2 end, acknowledged_at is not null, last_occurred_at desc
       limit ${ALERTS_LIMIT}`,
    tx<AlertCounts[]>`
      select count(*) filter (where not snoozed)::int as open,
             count(*) filter (where not snoozed and severity = 'warning')::int as warning,
             count(*) filter (where not snoozed and severity = 'critical')::int as critical,
             count(*) filter (where not snoozed and severity = 'emergency')::int as emergency,
             count(*) filter (where snoozed)::int as snoozed
        from (select severity, coalesce(snoozed_until > ${now}, false) as snoozed
                from public.alerts where creator_id = ${creatorId} and resolved_at is null) open_alerts`,
    // The shop's currency formats money before the first priced order has arrived.
    tx<{ currency: string | null }[]>`
      select currency from public.tiktok_shops where creator_id = ${creatorId} and currency is not null order by shop_id limit 1`,
    tx<ChannelMetricsRow[]>`
      select bucket_start, channel, orders_received, orders_cancelled, gross_minor, net_minor
        from public.dashboard_metrics_channel_daily
       where creator_id = ${creatorId} and bucket_start >= ${yesterday} and orders_received > 0
       order by bucket_start, channel`,
  ]);
}

/** The order pipeline's counts over the days before today that the page's pipeline covers. */
function pipelineBefore(today: Date, daily: MetricsRow[]): PipelineCounts {
  const pipelineFrom = today.getTime() - (PIPELINE_DAYS - 1) * DAY_MS;
  const counts: PipelineCounts = { received: 0, pending: 0, shipped: 0, delivered: 0, cancelled: 0, refunded: 0 };
  for (const row of daily) {
    const at = row.bucket_start.getTime();
    if (at < pipelineFrom || at >= today.getTime()) continue;
    counts.received += row.orders_received;
    counts.pending += row.orders_pending;
    counts.shipped += row.orders_shipped;
    counts.delivered += row.orders_delivered;
    counts.cancelled += row.orders_cancelled;
    counts.refunded += row.orders_refunded;
  }
  return counts;
}

export async function readDashboardSnapshot(sql: Sql, creatorId: string, now: Date = new Date()): Promise<DashboardSnapshot> {
  const today = utcDayStart(now);
  const yesterday = new Date(today.getTime() - DAY_MS);

  return sql.begin("isolation level repeatable read read only", async (tx) => {
    // One repeatable-read snapshot covers the system figures (as the owner) and the creator's own.
    const health = await readSystemHealth(tx, creatorId);
    await actAsCreator(tx, creatorId);
    // The sequence first: everything read after it in this snapshot is at least that new.
    const [outbox] = await tx<{ sequence: string }[]>`
      select sequence from public.realtime_outbox where creator_id = ${creatorId}`;
    const [daily, hourly, medians, orders, inventory, alerts, alertCounts, shops, channelDays] = await readCreatorRows(tx, creatorId, now, today);

    const medianFor = (day: Date) => {
      const found = medians.find((row) => row.day.getTime() === day.getTime());
      return found?.median_seconds == null ? null : Math.round(found.median_seconds);
    };
    const dailyFor = (day: Date) => daily.find((row) => row.bucket_start.getTime() === day.getTime());
    const channelsOf = (day: Date) => channelDays.filter((row) => row.bucket_start.getTime() === day.getTime()).map(channelSales);
    const todayMetrics = dayMetrics(today, dailyFor(today), medianFor(today), channelsOf(today));
    const currency = todayMetrics.currency ?? [...daily].reverse().find((row) => row.currency)?.currency ?? orders.find((row) => row.currency)?.currency ?? shops[0]?.currency ?? null;

    return {
      creatorId,
      sequence: Number(outbox?.sequence ?? 0),
      readAt: now.toISOString(),
      currency,
      today: todayMetrics,
      yesterday: dayMetrics(yesterday, dailyFor(yesterday), medianFor(yesterday), channelsOf(yesterday)),
      pipelineBeforeToday: pipelineBefore(today, daily),
      series: { hourly: hourly.map(point), daily: daily.map(point) },
      orders: orders.map(orderRow),
      inventory: inventory.map(inventoryRow),
      alerts: alerts.map(alertRow),
      alertCounts: alertCounts[0] ?? { open: 0, warning: 0, critical: 0, emergency: 0, snoozed: 0 },
      health,
    };
  });
}
