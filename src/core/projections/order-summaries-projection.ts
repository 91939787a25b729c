// The order summaries projection: the pure fold of order-summaries.ts kept in the
// order_summaries table, one row per creator and order.
import type { StoredEvent } from "../event-store/index.ts";
import type { OrderItem, TiktokOrderStatus } from "../orders/events.ts";
import { initialOrderState, type OrderStatus } from "../orders/order.ts";
import { foldOrderSummaries, type ChangedSummary, type OrderSummaries, type OrderSummary } from "./order-summaries.ts";
import { defineProjection, eventsByOrder, type ProjectionContext, type ProjectionTable } from "./projection.ts";
import { selectRowsMatching, upsertRows } from "./read-model-storage.ts";

const orderSummariesTable: ProjectionTable = {
  name: "order_summaries",
  key: ["creator_id", "order_id"],
  columns: {
    creator_id: "uuid",
    order_id: "text",
    aggregate_id: "text",
    shop_id: "text",
    status: "text",
    tiktok_status: "text",
    on_hold: "boolean",
    items: "jsonb",
    item_count: "integer",
    total_minor: "bigint",
    currency: "text",
    paid_minor: "bigint",
    refunded_minor: "bigint",
    carrier: "text",
    tracking_number: "text",
    received_at: "timestamptz",
    shipped_at: "timestamptz",
    cancelled_at: "timestamptz",
    timeline: "jsonb",
    last_version: "bigint",
    last_event_at: "timestamptz",
  },
};

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

async function loadSummaries(context: ProjectionContext, events: readonly StoredEvent[]): Promise<Map<string, OrderSummary>> {
  const keys = [...eventsByOrder(events).values()].map((entry) => ({ creator_id: entry.creatorId, order_id: entry.orderId }));
  const rows = await selectRowsMatching<OrderSummaryRow>(context, orderSummariesTable, keys);
  return new Map(rows.map((row) => [`${row.creator_id}|${row.order_id}`, summaryFromRow(row)]));
}

async function saveSummaries(context: ProjectionContext, changed: ChangedSummary[]): Promise<void> {
  const rows = changed.map(({ summary: { order, ...summary } }) => ({
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
  await upsertRows(context, orderSummariesTable, rows);
}

export const orderSummariesProjection = defineProjection<OrderSummaries, ChangedSummary[]>({
  name: "projection-order-summaries",
  handles: ["order.*"],
  tables: [orderSummariesTable],
  readModel: "orders",
  batchSize: 1_000,
  initialState: () => new Map(),
  fold: (summaries, events) => foldOrderSummaries(summaries, events),
  announce(changed, changes) {
    for (const { summary, webhookDelivery } of changed) changes.order(summary.creatorId, summary.orderId, webhookDelivery);
  },
  storage: { load: loadSummaries, save: saveSummaries },
});
