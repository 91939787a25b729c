// The sales watch where production runs it: the process-events Edge Function in real Deno,
// whose fulfilment call runs the watch when it is due. A SKU that stops selling sends no
// event, yet its creator gets a drop alert, and the alert resolves itself when sales return.
// On a database of its own: the live lane would otherwise first project every other file's events.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { handleCommand } from "../../../src/core/command-handling.ts";
import { createEventStore, type NewEvent } from "../../../src/core/event-store/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, INVENTORY_STATE_VERSION, initialInventoryState } from "../../../src/core/inventory/inventory.ts";
import { SALES_WATCH_JOB } from "../../../src/core/analytics/sales-watch-job.ts";
import { newCreatorId, ownTestDatabase } from "../database.ts";
import { startTestStandIn } from "../stand-in/stand-in-harness.ts";
import { uniqueId } from "../../test-data.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const { url: databaseUrl, sql } = await ownTestDatabase("sales-watch", 20, { max: 4 });
const standIn = await startTestStandIn({
  databaseUrl,
  functions: { dir: path.join(repoRoot, "supabase/functions"), env: { TIKTOK_APP_KEY: "k", TIKTOK_APP_SECRET: "s", FULFILMENT_SAGA: "off" } },
});
const store = createEventStore({ sql });
const HOUR_MS = 3_600_000;

async function callLane(lane: "live" | "fulfilment") {
  const response = await fetch(`${standIn.url}/functions/v1/process-events?budget_ms=20000&lane=${lane}`, { method: "POST", headers: { authorization: `Bearer ${standIn.serviceRoleKey}` } });
  expect(response.status).toBe(200);
}

/** Calls the live lane until `check` holds (a call may end before every group has caught up). */
async function liveUntil<T>(check: () => Promise<T | undefined>): Promise<T | undefined> {
  let found: T | undefined;
  for (let call = 0; call < 20 && (found = await check()) === undefined; call += 1) await callLane("live");
  return found;
}

/** The watch's next turn, as if its ten minutes had passed: a fulfilment call runs it. */
async function runWatch() {
  await sql`update scheduled_jobs set last_started_at = null where name = ${SALES_WATCH_JOB}`;
  await callLane("fulfilment");
}

const sales = (skuId: string, times: number[]): NewEvent[] =>
  times.map((at, index) => ({
    type: "order.validated",
    occurredAt: new Date(at),
    data: { order_id: `w${at}${index}`, items: [{ sku_id: skuId, product_id: "p1", quantity: 1, unit_price_minor: 1000, product_name: "Glow Drops" }], subtotal_minor: 1000, shipping_minor: 0, total_minor: 1000, currency: "USD" },
  }));

describe("the sales watch in process-events", () => {
  it("alerts the creator when a stocked SKU stops selling, and resolves the alert when sales return", async () => {
    const creatorId = newCreatorId();
    const skuId = uniqueId("W");
    await handleCommand({
      store, creatorId, aggregateId: inventoryAggregateId(skuId), aggregateType: "inventory", initialState: initialInventoryState, evolve: evolveInventory,
      snapshotSchemaVersion: INVENTORY_STATE_VERSION, metadata: { source: "automated_system" },
      decide: (state) => decideInventory({ type: "AdjustStock", skuId, productId: "p1", newTotal: 500, source: "manual", reason: "opening stock" }, state, new Date()),
    });
    // Eight a hour for eight days, the last sale three hours ago.
    const now = Date.now();
    const lastSale = now - 3 * HOUR_MS;
    const history = Array.from({ length: 8 * 24 * 8 }, (_, index) => lastSale - index * 7.5 * 60_000).reverse();
    for (let day = 0; day < 8; day += 1) await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-history-${day}-${skuId}`, aggregateType: "order", events: sales(skuId, history.slice(day * 192, (day + 1) * 192)) });
    const forecast = await liveUntil(async () => (await sql<{ hours_seen: number }[]>`select hours_seen from demand_forecasts where creator_id = ${creatorId} and hours_seen >= 168`)[0]);
    expect(forecast).toBeDefined();

    const openDrop = () => sql<{ title: string; message: string; resolved_by: string | null }[]>`
      select title, message, resolved_by from alerts where creator_id = ${creatorId} and kind = 'sales_drop'`;
    expect(await openDrop()).toEqual([]);
    await runWatch();
    const [alert] = (await liveUntil(async () => ((await openDrop()).length > 0 ? await openDrop() : undefined))) ?? [];
    expect(alert).toMatchObject({ title: `Stopped selling: Glow Drops (SKU ${skuId})`, resolved_by: null });
    expect(alert!.message).toMatch(/^No sales in the last 2 h, where about 1[3-9] were expected\./);
    // A second turn in the same state changes nothing: one alert, one detection.
    await runWatch();
    await callLane("live");
    expect(await openDrop()).toHaveLength(1);
    expect(await sql`select 1 from event_store where creator_id = ${creatorId} and event_type = 'inventory.sales_drop_detected'`).toHaveLength(1);

    // Sales are back: sixteen over the last two hours.
    await store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId: `order-back-${skuId}`, aggregateType: "order", events: sales(skuId, Array.from({ length: 16 }, (_, index) => now - (119 - index * 7.5) * 60_000)) });
    await liveUntil(async () => (await sql`select 1 from demand_forecasts where creator_id = ${creatorId} and last_sale_at > ${new Date(now - 10 * 60_000)}`)[0]);
    await runWatch();
    const resolved = await liveUntil(async () => (await openDrop()).find((row) => row.resolved_by !== null));
    expect(resolved).toMatchObject({ resolved_by: "system" });
  });
});
