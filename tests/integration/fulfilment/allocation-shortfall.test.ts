// Oversell protection that explains itself: an order the local count cannot cover fails
// its allocation with a reason a creator can act on, and the alert it raises names the
// SKU, through to the alerts read model the dashboard links from.
import { describe, expect, it } from "vitest";
import { FULFILMENT_ALERT_SOURCE } from "../../../src/core/fulfilment/index.ts";
import { alertsProjection } from "../../../src/core/projections/index.ts";
import { readModelSchema } from "../projections/read-model-harness.ts";
import { alertsFor, inventoryOf, newSku, orderEvents, placeOrder, sagaWithSimulatedProviders, sql, stockUp } from "./saga-harness.ts";

const models = readModelSchema(sql, "shortfall");

describe("an order the local stock cannot cover", () => {
  it("fails allocation saying why in the creator's words, and its alert carries the SKU", async () => {
    await models.startAtEndOfStream([alertsProjection]);
    const { creatorId, runner } = await sagaWithSimulatedProviders();
    const scarce = newSku();
    const order = await placeOrder({ creatorId, lines: [{ sku: scarce, units: 2 }] });
    await stockUp(creatorId, scarce.skuId, 1);

    await runner.drain({ budgetMs: 30_000 });

    const failed = (await orderEvents(order.orderId)).find((event) => event.type === "order.fulfilment_failed");
    const expectedReason =
      `Not enough stock for SKU ${scarce.skuId} (${scarce.productName}): the order needs 2 units, 1 is available here. ` +
      "TikTok accepted the order, so TikTok's count was higher than ours: check this SKU's stock count.";
    expect(failed?.data).toEqual({ order_id: order.orderId, step: "allocate", cause: "permanent_error", reason: expectedReason });
    const alerts = await alertsFor(creatorId);
    expect(alerts.map((event) => event.data)).toEqual([
      {
        source: FULFILMENT_ALERT_SOURCE,
        reference: order.orderId,
        sku_id: scarce.skuId,
        product_name: scarce.productName,
        problem: "step_failed",
        step: "allocate",
        reason: `step allocate failed (permanent_error): ${expectedReason}`,
      },
    ]);
    expect(await inventoryOf(scarce.skuId)).toMatchObject({ total: 1, reserved: 0 });

    await models.project([alertsProjection]);
    // One alert per SKU short of stock, in the creator's words, with the engine's words one click away.
    const rows = await sql<{ kind: string; subject: string; sku_id: string | null; title: string; action: string; detail: string }[]>`
      select kind, subject, sku_id, title, action, detail from ${models.table("alerts")} where creator_id = ${creatorId} and kind = 'stuck_saga'`;
    expect(rows).toEqual([
      {
        kind: "stuck_saga",
        subject: `stock:${scarce.skuId}`,
        sku_id: scarce.skuId,
        title: `1 order waiting for stock: ${scarce.productName} (SKU ${scarce.skuId})`,
        action: `Restock SKU ${scarce.skuId} or cancel the order waiting for it`,
        detail: `${FULFILMENT_ALERT_SOURCE}: step allocate failed (permanent_error): ${expectedReason} (${order.orderId})`,
      },
    ]);
  });
});
