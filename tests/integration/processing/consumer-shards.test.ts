// Consumers split into shards by creator, through the path production uses: appends wake
// process-events through pg_net (the local stand-in), one call per lane and shard, and the
// real function in Deno runs the shards. The shard counts change while orders keep coming;
// the read models must come out as an unsharded projection of the same events makes them,
// and every event must have been handled exactly once.
import { describe, expect, it } from "vitest";
import { createEventStore, typeMatches, type NewEvent } from "../../../src/core/event-store/index.ts";
import { shardLiveConsumer } from "../../../src/core/process-events.ts";
import { createConsumerRunner, readCheckpointStatuses } from "../../../src/core/processing/index.ts";
import {
  createReadModelSchema,
  dashboardMetricsProjection,
  inventoryLevelsProjection,
  orderSummariesProjection,
  projectionConsumer,
  rebuildProjection,
} from "../../../src/core/projections/index.ts";
import { cancelled, received, reserved, shipped, stockUpdated, uniqueId, validated } from "../projections/events.ts";
import { ownProcessingStand } from "./processing-stand.ts";

const { sql, standIn } = await ownProcessingStand("consumer-shards", 16);
const store = createEventStore({ sql });
const sharded = [dashboardMetricsProjection, orderSummariesProjection, inventoryLevelsProjection];
const REFERENCE = "unsharded";
const tables: Record<string, string> = {
  dashboard_metrics_daily: "creator_id, bucket_start",
  dashboard_metrics_hourly: "creator_id, bucket_start",
  dashboard_order_facts: "creator_id, order_id",
  order_summaries: "creator_id, order_id",
  inventory_levels: "creator_id, sku_id",
};

/** Creators spread so that every one of 4 shards has at least two of them. */
async function creatorsOnEveryShard(): Promise<string[]> {
  const creators: string[] = [];
  const perShard = [0, 0, 0, 0];
  while (perShard.some((count) => count < 2)) {
    const creatorId = crypto.randomUUID();
    const [{ shard }] = await sql<{ shard: number }[]>`select public.creator_shard(${creatorId}::uuid, 4) as shard`;
    if (perShard[shard] >= 2) continue;
    perShard[shard] += 1;
    creators.push(creatorId);
  }
  return creators;
}

/** One order in three appends (its events land in different batches, and on both sides of a shard change). */
async function playOrder(creatorId: string, index: number): Promise<void> {
  const orderId = uniqueId("s");
  const receivedAt = new Date(Date.parse("2026-11-20T00:00:00Z") + index * 97_000);
  const aggregateId = `order-${orderId}`;
  const steps: NewEvent[][] = [
    [received(orderId, receivedAt)],
    [validated(orderId, new Date(receivedAt.getTime() + 60_000), 1_000 + (index % 7) * 150)],
    [index % 5 === 0 ? cancelled(orderId, new Date(receivedAt.getTime() + 120_000)) : shipped(orderId, new Date(receivedAt.getTime() + (1 + (index % 20)) * 3_600_000))],
  ];
  for (const events of steps) await store.appendToStream({ creatorId, aggregateId, aggregateType: "order", metadata: { source: "automated_system" }, events });
  const skuId = `SKU-${index % 3}`;
  await store.appendToStream({
    creatorId,
    aggregateId: `inventory-${skuId}-${creatorId}`,
    aggregateType: "inventory",
    metadata: { source: "automated_system" },
    events: [index < 3 ? stockUpdated(skuId, receivedAt, 0, 1_000) : reserved(skuId, receivedAt, orderId, 1)],
  });
}

async function playOrders(creators: string[], from: number, to: number): Promise<void> {
  await Promise.all(
    creators.map(async (creatorId) => {
      for (let index = from; index < to; index += 1) await playOrder(creatorId, index);
    }),
  );
}

/** Waits until the live order summaries hold `count` orders (the running shards are at work). */
async function summariesProjected(count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [{ orders }] = await sql<{ orders: number }[]>`select count(*)::int as orders from public.order_summaries`;
    if (orders >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${orders} of ${count} orders projected within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function differences(): Promise<string[]> {
  const found: string[] = [];
  for (const [table, order] of Object.entries(tables)) {
    const [{ missing, extra }] = await sql<{ missing: number; extra: number }[]>`
      select (select count(*) from (select * from ${sql(`${REFERENCE}.${table}`)} except select * from ${sql(`public.${table}`)}) m)::int as missing,
             (select count(*) from (select * from ${sql(`public.${table}`)} except select * from ${sql(`${REFERENCE}.${table}`)}) e)::int as extra`;
    if (missing || extra) found.push(`${table} (by ${order}): ${missing} rows missing, ${extra} rows extra`);
  }
  return found;
}

async function eventsHandledPerConsumer(): Promise<Record<string, number>> {
  const rows = await sql<{ consumer: string; processed: number }[]>`
    select p.name as consumer, coalesce(sum(c.events_processed), 0)::int as processed
      from unnest(${sharded.map((projection) => projection.name)}::text[]) p(name)
      left join consumer_checkpoints c on c.consumer = p.name or c.consumer like p.name || '-shard-%'
     group by p.name`;
  return Object.fromEntries(rows.map((row) => [row.consumer, row.processed]));
}

/** Sets each projection's live consumer to the given shard count, one after the other. */
async function reshard(...counts: [projection: { name: string }, shards: number][]): Promise<void> {
  for (const [projection, shards] of counts) await shardLiveConsumer(sql, projection.name, shards);
}

describe("a consumer split into shards by creator", () => {
  it("shares the work among process-events calls and, as the shard counts change mid-stream, projects every event exactly once and in order", async () => {
    const creators = await creatorsOnEveryShard();
    await reshard([dashboardMetricsProjection, 2], [orderSummariesProjection, 2], [inventoryLevelsProjection, 2]);

    await playOrders(creators, 0, 6);
    await summariesProjected(creators.length * 6);
    // Each change lands while orders are being appended and the running shards are busy.
    const second = playOrders(creators, 6, 12);
    await summariesProjected(creators.length * 7);
    await reshard([dashboardMetricsProjection, 4], [orderSummariesProjection, 3]);
    await second;
    await summariesProjected(creators.length * 12);
    const third = playOrders(creators, 12, 18);
    await summariesProjected(creators.length * 13);
    await reshard([orderSummariesProjection, 1], [inventoryLevelsProjection, 1]);
    await third;

    // The same events, projected by one unsharded runner into tables of their own.
    await createReadModelSchema(sql, REFERENCE, sharded);
    const reference = createConsumerRunner({
      sql,
      consumers: sharded.map((projection) => projectionConsumer(projection, { schema: REFERENCE, name: `${REFERENCE}-${projection.name}`, publish: false })),
      owner: "unsharded-reference",
    });
    await reference.drain({ budgetMs: 60_000 });

    // The woken calls finish on their own; the tables must come to match.
    const deadline = Date.now() + 90_000;
    let found = await differences();
    while (found.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      found = await differences();
    }
    expect(found).toEqual([]);
    const [{ orders }] = await sql<{ orders: number }[]>`select count(*)::int as orders from public.order_summaries`;
    expect(orders).toBe(creators.length * 18);

    // Every event handled once over all generations of shards: nothing skipped, nothing twice.
    const [{ orderEvents, inventoryEvents }] = await sql<{ orderEvents: number; inventoryEvents: number }[]>`
      select count(*) filter (where event_type like 'order.%')::int as "orderEvents",
             count(*) filter (where event_type like 'inventory.%')::int as "inventoryEvents"
        from event_store`;
    expect(await eventsHandledPerConsumer()).toEqual({
      [dashboardMetricsProjection.name]: orderEvents,
      [orderSummariesProjection.name]: orderEvents,
      [inventoryLevelsProjection.name]: inventoryEvents,
    });

    // The work was shared: every dashboard-metrics shard of both generations handled its creators' events.
    const shardRows = await sql<{ consumer: string; processed: number }[]>`
      select consumer, events_processed::int as processed from consumer_checkpoints
       where consumer like ${`${dashboardMetricsProjection.name}-shard-%`} order by consumer`;
    expect(shardRows.map((row) => row.consumer.replace(dashboardMetricsProjection.name, ""))).toEqual([
      "-shard-0-of-2", "-shard-0-of-4", "-shard-1-of-2", "-shard-1-of-4", "-shard-2-of-4", "-shard-3-of-4",
    ]);
    for (const row of shardRows) expect(row.processed).toBeGreaterThan(0);
    // The tables can match before the old generation's last shard has stepped onto its barrier:
    // that takes a call of its own, which the safety net (every 5 s) sends when no traffic does.
    const settings = () => sql`select consumer, shard_count, active_shard_count from consumer_shard_settings order by consumer`;
    await expect.poll(settings, { timeout: 60_000, interval: 250 }).toEqual([
      { consumer: dashboardMetricsProjection.name, shard_count: 4, active_shard_count: 4 },
      { consumer: inventoryLevelsProjection.name, shard_count: 1, active_shard_count: 1 },
      { consumer: orderSummariesProjection.name, shard_count: 1, active_shard_count: 1 },
    ]);
    const wakeups = await sql`select shard from event_processing_lanes where lane = 'live' order by shard`;
    expect(wakeups.map((row) => row.shard)).toEqual([0, 1, 2, 3]);
    // The admin panel and the health checks see the sharded consumer as one.
    const [status] = await readCheckpointStatuses(sql, new Date(), [dashboardMetricsProjection.name]);
    expect(status.eventsProcessed).toBe(orderEvents);

    // A rebuild of the sharded projection gives the same tables and moves every shard to where it stopped.
    const rebuilt = await rebuildProjection({ sql, projection: dashboardMetricsProjection });
    expect(await differences()).toEqual([]);
    // Each shard stands at the rebuild's stop, or past it over none of the projection's events
    // (the safety net's calls move a shard past what it skips).
    const stops = await sql<{ transaction_id: string; position: string }[]>`
      select transaction_id::text, position from consumer_checkpoints where consumer like ${`${dashboardMetricsProjection.name}-shard-%-of-4`}`;
    expect(stops).toHaveLength(4);
    for (const stop of stops) {
      const between = await sql<{ event_type: string }[]>`
        select event_type from event_store
         where (transaction_id, position) > (${rebuilt.checkpoint.transactionId}::xid8, ${rebuilt.checkpoint.position})
           and (transaction_id, position) <= (${stop.transaction_id}::xid8, ${stop.position})`;
      const [{ atOrPast }] = await sql<{ atOrPast: boolean }[]>`
        select (${stop.transaction_id}::xid8, ${stop.position}::bigint) >= (${rebuilt.checkpoint.transactionId}::xid8, ${rebuilt.checkpoint.position}::bigint) as "atOrPast"`;
      expect(atOrPast).toBe(true);
      expect(between.filter((row) => typeMatches(dashboardMetricsProjection.handles, row.event_type))).toEqual([]);
    }
  });

  it("refuses a shard count out of range and a consumer that is not transactional or not in the live lane, changing nothing", async () => {
    await expect(shardLiveConsumer(sql, dashboardMetricsProjection.name, 0)).rejects.toThrow(/1 to 64/);
    await expect(shardLiveConsumer(sql, "fulfilment-saga", 2)).rejects.toThrow(/not a consumer of the live lane/);
    await expect(sql`select public.set_consumer_shards(${dashboardMetricsProjection.name}, 'live', 65)`).rejects.toThrow(/between 1 and 64/);
    const [setting] = await sql`select shard_count from consumer_shard_settings where consumer = ${dashboardMetricsProjection.name}`;
    expect(setting).toEqual({ shard_count: 4 });
  });

  it("answers 400 to a process-events call for a shard that is not a whole number from 0 to 63", async () => {
    for (const shard of ["-1", "64", "1.5", "two"]) {
      const response = await fetch(`${standIn.url}/functions/v1/process-events?lane=live&shard=${shard}&budget_ms=100`, {
        method: "POST",
        headers: { authorization: `Bearer ${standIn.serviceRoleKey}` },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "shard must be a whole number from 0 to 63" });
    }
  });
});
