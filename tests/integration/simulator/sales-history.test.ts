import { beforeAll, describe, expect, it } from "vitest";
import { demandForecastsProjection } from "../../../src/core/analytics/demand-forecasts-projection.ts";
import { demoShop, type DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { planSalesHistory, writeSalesHistory } from "../../../src/simulator/sales-history.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { readModelSchema } from "../projections/read-model-harness.ts";
import { uniqueNumericId } from "../../test-data.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "history");

/** A demo shop under ids of its own: the test database is shared with other files. */
function shopOfItsOwn(): DemoShop {
  const tag = uniqueNumericId("", 9);
  const shop = demoShop(4);
  return { ...shop, shopId: `74947${tag}`, shopCipher: `ROW_hist_${tag}`, skus: shop.skus.map((sku, index) => ({ ...sku, skuId: `${tag}${index}` })) };
}

describe("simulated sales history written to the event store", () => {
  beforeAll(() => models.startAtEndOfStream([demandForecastsProjection]));

  it("writes each planned order once, dated when it sold, and the demand forecasts learn every SKU's days from it", async () => {
    const creatorId = newCreatorId();
    const linked = shopOfItsOwn();
    const unlinked = shopOfItsOwn();
    await sql`insert into tiktok_shops (shop_id, creator_id, shop_cipher, seller_open_id) values (${linked.shopId}, ${creatorId}, ${linked.shopCipher}, ${`seller-${linked.shopId}`})`;
    const plan = planSalesHistory([linked, unlinked], { days: 3, anomalies: false, seed: 11, now: new Date() });
    const linkedSales = plan.sales.filter((sale) => sale.shop === linked);

    const report = await writeSalesHistory(sql, plan, 3);
    expect(report.ordersWritten).toBe(linkedSales.length);
    expect(report.shopsSkipped).toEqual([{ shopId: unlinked.shopId, reason: "not_linked" }]);
    const stored = await sql<{ count: number; units: number; first: Date; last: Date }[]>`
      select count(*)::int as count, sum((event_data->'items'->0->>'quantity')::int)::int as units, min(occurred_at) as first, max(occurred_at) as last
        from event_store where creator_id = ${creatorId}::uuid and event_type = 'order.validated'`;
    expect(stored[0]).toEqual({
      count: linkedSales.length,
      units: linkedSales.reduce((sum, sale) => sum + sale.quantity, 0),
      first: new Date(Math.min(...linkedSales.map((sale) => sale.at.getTime()))),
      last: new Date(Math.max(...linkedSales.map((sale) => sale.at.getTime()))),
    });

    // A second run for the same creator writes nothing more.
    const again = await writeSalesHistory(sql, planSalesHistory([linked], { days: 3, anomalies: false, seed: 12, now: new Date() }), 3);
    expect(again).toMatchObject({ ordersWritten: 0, shopsSkipped: [{ shopId: linked.shopId, reason: "already_seeded" }] });

    await models.project([demandForecastsProjection]);
    const forecasts = await sql<{ sku_id: string; hours_seen: number; next_24h: number }[]>`
      select sku_id, hours_seen, next_24h from ${models.table("demand_forecasts")} where creator_id = ${creatorId}`;
    expect(forecasts.map((row) => row.sku_id).sort()).toEqual(linked.skus.map((sku) => sku.skuId).sort());
    // Folded through the hour of each SKU's last sale: most of three days.
    for (const row of forecasts) {
      expect(row.hours_seen).toBeGreaterThan(2 * 24);
      expect(row.next_24h).toBeGreaterThan(0);
    }
  });
});
