// A world for fulfilment saga tests: the TikTok Shop simulator over real HTTP, the local
// payment gateway and carrier, a real Postgres, and orders placed both in the simulated
// shop and in the event store (as the webhook ingestion would record them).
import type { Sql } from "postgres";
import { afterAll, beforeAll, expect } from "vitest";
import { handleCommand } from "../../../src/core/command-handling.ts";
import type { EventType } from "../../../src/core/event-catalogue.ts";
import { createEventStore, type StoredEvent } from "../../../src/core/event-store/index.ts";
import { createFulfilmentSaga, createSimulatedCarrier, createSimulatedPaymentGateway, type FulfilmentSagaDependencies } from "../../../src/core/fulfilment/index.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState, type InventoryState } from "../../../src/core/inventory/inventory.ts";
import { orderAggregateId, type TiktokOrderStatus } from "../../../src/core/orders/events.ts";
import { createConsumerRunner, type Consumer } from "../../../src/core/processing/index.ts";
import { createTikTokShopFulfilmentClient } from "../../../src/core/channels/tiktok-shop/fulfilment-api.ts";
import { startTikTokShopSimulator, type TikTokShopSimulator } from "../../../src/simulator/api-server.ts";
import { demoShop, type DemoSku } from "../../../src/simulator/demo-catalogue.ts";
import { createShopWorld, type SimulatedOrder } from "../../../src/simulator/shop-world.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId, uniqueNumericId } from "../../test-data.ts";

const appKey = "saga_test_app_key";
const appSecret = "saga_test_app_secret";
const shop = demoShop(1);

export const sql: Sql = connectTestDatabase();
export const store = createEventStore({ sql });
let simulator: TikTokShopSimulator;

beforeAll(async () => {
  simulator = await startTikTokShopSimulator({ port: 0, appKey, appSecret, world: createShopWorld([shop]), rateLimitPerSecond: 10_000 });
});

afterAll(async () => {
  await simulator.close();
});

export const tiktokSimulator = () => simulator;

/** A SKU of the fixtures' shop no other test uses (inventory streams are per SKU). */
export function newSku(priceMinor = 1299): DemoSku {
  const skuId = uniqueNumericId("9");
  const sku: DemoSku = { skuId, productId: `8${skuId.slice(1)}`, productName: "Test Serum", skuName: "Default", sellerSku: `T-${skuId}`, priceMinor, initialStock: 50, lowStockThreshold: 2 };
  simulator.world.stockBySku.set(skuId, { shop, sku, total: 50, committed: 0, creatorReserved: 0, campaignReserved: 0, lastReportedStatus: "IN_STOCK" });
  return sku;
}

export async function stockUp(creatorId: string, skuId: string, total: number): Promise<void> {
  await handleCommand({ metadata: { source: "automated_system" },
    store,
    creatorId,
    aggregateId: inventoryAggregateId(skuId),
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory({ type: "AdjustStock", skuId, newTotal: total, source: "manual" }, state, new Date()),
    commandId: `stock-up:${skuId}`,
  });
}

export async function inventoryOf(skuId: string): Promise<InventoryState> {
  return (await store.aggregateStream({ aggregateId: inventoryAggregateId(skuId), initialState: initialInventoryState, evolve: evolveInventory })).state;
}

export interface PlacedOrder {
  creatorId: string;
  orderId: string;
  correlationId: string;
  received: StoredEvent;
  simulated: SimulatedOrder;
}

/** An order TikTok knows (in the simulator) and the engine received (in the event store). */
export async function placeOrder(options: { creatorId?: string; lines: { sku: DemoSku; units: number }[]; status?: TiktokOrderStatus; shippingType?: "TIKTOK" | "SELLER"; taxMinor?: number }): Promise<PlacedOrder> {
  const creatorId = options.creatorId ?? newCreatorId();
  const orderId = uniqueNumericId("57");
  const status = options.status ?? "AWAITING_SHIPMENT";
  const updateTime = Math.floor(Date.now() / 1000);
  const lineItems = options.lines.flatMap(({ sku, units }) => Array.from({ length: units }, () => ({ lineItemId: uniqueNumericId("5770"), sku })));
  const subtotalMinor = lineItems.reduce((sum, line) => sum + line.sku.priceMinor, 0);
  const simulated: SimulatedOrder = {
    orderId, shop, buyerUserId: "7021000000000001", status, isOnHold: status === "ON_HOLD", createTime: updateTime, updateTime,
    lineItems, subtotalMinor, shippingMinor: 499,
  };
  if (status !== "UNPAID") simulated.paidTime = updateTime;
  if (options.shippingType !== undefined) simulated.shippingType = options.shippingType;
  if (options.taxMinor !== undefined) simulated.taxMinor = options.taxMinor;
  simulator.world.orders.set(orderId, simulated);
  const correlationId = crypto.randomUUID();
  await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId,
    aggregateId: orderAggregateId(orderId),
    aggregateType: "order",
    expectedVersion: "no_stream",
    events: [{
      type: "order.received_from_tiktok",
      data: { order_id: orderId, shop_id: shop.shopId, tiktok_status: status, is_on_hold: status === "ON_HOLD", tiktok_update_time: updateTime },
      metadata: { source: "tiktok_webhook", correlation_id: correlationId },
    }],
  });
  const [received] = await store.readStream(orderAggregateId(orderId));
  return { creatorId, orderId, correlationId, received: received!, simulated };
}

/** What TikTok's webhook brings when the order's status moves (the hold ends, the buyer pays). */
export async function tiktokStatusChanged(order: PlacedOrder, from: TiktokOrderStatus, to: TiktokOrderStatus): Promise<StoredEvent> {
  order.simulated.status = to;
  order.simulated.isOnHold = to === "ON_HOLD";
  order.simulated.updateTime += 1;
  // An order leaving UNPAID has been paid: TikTok's detail now carries the payment time.
  if (from === "UNPAID" && to !== "CANCELLED") order.simulated.paidTime ??= order.simulated.updateTime;
  const result = await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId: order.creatorId,
    aggregateId: orderAggregateId(order.orderId),
    aggregateType: "order",
    events: [{
      type: "order.tiktok_status_changed",
      data: { order_id: order.orderId, previous_status: from, tiktok_status: to, is_on_hold: to === "ON_HOLD", tiktok_update_time: order.simulated.updateTime },
      metadata: { source: "tiktok_webhook", correlation_id: crypto.randomUUID() },
    }],
  });
  return (await store.readStream(orderAggregateId(order.orderId), { fromVersion: result.nextExpectedVersion }))[0]!;
}

export async function buyerCancelled(order: PlacedOrder): Promise<StoredEvent> {
  order.simulated.status = "CANCELLED";
  order.simulated.isOnHold = false;
  const result = await store.appendToStream({ metadata: { source: "automated_system" },
    creatorId: order.creatorId,
    aggregateId: orderAggregateId(order.orderId),
    aggregateType: "order",
    events: [{ type: "order.cancelled", data: { order_id: order.orderId, cancelled_by: "buyer", reason: "No longer needed" }, metadata: { source: "tiktok_webhook", correlation_id: crypto.randomUUID() } }],
  });
  return (await store.readStream(orderAggregateId(order.orderId), { fromVersion: result.nextExpectedVersion }))[0]!;
}

export const orderEvents = (orderId: string) => store.readStream(orderAggregateId(orderId));
export const inventoryEvents = (skuId: string) => store.readStream(inventoryAggregateId(skuId));

export async function alertsFor(creatorId: string): Promise<StoredEvent[]> {
  return store.readStream(`system-${creatorId}`);
}

export async function sagaRow(creatorId: string, orderId: string) {
  const [row] = await sql<{ status: string; step: string; waiting_for: string | null; attempts: number; version: number }[]>`
    select status, step, waiting_for, attempts, version from fulfilment_sagas where creator_id = ${creatorId}::uuid and order_id = ${orderId}`;
  return row;
}

/** A mutable clock shared by the saga and the runner, so retries come due without waiting. */
export function testClock(start = Date.now()) {
  let current = start;
  return { now: () => new Date(current), advance: (ms: number) => { current += ms; } };
}

export type TestClock = ReturnType<typeof testClock>;

export function tiktokClients(): FulfilmentSagaDependencies["tiktok"] {
  return () => createTikTokShopFulfilmentClient({ baseUrl: simulator.url, appKey, appSecret, accessToken: "saga-test-token", shopCipher: shop.shopCipher });
}

export function simulatedProviders(options: { carrier?: Parameters<typeof createSimulatedCarrier>[0]; payments?: Parameters<typeof createSimulatedPaymentGateway>[0] } = {}) {
  return { carrier: createSimulatedCarrier(options.carrier), payments: createSimulatedPaymentGateway(options.payments) };
}

/** The saga's dependencies with the local payment gateway and carrier, on the given clock. */
export function simulatedDependencies(providers: ReturnType<typeof simulatedProviders>, clock: TestClock, extra: Partial<FulfilmentSagaDependencies> = {}): FulfilmentSagaDependencies {
  return { tiktok: tiktokClients(), payments: providers.payments.gateway, carrier: providers.carrier.carrier, now: clock.now, ...extra };
}

export const uniqueConsumerName = () => uniqueId("test-fulfilment-");

/**
 * Places a new consumer at the end of the stream, so it sees only what the test appends next:
 * past every transaction that has started (the snapshot's xmax), not at the last committed
 * event, which leaves it behind whatever another transaction commits after that look.
 */
export async function startAtEndOfStream(consumer: string): Promise<void> {
  await sql`insert into consumer_checkpoints (consumer, transaction_id, position)
            values (${consumer}, pg_snapshot_xmax(pg_current_snapshot()), 0)`;
}

/**
 * The saga as a consumer that sees only this test's creators: test files share the
 * database, and the saga must not act on other files' orders.
 */
export function sagaConsumerFor(creatorIds: string[], dependencies: FulfilmentSagaDependencies, name: string): Consumer {
  const saga = createFulfilmentSaga({ ...dependencies, name });
  const mine = new Set(creatorIds);
  return { ...saga, handleBatch: (events, context) => saga.handleBatch(events.filter((event) => mine.has(event.creatorId)), context) };
}

export function runnerFor(consumer: Consumer, clock: { now: () => Date }, owner = `runner-${consumer.name}`) {
  return createConsumerRunner({ sql, consumers: [consumer], owner, now: clock.now });
}

/** A saga consumer for `creatorIds`, placed at the end of the stream: it sees only what the test appends after this call. */
export async function sagaConsumerAtEnd(creatorIds: string[], dependencies: FulfilmentSagaDependencies, clock: TestClock) {
  const name = uniqueConsumerName();
  await startAtEndOfStream(name);
  return runnerFor(sagaConsumerFor(creatorIds, dependencies, name), clock);
}

/** A fresh creator with a saga consumer at the end of the stream: set it up before placing the test's orders. */
export async function sagaFor(dependenciesOn: (clock: TestClock) => FulfilmentSagaDependencies) {
  const creatorId = newCreatorId();
  const clock = testClock();
  const dependencies = dependenciesOn(clock);
  const runner = await sagaConsumerAtEnd([creatorId], dependencies, clock);
  return { creatorId, clock, dependencies, runner };
}

/** `sagaFor` with the local payment gateway and carrier (configured by `options`), and `extra` dependencies over them. */
export async function sagaWithSimulatedProviders(options: Parameters<typeof simulatedProviders>[0] = {}, extra: Partial<FulfilmentSagaDependencies> = {}) {
  const providers = simulatedProviders(options);
  return { providers, ...(await sagaFor((clock) => simulatedDependencies(providers, clock, extra))) };
}

export const eventTypes = (events: StoredEvent[]) => events.map((event) => event.type);

/** The one event of `type` among `events`; the test fails when there is none or more than one. */
export function onlyEvent<T extends EventType>(events: StoredEvent[], type: T) {
  const matching = events.filter((event): event is Extract<StoredEvent, { type: T }> => event.type === type);
  expect(matching, type).toHaveLength(1);
  return matching[0]!;
}

/** The events the saga appends to an order up to a taken payment, the order's own first. */
export const orderEventsThroughPayment = [
  "order.received_from_tiktok",
  "order.validation_started",
  "order.validated",
  "order.inventory_allocated",
  "order.payment_processed",
] as const;

/** A new SKU with `stock` units counted here, and an order for `units` of it (placed first, as TikTok's webhook comes first). */
export async function orderOfOneSku(creatorId: string, options: { units: number; stock: number } & Omit<Parameters<typeof placeOrder>[0], "creatorId" | "lines">) {
  const { units, stock, ...orderOptions } = options;
  const sku = newSku();
  const order = await placeOrder({ ...orderOptions, creatorId, lines: [{ sku, units }] });
  await stockUp(creatorId, sku.skuId, stock);
  return { sku, order };
}
