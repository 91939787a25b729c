// Section 8's crash test: the worker is killed with SIGKILL 20 times at random points
// while 10,000 events arrive; once a last worker has caught up, every projection must
// equal a clean rebuild from the events, with every event counted exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { NewEvent } from "../../../src/core/event-store/index.ts";
import { allProjections, rebuildProjection, type Projection } from "../../../src/core/projections/index.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { cancelled, received, refunded, reserved, shipped, stockUpdated, uniqueId, validated } from "./events.ts";
import { readModelSchema } from "./read-model-harness.ts";

const sql = connectTestDatabase({ max: 12 });
const models = readModelSchema(sql, "crash");
const consumerPrefix = `${models.schema.replaceAll("_", "-")}-`;
const workerScript = path.resolve(import.meta.dirname, "crash-worker.ts");

const KILLS = 20;
const ORDERS = 2_000;
const SKUS = 20;
const INVENTORY_APPENDS = 1_000;

function startWorker(options: { untilIdle?: boolean } = {}): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", workerScript, "--schema", models.schema, "--consumer-prefix", consumerPrefix, "--lease-ms", "500", "--tick-ms", "20", "--no-publish", ...(options.untilIdle ? ["--until-idle"] : [])],
    { env: { ...process.env, DATABASE_URL: inject("databaseUrl") }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 10,000 events over two creators: 2,000 orders of 4 events, 2,000 inventory events. */
async function appendWorkload(creators: string[]): Promise<number> {
  let appended = 0;
  const base = Date.parse("2026-08-01T00:00:00Z");
  const orderJobs = Array.from({ length: ORDERS }, (_, index) => async () => {
    const creatorId = creators[index % creators.length];
    const orderId = uniqueId("k");
    const receivedAt = new Date(base + index * 97_000);
    const later = (minutes: number) => new Date(receivedAt.getTime() + minutes * 60_000);
    const outcome: NewEvent =
      index % 5 === 0 ? cancelled(orderId, later(30)) : index % 7 === 0 ? refunded(orderId, later(600), 300) : shipped(orderId, later(90 + (index % 50) * 10));
    // Two appends per order, so an order's events are split across batches and kills.
    await models.append(creatorId, `order-${orderId}`, [received(orderId, receivedAt), validated(orderId, later(2), 1000 + (index % 13) * 200)]);
    await models.append(creatorId, `order-${orderId}`, [
      { type: "order.validation_started", occurredAt: later(1), data: { order_id: orderId } },
      outcome,
    ]);
    appended += 4;
  });
  const skus = Array.from({ length: SKUS }, () => uniqueId("SKU"));
  const totals = new Map(skus.map((sku) => [sku, 0]));
  const inventoryJobs = Array.from({ length: INVENTORY_APPENDS }, (_, index) => async () => {
    const sku = skus[index % SKUS];
    const creatorId = creators[(index % SKUS) % creators.length];
    const at = new Date(base + index * 60_000);
    const total = totals.get(sku) ?? 0;
    const orderId = `inv${index}`;
    totals.set(sku, total + 10);
    await models.append(creatorId, `inventory-${sku}`, [stockUpdated(sku, at, total, total + 10), reserved(sku, at, orderId, 2)]);
    appended += 2;
  });
  const jobs = [...orderJobs, ...inventoryJobs].sort(() => Math.random() - 0.5);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let index = next++; index < jobs.length; index = next++) await jobs[index]();
    }),
  );
  return appended;
}

type Rows = Record<string, unknown>[];

async function readModelRows(projection: Projection, creators: string[]): Promise<Record<string, Rows>> {
  const result: Record<string, Rows> = {};
  for (const table of projection.tables) {
    const rows = await sql`select * from ${models.table(table.name)} where creator_id = any(${creators}::uuid[])`;
    const keyOf = (row: Record<string, unknown>) => JSON.stringify(table.key.map((column) => row[column]));
    result[table.name] = [...rows].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }
  return result;
}

describe("worker killed with SIGKILL", () => {
  beforeAll(() => models.startAtEndOfStream());

  it("loses and double-counts nothing: every projection equals a clean rebuild", async () => {
    const creators = [newCreatorId(), newCreatorId()];
    const workload = appendWorkload(creators);
    let workloadDone = false;
    void workload.then(() => {
      workloadDone = true;
    });

    let kills = 0;
    while (kills < KILLS) {
      const worker = startWorker();
      await worker.ready;
      await sleep(50 + Math.random() * (workloadDone ? 150 : 400));
      worker.child.kill("SIGKILL");
      await worker.exited;
      kills += 1;
    }
    const appended = await workload;
    expect(appended).toBe(10_000);

    const last = startWorker({ untilIdle: true });
    expect(await last.exited).toBe(0);

    const live: Record<string, Record<string, Rows>> = {};
    for (const projection of allProjections) live[projection.name] = await readModelRows(projection, creators);

    // Every event counted once.
    const eventCounts = live["projection-event-metrics"].event_metrics_hourly.reduce((sum, row) => sum + Number(row.event_count), 0);
    expect(eventCounts).toBe(10_000);
    const hourly = live["projection-dashboard-metrics"].dashboard_metrics_hourly;
    expect(hourly.reduce((sum, row) => sum + Number(row.orders_received), 0)).toBe(ORDERS);
    const summaries = live["projection-order-summaries"].order_summaries;
    expect(summaries).toHaveLength(ORDERS);
    expect(summaries.reduce((sum, row) => sum + (row.timeline as unknown[]).length, 0)).toBe(ORDERS * 4);
    const levels = live["projection-inventory-levels"].inventory_levels;
    expect(levels.reduce((sum, row) => sum + Number(row.reserved), 0)).toBe(INVENTORY_APPENDS * 2);

    for (const projection of allProjections) {
      await rebuildProjection({ sql, projection, schema: models.schema, consumerName: `${consumerPrefix}${projection.name}` });
      expect(await readModelRows(projection, creators), projection.name).toEqual(live[projection.name]);
    }
    // About 30 s alone; the margin is for a machine shared with other suites.
  }, 120_000);
});
