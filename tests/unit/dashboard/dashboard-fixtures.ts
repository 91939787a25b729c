// Snapshots as GET /api/dashboard answers them, for the component specifications.
import type { DashboardSnapshot, DayMetrics, InventoryRow } from "../../../src/lib/dashboard/dashboard-types.ts";
import { emptyDayMetrics } from "../../../src/lib/dashboard/dashboard-types.ts";
import type { RealtimeDelta } from "../../../src/lib/dashboard/realtime-delta.ts";

export const CREATOR_ID = "00000000-0000-4000-8000-000000000001";
export const TODAY = new Date().toISOString().slice(0, 10);

export function day(overrides: Partial<DayMetrics> = {}, date = TODAY): DayMetrics {
  return { ...emptyDayMetrics(date), currency: "USD", ...overrides };
}

export function sku(overrides: Partial<InventoryRow> & { skuId: string }): InventoryRow {
  return {
    productId: null,
    available: 50,
    reserved: 0,
    total: 50,
    reorderPoint: 10,
    velocityPerHour: 0,
    hoursToStockout: null,
    severity: null,
    hasOpenConflict: false,
    channelAvailable: {},
    version: 1,
    ...overrides,
  };
}

export function snapshot(overrides: Partial<DashboardSnapshot> = {}): DashboardSnapshot {
  return {
    creatorId: CREATOR_ID,
    sequence: 5,
    readAt: new Date().toISOString(),
    currency: "USD",
    today: day({ ordersReceived: 2, ordersValued: 2, grossMinor: 5000, netMinor: 5000, averageOrderMinor: 2500, ordersPending: 2 }),
    yesterday: day({}, "2000-01-01"),
    pipelineBeforeToday: { received: 0, pending: 0, shipped: 0, delivered: 0, cancelled: 0, refunded: 0 },
    series: { hourly: [], daily: [] },
    orders: [
      { orderId: "100000000000000001", status: "received", tiktokStatus: "AWAITING_SHIPMENT", onHold: false, totalMinor: 2500, currency: "USD", receivedAt: new Date(Date.now() - 60_000).toISOString(), shippedAt: null },
    ],
    inventory: [sku({ skuId: "1001", available: 40, reserved: 2, total: 42, version: 3 })],
    alerts: [],
    alertCounts: { open: 0, warning: 0, critical: 0, emergency: 0 },
    health: { status: "ok", projectionLagEvents: 0, deadLetters: 0, lastProjectedAt: null },
    ...overrides,
  };
}

export function orderDelta(seq: number, orderId: string, ordersReceived: number): RealtimeDelta {
  return {
    seq,
    sentAt: new Date().toISOString(),
    changed: ["metrics", "orders"],
    refetch: false,
    metrics: {
      day: TODAY,
      currency: "USD",
      grossMinor: 5000,
      netMinor: 5000,
      cancelledMinor: 0,
      refundedMinor: 0,
      ordersReceived: ordersReceived,
      ordersValued: 2,
      averageOrderMinor: 2500,
      ordersPending: ordersReceived,
      ordersShipped: 0,
      ordersDelivered: 0,
      ordersCancelled: 0,
      ordersRefunded: 0,
      shipSecondsAvg: null,
      changedDays: [TODAY],
    },
    orders: [{ orderId: orderId, status: "received", tiktokStatus: "AWAITING_SHIPMENT", onHold: false, totalMinor: null, currency: null, receivedAt: new Date().toISOString(), shippedAt: null }],
  };
}
