import { beforeAll, describe, expect, it } from "vitest";
import { orderSummariesProjection } from "../../../src/core/projections/index.ts";
import { reconcileWhenDue, requestReconciliation, runReconciliation } from "../../../src/core/shop-history/reconciliation-run.ts";
import { readDriftReport } from "../../../src/server/shop-history/drift-report.ts";
import { asSignedInUser, connectTestDatabase, newCreatorId } from "../database.ts";
import { readModelSchema } from "../projections/read-model-harness.ts";
import type { DemoShop } from "../../../src/simulator/demo-catalogue.ts";
import { createWorld, linkShop, ordersOf, playTraffic, simulatedShop, startSimulator, startTime } from "./harness.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase();
const readModels = readModelSchema(sql, "reconciliation");
const projections = [orderSummariesProjection];
beforeAll(() => readModels.startAtEndOfStream(projections));

const world = createWorld();
const { clientFor } = await startSimulator(world);

const nowAfter = (shop: DemoShop) => {
  const latest = Math.max(startTime, ...ordersOf(world, shop).map((order) => order.updateTime));
  return () => new Date((latest + 60) * 1000);
};
const sixtyDays = 60 * 86_400_000;

describe("order reconciliation against TikTok", () => {
  it("with a fifth of the webhooks dropped, one run brings every order and status in line and reports what it recovered", async () => {
    const shop = simulatedShop(world);
    const creatorId = await linkShop(sql, shop, newCreatorId());
    // The simulator's --drop-rate 0.2: a fifth of the notifications are never delivered.
    const { drops } = await playTraffic(sql, world, shop, { deliveries: 300, dropRate: 0.2 });
    expect(drops.notifications).toBeGreaterThan(0);
    const now = nowAfter(shop);

    await readModels.project(projections);
    const summariesBefore = await sql<{ order_id: string; tiktok_status: string | null }[]>`select order_id, tiktok_status from ${readModels.table("order_summaries")} where creator_id = ${creatorId}::uuid`;
    const behind = ordersOf(world, shop).filter((order) => summariesBefore.find((row) => row.order_id === order.orderId)?.tiktok_status !== order.status);
    // The test means something only if webhooks were really missed.
    expect(behind.length).toBeGreaterThan(0);

    const report = await runReconciliation({ sql, readerFor: () => clientFor(shop), now, trigger: "manual", creatorIds: [creatorId], firstWindowMs: sixtyDays, pageSize: 25, sleep: async () => {} });
    expect(report.orders.failures).toEqual([]);
    expect(report.orders.ordersMissing + report.orders.statusesBehind).toBe(behind.length);

    await readModels.project(projections);
    const summaries = await sql<{ order_id: string; tiktok_status: string | null }[]>`select order_id, tiktok_status from ${readModels.table("order_summaries")} where creator_id = ${creatorId}::uuid`;
    expect(summaries.length).toBe(ordersOf(world, shop).length);
    for (const order of ordersOf(world, shop)) expect(summaries.find((row) => row.order_id === order.orderId)?.tiktok_status, order.orderId).toBe(order.status);

    const drift = await sql<{ reference: string; kind: string; observed: string; action: string; source: string; component: string }[]>`
      select d.reference, d.kind, d.observed, d.action, e.metadata ->> 'source' as source, e.metadata ->> 'component' as component
        from reconciliation_drift d join event_store e on e.id = d.event_ids[1]
       where d.run_id = ${report.runId}`;
    expect(new Set(drift.map((row) => row.reference))).toEqual(new Set(behind.map((order) => order.orderId)));
    expect(drift.every((row) => row.source === "automated_system" && row.component === "reconciliation")).toBe(true);

    // The creator's drift report lists what was recovered; another creator's says 0 and cannot read these rows.
    const report24h = await readDriftReport(sql, { creatorId, now: now() });
    expect(report24h.counts).toMatchObject({ total: behind.length, order_missing: report.orders.ordersMissing, order_status: report.orders.statusesBehind });
    expect(new Set(report24h.items.map((item) => item.reference))).toEqual(new Set(behind.map((order) => order.orderId)));
    expect(report24h.lastCheckedAt).toBe(now().toISOString());
    const other = newCreatorId();
    expect((await readDriftReport(sql, { creatorId: other, now: now() })).counts.total).toBe(0);
    const visible = await asSignedInUser(sql, { role: "creator", creator_id: other }, (tx) => tx<{ n: number }[]>`select count(*)::int as n from reconciliation_drift where run_id = ${report.runId}`);
    expect(visible[0].n).toBe(0);
    const own = await asSignedInUser(sql, { role: "creator", creator_id: creatorId }, (tx) => tx<{ n: number }[]>`select count(*)::int as n from reconciliation_drift where run_id = ${report.runId}`);
    expect(own[0].n).toBe(behind.length);

    // Nothing left to recover: a second run finds no drift.
    const again = await runReconciliation({ sql, readerFor: () => clientFor(shop), now, trigger: "manual", creatorIds: [creatorId], sleep: async () => {} });
    expect(again.drift).toBe(0);
    expect(again.orders.ordersChecked).toBeGreaterThan(0);
  });

  it("asks only for orders updated since the shop's last check, less the overlap", async () => {
    const shop = simulatedShop(world);
    const creatorId = await linkShop(sql, shop, newCreatorId());
    await playTraffic(sql, world, shop, { deliveries: 40 });
    const now = nowAfter(shop);
    const filters: { updateTimeGe?: number }[] = [];
    const reader = clientFor(shop);
    const spying = { ...reader, searchOrders: (filter: { updateTimeGe?: number }, page: { pageSize?: number; pageToken?: string }) => (filters.push(filter), reader.searchOrders(filter, page)) };
    await runReconciliation({ sql, readerFor: () => spying, now, trigger: "scheduled", creatorIds: [creatorId], sleep: async () => {} });
    const later = () => new Date(now().getTime() + 3_600_000);
    await runReconciliation({ sql, readerFor: () => spying, now: later, trigger: "scheduled", creatorIds: [creatorId], overlapMs: 600_000, sleep: async () => {} });
    expect(filters.at(-1)?.updateTimeGe).toBe(Math.floor(now().getTime() / 1000) - 600);
  });

  it("a creator's run never reads or writes another creator's shop", async () => {
    const shop = simulatedShop(world);
    const owner = await linkShop(sql, shop, newCreatorId());
    await playTraffic(sql, world, shop, { deliveries: 60, holdBack: 1 });
    const intruder = newCreatorId();
    const readers: string[] = [];
    const report = await runReconciliation({ sql, readerFor: ({ shopId }) => (readers.push(shopId), clientFor(shop)), now: nowAfter(shop), trigger: "manual", creatorIds: [intruder], firstWindowMs: sixtyDays, sleep: async () => {} });
    expect(report.orders.shops).toBe(0);
    expect(readers).toEqual([]);
    const [events] = await sql<{ n: number }[]>`select count(*)::int as n from event_store where creator_id = ${owner}::uuid`;
    expect(events.n).toBe(0);
  });

  it("runs once per period whoever calls, and at once when asked from the admin panel", async () => {
    const jobName = uniqueId("reconciliation-test-");
    const shop = simulatedShop(world);
    const creatorId = await linkShop(sql, shop, newCreatorId());
    const run = () => reconcileWhenDue({ sql, readerFor: () => clientFor(shop), now: () => new Date(), creatorIds: [creatorId], jobName, everyMs: 600_000, sleep: async () => {} });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.filter((report) => report !== null)).toHaveLength(1);
    expect(results.find((report) => report !== null)?.trigger).toBe("scheduled");
    expect(await run()).toBeNull();

    await requestReconciliation(sql, { jobName });
    const asked = await run();
    expect(asked?.trigger).toBe("manual");
    expect(await run()).toBeNull();
    const runs = await sql<{ trigger: string; status: string }[]>`select trigger, status from reconciliation_runs where creator_id = ${creatorId}::uuid order by started_at`;
    expect(runs).toEqual([{ trigger: "scheduled", status: "succeeded" }, { trigger: "manual", status: "succeeded" }]);
  });
});
