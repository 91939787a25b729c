import { describe, expect, it } from "vitest";
import { orderContribution } from "../../../src/core/projections/dashboard-metrics.ts";
import { dayStart, hourStart } from "../../../src/core/projections/projection.ts";

const receivedAt = new Date("2026-03-02T10:05:00Z");
const fact = (overrides: Partial<Parameters<typeof orderContribution>[0]> = {}) => ({
  creatorId: "00000000-0000-0000-0000-000000000001",
  orderId: "1",
  channel: "tiktok_shop" as const,
  receivedAt,
  status: "validated" as const,
  currency: "USD",
  amountMinor: 5000,
  cancelled: false,
  refundMinor: 0,
  refundedInFull: false,
  shippedAt: null,
  lastVersion: 2,
  ...overrides,
});

describe("an order's contribution to the dashboard buckets", () => {
  it("counts an order received without an amount but no money", () => {
    const { counters, currency } = orderContribution(fact({ status: "received", amountMinor: null, currency: null }));
    expect(counters).toMatchObject({ orders_received: 1, orders_pending: 1, orders_valued: 0, gross_minor: 0, net_minor: 0 });
    expect(currency).toBeNull();
  });

  it("keeps a cancelled order in gross and out of net", () => {
    const { counters } = orderContribution(fact({ status: "cancelled", cancelled: true }));
    expect(counters).toMatchObject({ gross_minor: 5000, cancelled_minor: 5000, refunded_minor: 0, net_minor: 0, orders_cancelled: 1 });
  });

  it("subtracts partial refunds, and never more than the order's total", () => {
    expect(orderContribution(fact({ status: "refunded", refundMinor: 1200 })).counters).toMatchObject({ refunded_minor: 1200, net_minor: 3800 });
    expect(orderContribution(fact({ status: "refunded", refundMinor: 9000 })).counters).toMatchObject({ refunded_minor: 5000, net_minor: 0 });
    expect(orderContribution(fact({ status: "refunded", refundedInFull: true, cancelled: true })).counters).toMatchObject({ refunded_minor: 5000, cancelled_minor: 0, net_minor: 0 });
  });

  it("records the time to shipment in seconds and in its histogram bin", () => {
    const { counters, histogram } = orderContribution(fact({ status: "shipped", shippedAt: new Date(receivedAt.getTime() + 30 * 3_600_000) }));
    expect(counters).toMatchObject({ ship_seconds_sum: 30 * 3600, ship_count: 1, orders_shipped: 1 });
    expect(histogram).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it("buckets by UTC hour and day", () => {
    expect(hourStart(receivedAt).toISOString()).toBe("2026-03-02T10:00:00.000Z");
    expect(dayStart(receivedAt).toISOString()).toBe("2026-03-02T00:00:00.000Z");
  });
});
