import { beforeAll, describe, expect, it } from "vitest";
import { allProjections, projectionConsumer } from "../../../src/core/projections/index.ts";
import { createRealtimePublisher, topicFor } from "../../../src/core/realtime/realtime-publisher.ts";
import { replayEvents } from "../../../src/core/replay/replay.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { received, stockUpdated, uniqueId, validated } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase();
const models = readModelSchema(sql, "realtime");

interface Delta {
  seq: number;
  sent_at: string;
  changed: string[];
  refetch: boolean;
  metrics?: { gross_minor: number; orders_received: number; day: string };
  orders?: { order_id: string; status: string }[];
  inventory?: { sku_id: string; available: number }[];
}

async function messages(creatorId: string) {
  return sql<{ event: string; private: boolean; payload: Delta }[]>`
    select event, private, payload from realtime.messages where topic = ${topicFor(creatorId)} order by (payload->>'seq')::int`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("realtime publishing", () => {
  const publisher = createRealtimePublisher({ sql, schema: models.schema });
  beforeAll(() => models.startAtEndOfStream());

  it("sends a small delta with the changed rows and the new KPIs, numbered per creator", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("rt");
    const now = new Date();
    await models.append(creatorId, `order-${orderId}`, [received(orderId, now), validated(orderId, now, 2500)]);
    await models.project();
    await publisher.publishDue();

    const [first] = await messages(creatorId);
    expect(first).toMatchObject({ event: "delta", private: true });
    expect(first.payload).toMatchObject({
      seq: 1,
      changed: ["metrics", "orders"],
      refetch: false,
      metrics: { gross_minor: 2500, orders_received: 1, day: now.toISOString().slice(0, 10) },
      orders: [{ order_id: orderId, status: "validated" }],
    });
    expect(JSON.stringify(first.payload).length).toBeLessThan(4_096);

    const sku = uniqueId("SKU");
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, now, 0, 30)]);
    await models.project();
    await sleep(120);
    await publisher.publishDue();
    const all = await messages(creatorId);
    expect(all.map((message) => message.payload.seq)).toEqual([1, 2]);
    expect(all[1].payload).toMatchObject({ changed: ["inventory"], inventory: [{ sku_id: sku, available: 30, last_version: 1 }] });
  });

  it("coalesces a burst of 200 events into at most one message per 100 ms", async () => {
    const creatorId = newCreatorId();
    const burst = (async () => {
      for (let index = 0; index < 100; index += 1) {
        const orderId = uniqueId("burst");
        await models.append(creatorId, `order-${orderId}`, [received(orderId, new Date()), validated(orderId, new Date(), 1000)]);
      }
    })();
    let done = false;
    void burst.then(() => {
      done = true;
    });
    const started = performance.now();
    while (!done) {
      await models.project();
      await publisher.publishDue();
    }
    await models.project();
    let pending = await publisher.publishDue();
    while (pending.waiting) {
      await sleep(pending.nextDueInMs ?? 10);
      pending = await publisher.publishDue();
    }
    const elapsedSeconds = (performance.now() - started) / 1000;

    const sent = await messages(creatorId);
    expect(sent.map((message) => message.payload.seq)).toEqual(sent.map((_, index) => index + 1));
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds * 10) + 1);
    const times = sent.map((message) => Date.parse(message.payload.sent_at));
    for (let index = 1; index < times.length; index += 1) expect(times[index] - times[index - 1]).toBeGreaterThanOrEqual(99);
    const last = sent.at(-1)?.payload;
    expect(last?.metrics?.orders_received).toBe(100);
  });

  it("sends nothing for replayed events", async () => {
    const creatorId = newCreatorId();
    const orderId = uniqueId("rp");
    await models.append(creatorId, `order-${orderId}`, [received(orderId, new Date())]);
    await models.project();
    await sleep(120);
    await publisher.publishDue();
    const before = await messages(creatorId);
    expect(before).toHaveLength(1);

    for (const projection of allProjections) {
      await replayEvents({ sql, filter: { creatorId }, into: projectionConsumer(projection, { schema: models.schema, name: models.consumerName(projection) }) });
    }
    await sleep(120);
    await publisher.publishDue();
    expect(await messages(creatorId)).toHaveLength(1);
    const [outbox] = await sql`select dirty from ${models.table("realtime_outbox")} where creator_id = ${creatorId}`;
    expect(outbox.dirty).toBe(false);
  });
});
