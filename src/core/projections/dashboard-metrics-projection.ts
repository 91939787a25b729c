// The dashboard metrics projection: the pure fold of dashboard-metrics.ts kept in three
// tables. Order facts are replaced; buckets take the batch's deltas in one set-based
// upsert per table, adding them to what is there (the money rules are in the migration
// 20261122000500_read_models.sql).
import type { StoredEvent } from "../event-store/index.ts";
import type { OrderStatus } from "../orders/order.ts";
import { BUCKET_COUNTERS, foldDashboardMetrics, isZero, type BucketDelta, type DashboardMetricsWrites, type OrderFact, type OrderFacts } from "./dashboard-metrics.ts";
import { defineProjection, eventsByOrder, type ProjectionContext, type ProjectionTable } from "./projection.ts";
import { addingUp, selectRowsMatching, upsertRows } from "./read-model-storage.ts";

const bucketColumns = {
  creator_id: "uuid",
  bucket_start: "timestamptz",
  currency: "text",
  mixed_currency: "boolean",
  orders_received: "integer",
  orders_valued: "integer",
  orders_pending: "integer",
  orders_shipped: "integer",
  orders_delivered: "integer",
  orders_cancelled: "integer",
  orders_refunded: "integer",
  gross_minor: "bigint",
  cancelled_minor: "bigint",
  refunded_minor: "bigint",
  net_minor: "bigint",
  ship_seconds_sum: "bigint",
  ship_count: "integer",
  ship_hours_histogram: "integer[]",
  last_event_at: "timestamptz",
};

const hourlyTable: ProjectionTable = { name: "dashboard_metrics_hourly", key: ["creator_id", "bucket_start"], columns: bucketColumns };
const dailyTable: ProjectionTable = { name: "dashboard_metrics_daily", key: ["creator_id", "bucket_start"], columns: bucketColumns };
const factsTable: ProjectionTable = {
  name: "dashboard_order_facts",
  key: ["creator_id", "order_id"],
  columns: {
    creator_id: "uuid",
    order_id: "text",
    received_at: "timestamptz",
    status: "text",
    currency: "text",
    amount_minor: "bigint",
    cancelled: "boolean",
    refund_minor: "bigint",
    refunded_in_full: "boolean",
    shipped_at: "timestamptz",
    last_version: "bigint",
  },
};

/** A bucket takes a delta: counters and histogram bins add up, the first currency stays, a second one marks it mixed. */
const addToBucket = `
  currency = coalesce(t.currency, excluded.currency),
  mixed_currency = t.mixed_currency or excluded.mixed_currency
    or (t.currency is not null and excluded.currency is not null and t.currency <> excluded.currency),
  ${addingUp(BUCKET_COUNTERS)},
  ship_hours_histogram = array(select a + b from unnest(t.ship_hours_histogram, excluded.ship_hours_histogram) as h(a, b)),
  last_event_at = greatest(t.last_event_at, excluded.last_event_at)`;

interface OrderFactRow {
  creator_id: string;
  order_id: string;
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

async function loadFacts(context: ProjectionContext, events: readonly StoredEvent[]): Promise<Map<string, OrderFact>> {
  const keys = [...eventsByOrder(events).values()].map((entry) => ({ creator_id: entry.creatorId, order_id: entry.orderId }));
  const rows = await selectRowsMatching<OrderFactRow>(context, factsTable, keys);
  return new Map(rows.map((row) => [`${row.creator_id}|${row.order_id}`, factFromRow(row)]));
}

function bucketRow(delta: BucketDelta) {
  return {
    creator_id: delta.creatorId,
    bucket_start: delta.bucketStart.toISOString(),
    currency: delta.currency,
    mixed_currency: delta.mixedCurrency,
    ...delta.counters,
    ship_hours_histogram: delta.histogram,
    last_event_at: delta.lastEventAt.toISOString(),
  };
}

async function saveMetrics(context: ProjectionContext, writes: DashboardMetricsWrites): Promise<void> {
  if (writes.facts.length === 0) return;
  const facts = writes.facts.map((fact) => ({
    creator_id: fact.creatorId,
    order_id: fact.orderId,
    received_at: fact.receivedAt.toISOString(),
    status: fact.status,
    currency: fact.currency,
    amount_minor: fact.amountMinor,
    cancelled: fact.cancelled,
    refund_minor: fact.refundMinor,
    refunded_in_full: fact.refundedInFull,
    shipped_at: fact.shippedAt?.toISOString() ?? null,
    last_version: fact.lastVersion,
  }));
  await upsertRows(context, factsTable, facts);
  await upsertRows(context, hourlyTable, writes.hourly.map(bucketRow), { onConflict: addToBucket });
  await upsertRows(context, dailyTable, writes.daily.map(bucketRow), { onConflict: addToBucket });
}

export const dashboardMetricsProjection = defineProjection<OrderFacts, DashboardMetricsWrites>({
  name: "projection-dashboard-metrics",
  handles: ["order.*"],
  tables: [hourlyTable, dailyTable, factsTable],
  readModel: "metrics",
  batchSize: 1_000,
  initialState: () => new Map(),
  fold: (facts, events) => foldDashboardMetrics(facts, events),
  announce(writes, changes) {
    for (const delta of writes.daily) {
      if (!isZero(delta)) changes.metrics(delta.creatorId, delta.bucketStart.toISOString().slice(0, 10));
    }
  },
  storage: { load: loadFacts, save: saveMetrics },
});
