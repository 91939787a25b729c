// Dashboard metrics per creator per hour and per UTC day: GMV, net revenue, orders by
// status, average order value, time to shipment. The money rules are in the baseline migration
// (20261203001400_baseline.sql, section 6): everything about an order counts in the bucket of the
// order's received time, and moves there as the order changes.
//
// How: each order's contribution to its buckets is a pure function of a small fact
// record (dashboard_order_facts). A batch loads the facts of the orders it touches,
// folds the events into them, and adds (after - before) to the buckets with one
// set-based upsert per table. Events at or below a fact's last version are skipped, so
// a replayed event never counts twice. Pure: the tables and their set-based upserts are
// declared in dashboard-metrics-projection.ts.
import type { ChannelId } from "../channels/channel-id.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { orderStatusAfter, type OrderStatus } from "../orders/order.ts";
import { foldEntities } from "./entity-fold.ts";
import { dayStart, eventsByOrder, hourStart, type Folded } from "./projection.ts";

export interface OrderFact {
  creatorId: string;
  orderId: string;
  /** Where the order was placed: TikTok Shop unless it came in as another channel's order. */
  channel: ChannelId;
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

export const BUCKET_COUNTERS = [
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
type Counter = (typeof BUCKET_COUNTERS)[number];
type Counters = Record<Counter, number>;

/** Upper bounds (hours) of the time-to-shipment histogram bins; the last bin takes the rest. */
export const SHIP_HOURS_BINS = [1, 2, 4, 8, 12, 24, 48, 72, 168] as const;
const HISTOGRAM_LENGTH = SHIP_HOURS_BINS.length + 1;

interface Contribution {
  counters: Counters;
  histogram: number[];
  currency: string | null;
}

export interface BucketDelta {
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

// A literal rather than built from BUCKET_COUNTERS: it is made for every order a batch moves, and
// `satisfies` keeps it to exactly the counters.
function emptyCounters(): Counters {
  return {
    orders_received: 0,
    orders_valued: 0,
    orders_pending: 0,
    orders_shipped: 0,
    orders_delivered: 0,
    orders_cancelled: 0,
    orders_refunded: 0,
    gross_minor: 0,
    cancelled_minor: 0,
    refunded_minor: 0,
    net_minor: 0,
    ship_seconds_sum: 0,
    ship_count: 0,
  } satisfies Counters;
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

/** An order's facts before its first event; the order's time is its receipt, or the first event seen of it. */
function newOrderFact(creatorId: string, orderId: string, firstEventAt: Date): OrderFact {
  return {
    creatorId,
    orderId,
    channel: "tiktok_shop",
    receivedAt: firstEventAt,
    status: "none",
    currency: null,
    amountMinor: null,
    cancelled: false,
    refundMinor: 0,
    refundedInFull: false,
    shippedAt: null,
    lastVersion: 0,
  };
}

/** Moves `fact` (a copy) by one event. */
function applyToOrderFact(fact: OrderFact, event: StoredEvent): void {
  fact.status = orderStatusAfter(fact.status, event.type);
  fact.lastVersion = event.version;
  switch (event.type) {
    case "order.received_from_tiktok":
      // A webhook that carries the amount makes it known now; order.validated (fetched details) wins later.
      if (fact.amountMinor === null && typeof event.data.total_minor === "number") {
        fact.amountMinor = event.data.total_minor;
        fact.currency = typeof event.data.currency === "string" ? event.data.currency : fact.currency;
      }
      break;
    case "order.received_from_channel":
      fact.channel = event.data.channel;
      fact.amountMinor = event.data.total_minor;
      fact.currency = event.data.currency;
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
}

function addContribution(deltas: Map<string, BucketDelta>, fact: OrderFact, bucketStart: Date, contribution: Contribution, sign: 1 | -1, at: Date) {
  const key = `${fact.creatorId}|${bucketStart.getTime()}`;
  let delta = deltas.get(key);
  if (!delta) {
    delta = { creatorId: fact.creatorId, bucketStart, currency: null, mixedCurrency: false, counters: emptyCounters(), histogram: new Array<number>(HISTOGRAM_LENGTH).fill(0), lastEventAt: at };
    deltas.set(key, delta);
  }
  for (const counter of BUCKET_COUNTERS) delta.counters[counter] += sign * contribution.counters[counter];
  for (let bin = 0; bin < HISTOGRAM_LENGTH; bin += 1) delta.histogram[bin] += sign * contribution.histogram[bin];
  if (sign === 1 && contribution.currency !== null) {
    if (delta.currency !== null && delta.currency !== contribution.currency) delta.mixedCurrency = true;
    delta.currency ??= contribution.currency;
  }
  if (at > delta.lastEventAt) delta.lastEventAt = at;
}

/** The figures the dashboard shows per channel and day: a channel's share of the day's bucket. */
export const CHANNEL_COUNTERS = ["orders_received", "orders_valued", "orders_cancelled", "gross_minor", "net_minor"] as const satisfies readonly Counter[];

export interface ChannelBucketDelta {
  creatorId: string;
  bucketStart: Date;
  channel: ChannelId;
  currency: string | null;
  counters: Record<(typeof CHANNEL_COUNTERS)[number], number>;
  lastEventAt: Date;
}

function addChannelContribution(deltas: Map<string, ChannelBucketDelta>, fact: OrderFact, contribution: Contribution, sign: 1 | -1, at: Date) {
  const bucketStart = dayStart(fact.receivedAt);
  const key = `${fact.creatorId}|${fact.channel}|${bucketStart.getTime()}`;
  let delta = deltas.get(key);
  if (!delta) {
    delta = { creatorId: fact.creatorId, bucketStart, channel: fact.channel, currency: null, counters: { orders_received: 0, orders_valued: 0, orders_cancelled: 0, gross_minor: 0, net_minor: 0 }, lastEventAt: at };
    deltas.set(key, delta);
  }
  for (const counter of CHANNEL_COUNTERS) delta.counters[counter] += sign * contribution.counters[counter];
  if (sign === 1) delta.currency ??= contribution.currency;
  if (at > delta.lastEventAt) delta.lastEventAt = at;
}

export function isZero(delta: BucketDelta): boolean {
  return BUCKET_COUNTERS.every((counter) => delta.counters[counter] === 0) && delta.histogram.every((count) => count === 0);
}

/** Order facts by `creator|order`: the whole read model in a spec, the orders a batch touches live. */
export type OrderFacts = ReadonlyMap<string, OrderFact>;

/** What a batch writes: the facts it moved, and what it adds to (or takes from) each bucket. */
export interface DashboardMetricsWrites {
  facts: OrderFact[];
  hourly: BucketDelta[];
  daily: BucketDelta[];
  /** The daily deltas split by the orders' channels. */
  channelDaily: ChannelBucketDelta[];
}

/**
 * The facts with the batch folded in, and the bucket deltas: each moved order's new
 * contribution minus its old one. Buckets are written even when their counts did not
 * move, so last_event_at is the latest event of the bucket's orders however the events
 * were batched (live or rebuild).
 */
export function foldDashboardMetrics(facts: OrderFacts, events: readonly StoredEvent[]): Folded<OrderFacts, DashboardMetricsWrites> {
  const { state, moves } = foldEntities(facts, eventsByOrder(events), {
    start: (order, event) => newOrderFact(order.creatorId, order.orderId, event.occurredAt),
    apply: applyToOrderFact,
    hasFolded: (fact, event) => event.version <= fact.lastVersion,
  });
  const hourly = new Map<string, BucketDelta>();
  const daily = new Map<string, BucketDelta>();
  const channelDaily = new Map<string, ChannelBucketDelta>();
  for (const { before, after, events: moved } of moves) {
    const lastAt = moved[moved.length - 1].occurredAt;
    if (before) {
      const previous = orderContribution(before);
      addContribution(hourly, before, hourStart(before.receivedAt), previous, -1, lastAt);
      addContribution(daily, before, dayStart(before.receivedAt), previous, -1, lastAt);
      addChannelContribution(channelDaily, before, previous, -1, lastAt);
    }
    const contribution = orderContribution(after);
    addContribution(hourly, after, hourStart(after.receivedAt), contribution, 1, lastAt);
    addContribution(daily, after, dayStart(after.receivedAt), contribution, 1, lastAt);
    addChannelContribution(channelDaily, after, contribution, 1, lastAt);
  }
  return { state, writes: { facts: moves.map((move) => move.after), hourly: [...hourly.values()], daily: [...daily.values()], channelDaily: [...channelDaily.values()] } };
}
