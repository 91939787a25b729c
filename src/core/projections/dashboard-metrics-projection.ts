// The dashboard metrics projection: the pure fold of dashboard-metrics.ts kept in three
// tables. Order facts are replaced; buckets take the batch's deltas in one set-based
// upsert per table, adding them to what is there (the money rules are in the baseline
// migration 20261203001400_baseline.sql, section 6).
import type { ChannelId } from "../channels/channel-id.ts";
import type { OrderStatus } from "../orders/order.ts";
import {
  BUCKET_COUNTERS,
  CHANNEL_COUNTERS,
  foldDashboardMetrics,
  isZero,
  type BucketDelta,
  type ChannelBucketDelta,
  type DashboardMetricsWrites,
  type OrderFact,
  type OrderFacts,
} from "./dashboard-metrics.ts";
import { defineProjection, orderKeysOf, type ProjectionContext, type ProjectionTable } from "./projection.ts";
import { addingUp, rowPerEntityStorage, upsertRows } from "./read-model-storage.ts";

const hourlyTable: ProjectionTable = { name: "dashboard_metrics_hourly", key: ["creator_id", "bucket_start"] };
const dailyTable: ProjectionTable = { name: "dashboard_metrics_daily", key: ["creator_id", "bucket_start"] };
const factsTable: ProjectionTable = { name: "dashboard_order_facts", key: ["creator_id", "order_id"] };
const channelDailyTable: ProjectionTable = { name: "dashboard_metrics_channel_daily", key: ["creator_id", "bucket_start", "channel"] };

/** A bucket takes a delta: counters and histogram bins add up, the first currency stays, a second one marks it mixed. */
const addToBucket = `
  currency = coalesce(t.currency, excluded.currency),
  mixed_currency = t.mixed_currency or excluded.mixed_currency
    or (t.currency is not null and excluded.currency is not null and t.currency <> excluded.currency),
  ${addingUp(BUCKET_COUNTERS)},
  ship_hours_histogram = array(select a + b from unnest(t.ship_hours_histogram, excluded.ship_hours_histogram) as h(a, b)),
  last_event_at = greatest(t.last_event_at, excluded.last_event_at)`;

/** A channel's day takes a delta the same way (a channel sells in its shop's currency: the first one stays). */
const addToChannelBucket = `
  currency = coalesce(t.currency, excluded.currency),
  ${addingUp(CHANNEL_COUNTERS)},
  last_event_at = greatest(t.last_event_at, excluded.last_event_at)`;

/** A row of dashboard_metrics_hourly or _daily (the same columns) as postgres.js reads it: bigints arrive as text. */
export interface DashboardMetricsRow {
  creator_id: string;
  bucket_start: Date;
  currency: string | null;
  mixed_currency: boolean;
  orders_received: number;
  orders_valued: number;
  orders_pending: number;
  orders_shipped: number;
  orders_delivered: number;
  orders_cancelled: number;
  orders_refunded: number;
  gross_minor: string;
  cancelled_minor: string;
  refunded_minor: string;
  net_minor: string;
  ship_seconds_sum: string;
  ship_count: number;
  ship_hours_histogram: number[];
  last_event_at: Date | null;
}

interface OrderFactRow {
  creator_id: string;
  order_id: string;
  channel: string;
  received_at: Date;
  status: string;
  currency: string | null;
  amount_minor: string | null;
  cancelled: boolean;
  refund_minor: string;
  refunded_in_full: boolean;
  shipped_at: Date | null;
  last_version: string;
}

function factFromRow(row: OrderFactRow): OrderFact {
  return {
    creatorId: row.creator_id,
    orderId: row.order_id,
    channel: row.channel as ChannelId,
    receivedAt: row.received_at,
    status: row.status as OrderStatus,
    currency: row.currency,
    amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    cancelled: row.cancelled,
    refundMinor: Number(row.refund_minor),
    refundedInFull: row.refunded_in_full,
    shippedAt: row.shipped_at,
    lastVersion: Number(row.last_version),
  };
}

function factRow(fact: OrderFact) {
  return {
    creator_id: fact.creatorId,
    order_id: fact.orderId,
    channel: fact.channel,
    received_at: fact.receivedAt.toISOString(),
    status: fact.status,
    currency: fact.currency,
    amount_minor: fact.amountMinor,
    cancelled: fact.cancelled,
    refund_minor: fact.refundMinor,
    refunded_in_full: fact.refundedInFull,
    shipped_at: fact.shippedAt?.toISOString() ?? null,
    last_version: fact.lastVersion,
  };
}

const factStorage = rowPerEntityStorage<OrderFact, OrderFact, OrderFactRow>({ table: factsTable, keysOf: orderKeysOf, fromRow: factFromRow, toRow: factRow });

/** The columns every bucket's row has, the whole creator's and a channel's. */
function bucketColumns(delta: BucketDelta | ChannelBucketDelta) {
  const { creatorId, bucketStart, currency, counters, lastEventAt } = delta;
  return { creator_id: creatorId, bucket_start: bucketStart.toISOString(), currency, ...counters, last_event_at: lastEventAt.toISOString() };
}

const bucketRow = (delta: BucketDelta) => ({ ...bucketColumns(delta), mixed_currency: delta.mixedCurrency, ship_hours_histogram: delta.histogram });
const channelBucketRow = (delta: ChannelBucketDelta) => ({ ...bucketColumns(delta), channel: delta.channel });

async function saveMetrics(context: ProjectionContext, writes: DashboardMetricsWrites): Promise<void> {
  if (writes.facts.length === 0) return;
  await factStorage.save(context, writes.facts);
  await upsertRows(context, hourlyTable, writes.hourly.map(bucketRow), { onConflict: addToBucket });
  await upsertRows(context, dailyTable, writes.daily.map(bucketRow), { onConflict: addToBucket });
  await upsertRows(context, channelDailyTable, writes.channelDaily.map(channelBucketRow), { onConflict: addToChannelBucket });
}

export const dashboardMetricsProjection = defineProjection<OrderFacts, DashboardMetricsWrites>({
  name: "projection-dashboard-metrics",
  handles: ["order.*"],
  tables: [hourlyTable, dailyTable, factsTable, channelDailyTable],
  readModel: "metrics",
  batchSize: 1_000,
  initialState: () => new Map(),
  fold: (facts, events) => foldDashboardMetrics(facts, events),
  announce(writes, changes) {
    for (const delta of writes.daily) {
      if (!isZero(delta)) changes.metrics(delta.creatorId, delta.bucketStart.toISOString().slice(0, 10));
    }
  },
  storage: { load: factStorage.load, save: saveMetrics },
});
