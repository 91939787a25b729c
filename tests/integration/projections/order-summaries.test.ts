import { describe, expect, it } from "vitest";
import { orderSummariesProjection } from "../../../src/core/projections/index.ts";
import { newCreatorId } from "../database.ts";
import { at, cancelled, received, shipped, uniqueId, validated } from "./events.ts";
import { projectionSpec } from "./read-model-harness.ts";

const { sql, models } = projectionSpec("orders", orderSummariesProjection);

describe("order summaries projection", () => {
  it("keeps status, items, amounts, hold flag, shipping and the timeline of each order", async () => {
    const creatorId = newCreatorId();
    const [held, cancelledOrder] = [uniqueId("h"), uniqueId("x")];
    await models.append(creatorId, `order-${held}`, [received(held, at("2026-04-01T10:00:00Z"), { is_on_hold: true })]);
    await models.append(creatorId, `order-${cancelledOrder}`, [received(cancelledOrder, at("2026-04-01T10:10:00Z")), cancelled(cancelledOrder, at("2026-04-01T10:15:00Z"))]);
    await models.project([orderSummariesProjection]);

    const [onHold] = await sql`select * from ${models.table("order_summaries")} where creator_id = ${creatorId} and order_id = ${held}`;
    expect(onHold).toMatchObject({ status: "received", on_hold: true, tiktok_status: "ON_HOLD", total_minor: null, received_at: at("2026-04-01T10:00:00Z") });

    await models.append(creatorId, `order-${held}`, [validated(held, at("2026-04-01T10:05:00Z"), 5000), shipped(held, at("2026-04-01T13:00:00Z"))]);
    await models.project([orderSummariesProjection]);

    const rows = await sql`select * from ${models.table("order_summaries")} where creator_id = ${creatorId} order by received_at`;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      order_id: held,
      status: "shipped",
      total_minor: "5000",
      currency: "USD",
      item_count: 2,
      carrier: "USPS",
      shipped_at: at("2026-04-01T13:00:00Z"),
      last_version: "3",
    });
    expect(rows[0].items).toEqual([expect.objectContaining({ sku_id: "SKU-1", quantity: 2 })]);
    expect(rows[0].timeline.map((entry: { type: string }) => entry.type)).toEqual(["order.received_from_tiktok", "order.validated", "order.shipped"]);
    expect(rows[1]).toMatchObject({ order_id: cancelledOrder, status: "cancelled", cancelled_at: at("2026-04-01T10:15:00Z") });

    // Replayed twice, the events leave the rows as they were.
    await models.replay(orderSummariesProjection, creatorId);
    await models.replay(orderSummariesProjection, creatorId);
    expect(await sql`select * from ${models.table("order_summaries")} where creator_id = ${creatorId} order by received_at`).toEqual(rows);
  });
});
