// One row per order: status, items, amounts, on-hold flag, shipping, timeline. The
// order aggregate's own evolve function does the folding, so the summary never
// disagrees with what the command side decides on.
import type { StoredEvent } from "../event-store/index.ts";
import type { OrderItem, TiktokOrderStatus } from "../orders/events.ts";
import { evolveOrder, initialOrderState, type OrderState, type OrderStatus } from "../orders/order.ts";
import type { RealtimeChanges } from "../realtime/realtime-changes.ts";
import { webhookDeliveryKeyOf } from "../webhooks/webhook-delivery.ts";
import { eventsByOrder, tableIn, type Projection, type ProjectionContext } from "./projection.ts";

interface OrderSummary {
  creatorId: string;
  orderId: string;
  aggregateId: string;
  order: OrderState;
  refundedMinor: number;
  cancelledAt: Date | null;
  lastVersion: number;
  lastEventAt: Date;
}

interface OrderSummaryRow {
  creator_id: string;
  order_id: string;
  aggregate_id: string;
  shop_id: string | null;
  status: string;
  tiktok_status: string | null;
  on_hold: boolean;
  items: OrderItem[];
  total_minor: string | null;
  currency: string | null;
  paid_minor: string;
  refunded_minor: string;
  carrier: string | null;
  tracking_number: string | null;
  received_at: Date | null;
  shipped_at: Date | null;
  cancelled_at: Date | null;
  timeline: { type: string; at: string; version: number }[];
  last_version: string;
  last_event_at: Date;
}

function summaryFromRow(row: OrderSummaryRow): OrderSummary {
  return {
    creatorId: row.creator_id,
    orderId: row.order_id,
    aggregateId: row.aggregate_id,
    order: {
      ...initialOrderState(),
      status: row.status as OrderStatus,
      orderId: row.order_id,
      shopId: row.shop_id,
      items: row.items,
      totalMinor: row.total_minor === null ? null : Number(row.total_minor),
      currency: row.currency,
      onHold: row.on_hold,
      tiktokStatus: row.tiktok_status as TiktokOrderStatus | null,
      paid: Number(row.paid_minor) > 0,
      paidMinor: Number(row.paid_minor),
      shipping: { carrier: row.carrier, trackingNumber: row.tracking_number },
      receivedAt: row.received_at,
      shippedAt: row.shipped_at,
      timeline: row.timeline.map((entry) => ({ type: entry.type, at: new Date(entry.at), version: entry.version })),
    },
    refundedMinor: Number(row.refunded_minor),
    cancelledAt: row.cancelled_at,
    lastVersion: Number(row.last_version),
    lastEventAt: row.last_event_at,
  };
}

function foldSummary(existing: OrderSummary | undefined, event: StoredEvent, orderId: string): OrderSummary {
  const summary: OrderSummary = existing
    ? { ...existing }
    : {
        creatorId: event.creatorId,
        orderId,
        aggregateId: event.aggregateId,
        order: { ...initialOrderState(), orderId },
        refundedMinor: 0,
        cancelledAt: null,
        lastVersion: 0,
        lastEventAt: event.occurredAt,
      };
  summary.order = evolveOrder(summary.order, event);
  if (event.type === "order.refunded") {
    const amount = event.data.amount_minor;
    summary.refundedMinor = typeof amount === "number" ? summary.refundedMinor + amount : (summary.order.totalMinor ?? summary.refundedMinor);
  }
  if (event.type === "order.cancelled") summary.cancelledAt ??= event.occurredAt;
  summary.lastVersion = event.version;
  summary.lastEventAt = event.occurredAt;
  return summary;
}

async function loadSummaries(context: ProjectionContext, keys: { creator_id: string; order_id: string }[]): Promise<Map<string, OrderSummary>> {
  const { sql } = context;
  const rows = await sql<OrderSummaryRow[]>`
    select s.* from ${tableIn(context, "order_summaries")} s
      join jsonb_to_recordset(${sql.json(keys as never)}) as k(creator_id uuid, order_id text)
        on s.creator_id = k.creator_id and s.order_id = k.order_id`;
  return new Map(rows.map((row) => [`${row.creator_id}|${row.order_id}`, summaryFromRow(row)]));
}

async function saveSummaries(context: ProjectionContext, summaries: OrderSummary[]): Promise<void> {
  const { sql } = context;
  const rows = summaries.map(({ order, ...summary }) => ({
    creator_id: summary.creatorId,
    order_id: summary.orderId,
    aggregate_id: summary.aggregateId,
    shop_id: order.shopId,
    status: order.status,
    tiktok_status: order.tiktokStatus,
    on_hold: order.onHold,
    items: order.items,
    item_count: order.items.reduce((sum, item) => sum + item.quantity, 0),
    total_minor: order.totalMinor,
    currency: order.currency,
    paid_minor: order.paidMinor,
    refunded_minor: summary.refundedMinor,
    carrier: order.shipping.carrier,
    tracking_number: order.shipping.trackingNumber,
    received_at: order.receivedAt?.toISOString() ?? null,
    shipped_at: order.shippedAt?.toISOString() ?? null,
    cancelled_at: summary.cancelledAt?.toISOString() ?? null,
    timeline: order.timeline,
    last_version: summary.lastVersion,
    last_event_at: summary.lastEventAt.toISOString(),
  }));
  await sql`
    insert into ${tableIn(context, "order_summaries")} (
      creator_id, order_id, aggregate_id, shop_id, status, tiktok_status, on_hold, items, item_count, total_minor, currency,
      paid_minor, refunded_minor, carrier, tracking_number, received_at, shipped_at, cancelled_at, timeline, last_version, last_event_at)
    select * from jsonb_to_recordset(${sql.json(rows as never)}) as r(
      creator_id uuid, order_id text, aggregate_id text, shop_id text, status text, tiktok_status text, on_hold boolean,
      items jsonb, item_count integer, total_minor bigint, currency text, paid_minor bigint, refunded_minor bigint,
      carrier text, tracking_number text, received_at timestamptz, shipped_at timestamptz, cancelled_at timestamptz,
      timeline jsonb, last_version bigint, last_event_at timestamptz)
     order by creator_id, order_id
    on conflict (creator_id, order_id) do update set
      shop_id = excluded.shop_id, status = excluded.status, tiktok_status = excluded.tiktok_status, on_hold = excluded.on_hold,
      items = excluded.items, item_count = excluded.item_count, total_minor = excluded.total_minor, currency = excluded.currency,
      paid_minor = excluded.paid_minor, refunded_minor = excluded.refunded_minor, carrier = excluded.carrier,
      tracking_number = excluded.tracking_number, received_at = excluded.received_at, shipped_at = excluded.shipped_at,
      cancelled_at = excluded.cancelled_at, timeline = excluded.timeline, last_version = excluded.last_version,
      last_event_at = excluded.last_event_at`;
}

export const orderSummariesProjection: Projection = {
  name: "projection-order-summaries",
  handles: ["order.*"],
  tables: [{ name: "order_summaries", key: ["creator_id", "order_id"] }],
  readModel: "orders",
  batchSize: 1_000,
  async apply(events, context, changes: RealtimeChanges) {
    const byOrder = eventsByOrder(events);
    if (byOrder.size === 0) return;
    const keys = [...byOrder.values()].map((entry) => ({ creator_id: entry.creatorId, order_id: entry.orderId }));
    const existing = await loadSummaries(context, keys);
    const changed: OrderSummary[] = [];
    for (const [key, entry] of byOrder) {
      let summary = existing.get(key);
      let moved = false;
      // The first TikTok webhook among the events that move the order: how long the dashboard took to show it.
      let webhookDelivery: string | null = null;
      for (const event of entry.events) {
        if (summary && event.version <= summary.lastVersion) continue;
        summary = foldSummary(summary, event, entry.orderId);
        moved = true;
        webhookDelivery ??= webhookDeliveryKeyOf(event.metadata);
      }
      if (summary && moved) {
        changed.push(summary);
        changes.order(summary.creatorId, summary.orderId, webhookDelivery);
      }
    }
    if (changed.length) await saveSummaries(context, changed);
  },
};
