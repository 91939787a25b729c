// Dashboard metrics per creator per hour and per UTC day: GMV, net revenue, orders by
// status, average order value, time to shipment. The money rules are in the migration
// (20261122000500_read_models.sql): everything about an order counts in the bucket of the
// order's received time, and moves there as the order changes.
//
// How: each order's contribution to its buckets is a pure function of a small fact
// record (dashboard_order_facts). A batch loads the facts of the orders it touches,
// folds the events into them, and adds (after - before) to the buckets with one
// set-based upsert per table. Events at or below a fact's last version are skipped, so
// a replayed event never counts twice.
import type { StoredEvent } from "../event-store/index.ts";
import { evolveOrder, initialOrderState, type OrderStatus } from "../orders/order.ts";
import type { RealtimeChanges } from "../realtime/realtime-changes.ts";
import { dayStart, eventsByOrder, hourStart, tableIn, type Projection, type ProjectionContext } from "./projection.ts";

interface OrderFact {
  creatorId: string;
  orderId: string;
  receivedAt: Date;
  status: OrderStatus;
  currency: string | null;
  amountMinor: number | null;
  cancelled: boolean;
  refundMinor: number;
  refundedInFull: boolean;
  shippedAt: Date | null;
  lastVersion: number;
}

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

const COUNTERS = [
  "orders_received",
  "orders_valued",
  "orders_pending",
  "orders_shipped",
  "orders_delivered",
  "orders_cancelled",
  "orders_refunded",
  "gross_minor",
  "cancelled_minor",
  "refunded_minor",
  "net_minor",
  "ship_seconds_sum",
  "ship_count",
] as const;
type Counter = (typeof COUNTERS)[number];
type Counters = Record<Counter, number>;

/** Upper bounds (hours) of the time-to-shipment histogram bins; the last bin takes the rest. */
export const SHIP_HOURS_BINS = [1, 2, 4, 8, 12, 24, 48, 72, 168] as const;
const HISTOGRAM_LENGTH = SHIP_HOURS_BINS.length + 1;

interface Contribution {
  counters: Counters;
  histogram: number[];
  currency: string | null;
}

interface BucketDelta {
  creatorId: string;
  bucketStart: Date;
  currency: string | null;
  mixedCurrency: boolean;
  counters: Counters;
  histogram: number[];
  lastEventAt: Date;
}

function statusCounter(status: OrderStatus): Counter {
  switch (status) {
    case "shipped":
      return "orders_shipped";
    case "delivered":
    case "completed":
      return "orders_delivered";
    case "cancelled":
      return "orders_cancelled";
    case "refunded":
      return "orders_refunded";
    default:
      return "orders_pending";
  }
}

function emptyCounters(): Counters {
  return Object.fromEntries(COUNTERS.map((counter) => [counter, 0])) as Counters;
}

function shipHoursBin(seconds: number): number {
  const hours = seconds / 3600;
  const bin = SHIP_HOURS_BINS.findIndex((bound) => hours < bound);
  return bin === -1 ? SHIP_HOURS_BINS.length : bin;
}

/** What one order adds to the buckets of its received time. */
export function orderContribution(fact: OrderFact): Contribution {
  const counters = emptyCounters();
  const histogram = new Array<number>(HISTOGRAM_LENGTH).fill(0);
  counters.orders_received = 1;
  counters[statusCounter(fact.status)] = 1;
  if (fact.amountMinor !== null) {
    const gross = fact.amountMinor;
    const refunded = Math.min(gross, fact.refundedInFull ? gross : fact.refundMinor);
    const cancelled = fact.cancelled ? gross - refunded : 0;
    counters.orders_valued = 1;
    counters.gross_minor = gross;
    counters.refunded_minor = refunded;
    counters.cancelled_minor = cancelled;
    counters.net_minor = gross - refunded - cancelled;
  }
  if (fact.shippedAt) {
    const seconds = Math.max(0, Math.round((fact.shippedAt.getTime() - fact.receivedAt.getTime()) / 1000));
    counters.ship_seconds_sum = seconds;
    counters.ship_count = 1;
    histogram[shipHoursBin(seconds)] = 1;
  }
  return { counters, histogram, currency: fact.amountMinor !== null ? fact.currency : null };
}

const baseOrderState = initialOrderState();

function foldOrderFact(existing: OrderFact | undefined, event: StoredEvent, orderId: string): OrderFact {
  const fact: OrderFact = existing
    ? { ...existing }
    : {
        creatorId: event.creatorId,
        orderId,
        // The order's time: its receipt, or the first event seen of it.
        receivedAt: event.occurredAt,
        status: "none",
        currency: null,
        amountMinor: null,
        cancelled: false,
        refundMinor: 0,
        refundedInFull: false,
        shippedAt: null,
        lastVersion: 0,
      };
  fact.status = evolveOrder({ ...baseOrderState, status: fact.status }, event).status;
  fact.lastVersion = event.version;
  switch (event.type) {
    case "order.received_from_tiktok":
      // A webhook that carries the amount makes it known now; order.validated (fetched details) wins later.
      if (fact.amountMinor === null && typeof event.data.total_minor === "number") {
        fact.amountMinor = event.data.total_minor;
        fact.currency = typeof event.data.currency === "string" ? event.data.currency : fact.currency;
      }
      break;
    case "order.validated":
      fact.amountMinor = event.data.total_minor;
      fact.currency = event.data.currency;
      break;
    case "order.cancelled":
      fact.cancelled = true;
      break;
    case "order.refunded":
      if (typeof event.data.amount_minor === "number") fact.refundMinor += event.data.amount_minor;
      else fact.refundedInFull = true;
      break;
    case "order.shipped":
      fact.shippedAt ??= event.occurredAt;
      break;
  }
  return fact;
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

function addContribution(deltas: Map<string, BucketDelta>, fact: OrderFact, bucketStart: Date, contribution: Contribution, sign: 1 | -1, at: Date) {
  const key = `${fact.creatorId}|${bucketStart.getTime()}`;
  let delta = deltas.get(key);
  if (!delta) {
    delta = { creatorId: fact.creatorId, bucketStart, currency: null, mixedCurrency: false, counters: emptyCounters(), histogram: new Array<number>(HISTOGRAM_LENGTH).fill(0), lastEventAt: at };
    deltas.set(key, delta);
  }
  for (const counter of COUNTERS) delta.counters[counter] += sign * contribution.counters[counter];
  for (let bin = 0; bin < HISTOGRAM_LENGTH; bin += 1) delta.histogram[bin] += sign * contribution.histogram[bin];
  if (sign === 1 && contribution.currency !== null) {
    if (delta.currency !== null && delta.currency !== contribution.currency) delta.mixedCurrency = true;
    delta.currency ??= contribution.currency;
  }
  if (at > delta.lastEventAt) delta.lastEventAt = at;
}

function isZero(delta: BucketDelta): boolean {
  return COUNTERS.every((counter) => delta.counters[counter] === 0) && delta.histogram.every((count) => count === 0);
}

async function upsertBuckets(context: ProjectionContext, table: string, deltas: BucketDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const { sql } = context;
  const rows = deltas.map((delta) => ({
    creator_id: delta.creatorId,
    bucket_start: delta.bucketStart.toISOString(),
    currency: delta.currency,
    mixed_currency: delta.mixedCurrency,
    ...delta.counters,
    ship_hours_histogram: delta.histogram,
    last_event_at: delta.lastEventAt.toISOString(),
  }));
  await sql`
    insert into ${tableIn(context, table)} as t (
      creator_id, bucket_start, currency, mixed_currency,
      orders_received, orders_valued, orders_pending, orders_shipped, orders_delivered, orders_cancelled, orders_refunded,
      gross_minor, cancelled_minor, refunded_minor, net_minor, ship_seconds_sum, ship_count, ship_hours_histogram, last_event_at)
    select creator_id, bucket_start, currency, mixed_currency,
           orders_received, orders_valued, orders_pending, orders_shipped, orders_delivered, orders_cancelled, orders_refunded,
           gross_minor, cancelled_minor, refunded_minor, net_minor, ship_seconds_sum, ship_count, ship_hours_histogram, last_event_at
      from jsonb_to_recordset(${sql.json(rows as never)}) as r(
        creator_id uuid, bucket_start timestamptz, currency text, mixed_currency boolean,
        orders_received integer, orders_valued integer, orders_pending integer, orders_shipped integer, orders_delivered integer,
        orders_cancelled integer, orders_refunded integer, gross_minor bigint, cancelled_minor bigint, refunded_minor bigint,
        net_minor bigint, ship_seconds_sum bigint, ship_count integer, ship_hours_histogram integer[], last_event_at timestamptz)
     order by creator_id, bucket_start
    on conflict (creator_id, bucket_start) do update set
      currency = coalesce(t.currency, excluded.currency),
      mixed_currency = t.mixed_currency or excluded.mixed_currency
        or (t.currency is not null and excluded.currency is not null and t.currency <> excluded.currency),
      orders_received = t.orders_received + excluded.orders_received,
      orders_valued = t.orders_valued + excluded.orders_valued,
      orders_pending = t.orders_pending + excluded.orders_pending,
      orders_shipped = t.orders_shipped + excluded.orders_shipped,
      orders_delivered = t.orders_delivered + excluded.orders_delivered,
      orders_cancelled = t.orders_cancelled + excluded.orders_cancelled,
      orders_refunded = t.orders_refunded + excluded.orders_refunded,
      gross_minor = t.gross_minor + excluded.gross_minor,
      cancelled_minor = t.cancelled_minor + excluded.cancelled_minor,
      refunded_minor = t.refunded_minor + excluded.refunded_minor,
      net_minor = t.net_minor + excluded.net_minor,
      ship_seconds_sum = t.ship_seconds_sum + excluded.ship_seconds_sum,
      ship_count = t.ship_count + excluded.ship_count,
      ship_hours_histogram = array(select a + b from unnest(t.ship_hours_histogram, excluded.ship_hours_histogram) as h(a, b)),
      last_event_at = greatest(t.last_event_at, excluded.last_event_at)`;
}

async function loadFacts(context: ProjectionContext, keys: { creator_id: string; order_id: string }[]): Promise<Map<string, OrderFact>> {
  const { sql } = context;
  const rows = await sql<OrderFactRow[]>`
    select f.* from ${tableIn(context, "dashboard_order_facts")} f
      join jsonb_to_recordset(${sql.json(keys as never)}) as k(creator_id uuid, order_id text)
        on f.creator_id = k.creator_id and f.order_id = k.order_id`;
  return new Map(rows.map((row) => [`${row.creator_id}|${row.order_id}`, factFromRow(row)]));
}

async function saveFacts(context: ProjectionContext, facts: OrderFact[]): Promise<void> {
  const { sql } = context;
  const rows = facts.map((fact) => ({
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
  await sql`
    insert into ${tableIn(context, "dashboard_order_facts")}
           (creator_id, order_id, received_at, status, currency, amount_minor, cancelled, refund_minor, refunded_in_full, shipped_at, last_version)
    select * from jsonb_to_recordset(${sql.json(rows as never)}) as r(
             creator_id uuid, order_id text, received_at timestamptz, status text, currency text, amount_minor bigint,
             cancelled boolean, refund_minor bigint, refunded_in_full boolean, shipped_at timestamptz, last_version bigint)
     order by creator_id, order_id
    on conflict (creator_id, order_id) do update set
      received_at = excluded.received_at, status = excluded.status, currency = excluded.currency,
      amount_minor = excluded.amount_minor, cancelled = excluded.cancelled, refund_minor = excluded.refund_minor,
      refunded_in_full = excluded.refunded_in_full, shipped_at = excluded.shipped_at, last_version = excluded.last_version`;
}

export const dashboardMetricsProjection: Projection = {
  name: "projection-dashboard-metrics",
  handles: ["order.*"],
  tables: [
    { name: "dashboard_metrics_hourly", key: ["creator_id", "bucket_start"] },
    { name: "dashboard_metrics_daily", key: ["creator_id", "bucket_start"] },
    { name: "dashboard_order_facts", key: ["creator_id", "order_id"] },
  ],
  readModel: "metrics",
  batchSize: 1_000,
  async apply(events, context, changes: RealtimeChanges) {
    const byOrder = eventsByOrder(events);
    if (byOrder.size === 0) return;

    const keys = [...byOrder.values()].map((entry) => ({ creator_id: entry.creatorId, order_id: entry.orderId }));
    const existing = await loadFacts(context, keys);

    const hourly = new Map<string, BucketDelta>();
    const daily = new Map<string, BucketDelta>();
    const changed: OrderFact[] = [];
    for (const [key, entry] of byOrder) {
      const before = existing.get(key);
      let after = before;
      let lastAt: Date | null = null;
      for (const event of entry.events) {
        if (after && event.version <= after.lastVersion) continue;
        after = foldOrderFact(after, event, entry.orderId);
        lastAt = event.occurredAt;
      }
      if (!after || after === before || lastAt === null) continue;
      changed.push(after);
      if (before) {
        const previous = orderContribution(before);
        addContribution(hourly, before, hourStart(before.receivedAt), previous, -1, lastAt);
        addContribution(daily, before, dayStart(before.receivedAt), previous, -1, lastAt);
      }
      const next = orderContribution(after);
      addContribution(hourly, after, hourStart(after.receivedAt), next, 1, lastAt);
      addContribution(daily, after, dayStart(after.receivedAt), next, 1, lastAt);
    }
    if (changed.length === 0) return;

    // Buckets are written even when their counts did not move, so last_event_at is the
    // latest event of the bucket's orders however the events were batched (live or rebuild).
    await saveFacts(context, changed);
    await upsertBuckets(context, "dashboard_metrics_hourly", [...hourly.values()]);
    await upsertBuckets(context, "dashboard_metrics_daily", [...daily.values()]);
    for (const delta of daily.values()) {
      if (!isZero(delta)) changes.metrics(delta.creatorId, delta.bucketStart.toISOString().slice(0, 10));
    }
  },
};
