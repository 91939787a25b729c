// The order summaries projection: the pure fold of order-summaries.ts kept in the
// order_summaries table, one row per creator and order.
import type { OrderItem, TiktokOrderStatus } from "../orders/events.ts";
import { initialOrderState, type OrderStatus } from "../orders/order.ts";
import { foldOrderSummaries, type ChangedSummary, type OrderSummaries, type OrderSummary } from "./order-summaries.ts";
import { defineProjection, orderKeysOf, type ProjectionTable } from "./projection.ts";
import { rowPerEntityStorage } from "./read-model-storage.ts";

const orderSummariesTable: ProjectionTable = { name: "order_summaries", key: ["creator_id", "order_id"] };

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

function summaryRow({ summary: { order, ...summary } }: ChangedSummary) {
  return {
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
    // As the ISO strings JSON would make of the dates anyway: JSON.stringify calling Date's
    // toJSON for every entry was several times the cost of the rest of the row.
    timeline: order.timeline.map(({ type, at, version }) => ({ type, at: at.toISOString(), version })),
    last_version: summary.lastVersion,
    last_event_at: summary.lastEventAt.toISOString(),
  };
}

const summaryStorage = rowPerEntityStorage<OrderSummary, ChangedSummary, OrderSummaryRow>({
  table: orderSummariesTable,
  keysOf: orderKeysOf,
  fromRow: summaryFromRow,
  toRow: summaryRow,
});

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
  storage: summaryStorage,
});
