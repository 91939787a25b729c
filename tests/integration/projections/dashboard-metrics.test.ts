import { beforeAll, describe, expect, it } from "vitest";
import { dashboardMetricsProjection, projectionConsumer, type DashboardMetricsRow } from "../../../src/core/projections/index.ts";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { replayEvents } from "../../../src/core/replay/replay.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { at, cancelled, received, refunded, shipped, uniqueId, validated } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "dashboard");

async function metrics(table: "dashboard_metrics_hourly" | "dashboard_metrics_daily", creatorId: string) {
  return sql<DashboardMetricsRow[]>`select * from ${models.table(table)} where creator_id = ${creatorId} order by bucket_start`;
}

/** Appends one order's events to its stream and projects them. */
async function projectOrder(creatorId: string, orderId: string, events: NewEvent[]): Promise<void> {
  await models.append(creatorId, `order-${orderId}`, events);
  await models.project([dashboardMetricsProjection]);
}

describe("dashboard metrics projection", () => {
  beforeAll(() => models.startAtEndOfStream([dashboardMetricsProjection]));

  it("counts gross when the amount becomes known and nets out cancellations and refunds in the order's received bucket", async () => {
    const creatorId = newCreatorId();
    const [shippedOrder, cancelledOrder, partlyRefunded, fullyRefunded] = [uniqueId("a"), uniqueId("b"), uniqueId("c"), uniqueId("d")];
    await models.append(creatorId, `order-${shippedOrder}`, [received(shippedOrder, at("2026-03-02T10:05:00Z"))]);
    await models.append(creatorId, `order-${cancelledOrder}`, [received(cancelledOrder, at("2026-03-02T10:20:00Z"))]);
    await models.project([dashboardMetricsProjection]);

    const [beforeAmounts] = await metrics("dashboard_metrics_hourly", creatorId);
    expect(beforeAmounts).toMatchObject({ orders_received: 2, orders_valued: 0, orders_pending: 2, gross_minor: "0", net_minor: "0", currency: null });

    await models.append(creatorId, `order-${shippedOrder}`, [validated(shippedOrder, at("2026-03-02T10:06:00Z"), 5000), shipped(shippedOrder, at("2026-03-02T12:05:00Z"))]);
    await models.append(creatorId, `order-${cancelledOrder}`, [validated(cancelledOrder, at("2026-03-02T10:21:00Z"), 3000), cancelled(cancelledOrder, at("2026-03-02T11:00:00Z"))]);
    // A webhook that already carries the amount; refunded in part the next day.
    await models.append(creatorId, `order-${partlyRefunded}`, [received(partlyRefunded, at("2026-03-02T10:30:00Z"), { total_minor: 2000 })]);
    await models.append(creatorId, `order-${partlyRefunded}`, [refunded(partlyRefunded, at("2026-03-03T09:00:00Z"), 500)]);
    await models.append(creatorId, `order-${fullyRefunded}`, [
      received(fullyRefunded, at("2026-03-02T10:40:00Z")),
      validated(fullyRefunded, at("2026-03-02T10:41:00Z"), 1000),
      refunded(fullyRefunded, at("2026-03-02T15:00:00Z")),
    ]);
    await models.project([dashboardMetricsProjection]);

    const hourly = await metrics("dashboard_metrics_hourly", creatorId);
    expect(hourly).toHaveLength(1);
    expect(hourly[0]).toMatchObject({
      bucket_start: at("2026-03-02T10:00:00Z"),
      currency: "USD",
      orders_received: 4,
      orders_valued: 4,
      orders_pending: 0,
      orders_shipped: 1,
      orders_cancelled: 1,
      orders_refunded: 2,
      gross_minor: "11000",
      cancelled_minor: "3000",
      refunded_minor: "1500",
      net_minor: "6500",
      ship_seconds_sum: "7200",
      ship_count: 1,
      ship_hours_histogram: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    });
    const daily = await metrics("dashboard_metrics_daily", creatorId);
    expect(daily).toHaveLength(1);
    expect(daily[0]).toMatchObject({ bucket_start: at("2026-03-02T00:00:00Z"), gross_minor: "11000", net_minor: "6500", orders_received: 4 });
  });

  it("never counts a cancelled order that is also refunded twice", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("e");
    await projectOrder(creatorId, orderId, [
      received(orderId, at("2026-03-04T08:00:00Z")),
      validated(orderId, at("2026-03-04T08:01:00Z"), 4000),
      cancelled(orderId, at("2026-03-04T08:30:00Z")),
      refunded(orderId, at("2026-03-04T09:00:00Z")),
    ]);
    const [daily] = await metrics("dashboard_metrics_daily", creatorId);
    expect(daily).toMatchObject({ gross_minor: "4000", refunded_minor: "4000", cancelled_minor: "0", net_minor: "0", orders_refunded: 1 });
  });

  it("changes nothing when events it already counted are replayed", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("f");
    const counted = [
      received(orderId, at("2026-03-05T08:00:00Z")),
      validated(orderId, at("2026-03-05T08:01:00Z"), 2400),
      cancelled(orderId, at("2026-03-05T09:00:00Z")),
    ];
    await projectOrder(creatorId, orderId, counted);
    const before = await metrics("dashboard_metrics_hourly", creatorId);
    const { replayed } = await replayEvents({
      sql,
      filter: { aggregateId: `order-${orderId}` },
      into: projectionConsumer(dashboardMetricsProjection, { schema: models.schema, name: models.consumerName(dashboardMetricsProjection) }),
    });
    expect(replayed).toBe(3);
    expect(await metrics("dashboard_metrics_hourly", creatorId)).toEqual(before);
    expect(before[0]).toMatchObject({ gross_minor: "2400", net_minor: "0", orders_cancelled: 1 });
  });
});
