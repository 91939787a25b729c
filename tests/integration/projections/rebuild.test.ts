import { beforeAll, describe, expect, it } from "vitest";
import { dashboardMetricsProjection, orderSummariesProjection, rebuildProjection, type RebuildProgress } from "../../../src/core/projections/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { at, cancelled, received, shipped, uniqueId, validated } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "rebuild");
const projections = [dashboardMetricsProjection, orderSummariesProjection];

async function appendOrders(creatorId: string, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const orderId = uniqueId("r");
    const receivedAt = new Date(Date.parse("2026-09-01T00:00:00Z") + index * 1_800_000);
    await models.append(creatorId, `order-${orderId}`, [
      received(orderId, receivedAt),
      validated(orderId, new Date(receivedAt.getTime() + 60_000), 1000 + index * 2),
      index % 3 === 0 ? cancelled(orderId, new Date(receivedAt.getTime() + 120_000)) : shipped(orderId, new Date(receivedAt.getTime() + 7_200_000)),
    ]);
  }
}

const dailyRows = (creatorId: string) =>
  sql`select * from ${models.table("dashboard_metrics_daily")} where creator_id = ${creatorId} order by bucket_start`;

describe("rebuilding a projection", () => {
  beforeAll(() => models.startAtEndOfStream(projections));

  it("produces what live processing produced, and moves the checkpoint to where it stopped", async () => {
    const creatorId = newCreatorId();
    await appendOrders(creatorId, 60);
    await models.project(projections);
    const liveDaily = await dailyRows(creatorId);
    const liveHourly = await sql`select * from ${models.table("dashboard_metrics_hourly")} where creator_id = ${creatorId} order by bucket_start`;
    const liveSummaries = await sql`select * from ${models.table("order_summaries")} where creator_id = ${creatorId} order by order_id`;

    const progress: RebuildProgress[] = [];
    for (const projection of projections) {
      await rebuildProjection({ sql, projection, schema: models.schema, consumerName: models.consumerName(projection), pageSize: 100, onProgress: (step) => progress.push(step) });
    }
    expect(await dailyRows(creatorId)).toEqual(liveDaily);
    expect(await sql`select * from ${models.table("dashboard_metrics_hourly")} where creator_id = ${creatorId} order by bucket_start`).toEqual(liveHourly);
    expect(await sql`select * from ${models.table("order_summaries")} where creator_id = ${creatorId} order by order_id`).toEqual(liveSummaries);
    const summaryProgress = progress.filter((step) => step.projection === orderSummariesProjection.name);
    expect([...new Set(summaryProgress.map((step) => step.phase))]).toEqual(["building", "swapping", "done"]);
    expect(summaryProgress.at(-1)?.processed).toBeGreaterThanOrEqual(180);

    const [checkpoint] = await sql`select rebuild_progress, lease_owner from consumer_checkpoints where consumer = ${models.consumerName(dashboardMetricsProjection)}`;
    expect(checkpoint).toMatchObject({ lease_owner: null, rebuild_progress: expect.objectContaining({ phase: "done" }) });

    // Live processing resumes after the rebuild, with nothing counted twice.
    await appendOrders(creatorId, 1);
    await models.project(projections);
    const totals = await sql`select sum(orders_received)::int as orders from ${models.table("dashboard_metrics_daily")} where creator_id = ${creatorId}`;
    expect(totals[0].orders).toBe(61);
  });

  it("lets readers see the old rows, unblocked, until the swap", async () => {
    const creatorId = newCreatorId();
    await appendOrders(creatorId, 20);
    await models.project([dashboardMetricsProjection]);
    const [correct] = await dailyRows(creatorId);
    // A wrong figure in the live table: the rebuild will correct it, only at the swap.
    await sql`update ${models.table("dashboard_metrics_daily")} set net_minor = -1 where creator_id = ${creatorId}`;

    const readsDuringRebuild: Promise<unknown>[] = [];
    await rebuildProjection({
      sql,
      projection: dashboardMetricsProjection,
      schema: models.schema,
      consumerName: models.consumerName(dashboardMetricsProjection),
      pageSize: 50,
      onProgress: (step) => {
        if (step.phase === "building" || step.phase === "swapping") readsDuringRebuild.push(dailyRows(creatorId).then((rows) => rows[0].net_minor));
      },
    });
    const seen = await Promise.all(readsDuringRebuild);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(["-1"]));
    expect((await dailyRows(creatorId))[0]).toEqual(correct);
  });
});
