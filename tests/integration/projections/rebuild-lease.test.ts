import { beforeAll, describe, expect, it } from "vitest";
import { createConsumerRunner } from "../../../src/core/processing/index.ts";
import { dashboardMetricsProjection, orderSummariesProjection, rebuildProjection, rebuildProjections, RebuildLeaseUnavailableError } from "../../../src/core/projections/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { at, received, uniqueId } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "rebuild_lease");
const consumer = models.consumerName(dashboardMetricsProjection);

/** A live call's runner: each tick leases the consumer (or finds it held) and handles one batch. */
const liveCall = (owner: string) => createConsumerRunner({ sql, consumers: models.consumers([dashboardMetricsProjection]), owner });

async function checkpointRow(name: string) {
  const [row] = await sql<{ lease_owner: string | null; lease_wanted_by: string | null }[]>`
    select lease_owner, lease_wanted_by from consumer_checkpoints where consumer = ${name}`;
  return row;
}

describe("a rebuild's lease under live traffic", () => {
  beforeAll(() => models.startAtEndOfStream([dashboardMetricsProjection, orderSummariesProjection]));

  it("is let go by the live holder at its next round and taken by no other live call meanwhile", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("lease");
    await models.append(creatorId, `order-${orderId}`, [received(orderId, at("2026-09-01T10:00:00Z"))]);
    const holder = liveCall("live-a");
    const next = liveCall("live-b");
    expect((await holder.tick()).find((outcome) => outcome.consumer === consumer)).toMatchObject({ skipped: false, failed: false });
    expect(await checkpointRow(consumer)).toMatchObject({ lease_owner: "live-a" });

    const rebuild = rebuildProjection({ sql, projection: dashboardMetricsProjection, schema: models.schema, consumerName: consumer, owner: "rebuild-lease-test", waitForLeaseMs: 60_000 });
    await expect.poll(async () => (await checkpointRow(consumer)).lease_wanted_by, { timeout: 10_000 }).toBe("rebuild-lease-test");

    // Another call finds it held; the holder's next round lets it go instead of renewing it.
    expect((await next.tick()).find((outcome) => outcome.consumer === consumer)).toMatchObject({ skipped: true });
    expect((await holder.tick()).find((outcome) => outcome.consumer === consumer)).toMatchObject({ skipped: true });
    expect((await next.tick()).find((outcome) => outcome.consumer === consumer)).toMatchObject({ skipped: true });
    await rebuild;
    expect(await checkpointRow(consumer)).toEqual({ lease_owner: null, lease_wanted_by: null });

    // Live processing goes on after the rebuild: the want went with it.
    await models.append(creatorId, `order-${orderId}-2`, [received(`${orderId}-2`, at("2026-09-01T11:00:00Z"))]);
    expect((await next.tick()).find((outcome) => outcome.consumer === consumer)).toMatchObject({ skipped: false, failed: false });
    expect(await checkpointRow(consumer)).toMatchObject({ lease_owner: "live-b" });
    await next.releaseLeases();
    await holder.releaseLeases();
  });

  it("gives back every lease and want it took when one row stays held", async () => {
    const summaries = models.consumerName(orderSummariesProjection);
    // An instance that died holding the summaries' lease: it stays held for its 30 s.
    await sql`update consumer_checkpoints set lease_owner = 'dead-instance', lease_expires_at = now() + interval '30 seconds' where consumer = ${summaries}`;
    await expect(
      rebuildProjections({ sql, projections: [dashboardMetricsProjection, orderSummariesProjection], schema: models.schema, consumerName: models.consumerName, owner: "rebuild-gives-up", waitForLeaseMs: 300 }),
    ).rejects.toBeInstanceOf(RebuildLeaseUnavailableError);
    expect(await checkpointRow(consumer)).toEqual({ lease_owner: null, lease_wanted_by: null });
    expect(await checkpointRow(summaries)).toEqual({ lease_owner: "dead-instance", lease_wanted_by: null });
    await sql`update consumer_checkpoints set lease_owner = null, lease_expires_at = null where consumer = ${summaries}`;
  });
});
