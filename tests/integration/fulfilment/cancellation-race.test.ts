// A cancellation that lands while the saga reserves the order's stock: no reservation may
// outlive the order, whichever run of the saga sees the cancellation first. Run A is the
// saga as the scheduler's resume runs it (advanceSaga), with the event store it appends
// through interleaving the cancellation at the moment its reservation is about to land;
// run B is the saga consumer, as process-events runs it, reacting to that cancellation.
// The same for an order shipped without the saga (in Seller Center, or by TikTok) meanwhile.
// And a cancelled order's stock goes back even when undoing another step fails for good.
import { describe, expect, it } from "vitest";
import type { EventStore } from "../../../src/core/event-store/index.ts";
import { createSagaStore, createSimulatedCarrier, ExternalServiceError } from "../../../src/core/fulfilment/index.ts";
import { advanceSaga } from "../../../src/core/fulfilment/saga-runner.ts";
import { inventoryAggregateId } from "../../../src/core/inventory/events.ts";
import { orderAggregateId } from "../../../src/core/orders/events.ts";
import { newCreatorId } from "../database.ts";
import {
  alertsFor,
  buyerCancelled,
  inventoryEvents,
  inventoryOf,
  newSku,
  orderOfOneSku,
  orderEvents,
  placeOrder,
  sagaConsumerAtEnd,
  sagaRow,
  sagaWithSimulatedProviders,
  simulatedDependencies,
  simulatedProviders,
  sql,
  stockUp,
  store,
  testClock,
} from "./saga-harness.ts";

/** The real store, except that `interleave` runs once, just before or just after the first reservation on `skuId` is appended. */
function storeInterleaving(skuId: string, moment: "before" | "after", interleave: () => Promise<void>): EventStore {
  let done = false;
  return {
    ...store,
    async appendToStream(input) {
      const reserving = !done && input.aggregateId === inventoryAggregateId(skuId) && input.events.some((event) => event.type === "inventory.reserved");
      if (reserving) done = true;
      if (reserving && moment === "before") await interleave();
      const result = await store.appendToStream(input);
      if (reserving && moment === "after") await interleave();
      return result;
    },
  };
}

/** The SKU's reservations and releases, in order, as [type, data]. */
async function holdsOn(skuId: string) {
  const holds = (await inventoryEvents(skuId)).filter((event) => event.type === "inventory.reserved" || event.type === "inventory.released");
  return holds.map((event) => [event.type, event.data]);
}

async function sagaUnderTest() {
  const creatorId = newCreatorId();
  const clock = testClock();
  const dependencies = simulatedDependencies(simulatedProviders(), clock);
  const { sku, order } = await orderOfOneSku(creatorId, { units: 2, stock: 4 });
  const sagas = createSagaStore(sql);
  await sagas.start({ creatorId, orderId: order.orderId, correlationId: order.correlationId, causeEventId: order.received.id, now: clock.now() });
  return { creatorId, clock, dependencies, sku, order, sagas };
}

type SagaUnderTest = Awaited<ReturnType<typeof sagaUnderTest>>;

/**
 * Run A reserves the order's stock; just before its reservation lands, `meanwhile` happens and
 * run B (the saga consumer) drains it, leaving the saga `status`; then run A goes on.
 */
async function reserveWhileAnotherRunFinishes(meanwhile: (saga: SagaUnderTest) => Promise<unknown>, status: "cancelled" | "completed"): Promise<SagaUnderTest> {
  const saga = await sagaUnderTest();
  const { creatorId, clock, dependencies, sku, order, sagas } = saga;
  const consumer = await sagaConsumerAtEnd([creatorId], dependencies, clock);
  const interleaved = storeInterleaving(sku.skuId, "before", async () => {
    await meanwhile(saga);
    await consumer.drain({ budgetMs: 30_000 });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status });
  });
  await advanceSaga({ store: interleaved, sagas, dependencies }, creatorId, order.orderId);
  return saga;
}

describe("a cancellation landing while the saga reserves stock", () => {
  it("leaves no reservation when another run of the saga compensates before the reservation lands", async () => {
    // The consumer sees the cancellation and compensates to the end while run A is about to reserve.
    const { creatorId, sku, order } = await reserveWhileAnotherRunFinishes(({ order }) => buyerCancelled(order), "cancelled");

    expect(await holdsOn(sku.skuId)).toEqual([
      ["inventory.reserved", { sku_id: sku.skuId, order_id: order.orderId, quantity: 2 }],
      ["inventory.released", { sku_id: sku.skuId, order_id: order.orderId, quantity: 2, reason: "cancelled" }],
    ]);
    expect(await inventoryOf(sku.skuId)).toMatchObject({ total: 4, reserved: 0, reservations: {} });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "cancelled" });
    expect(await alertsFor(creatorId)).toEqual([]);
  });

  it("gives the stock back and records a cancellation, not a failed allocation, when the order closes after reserving", async () => {
    const { creatorId, dependencies, sku, order, sagas } = await sagaUnderTest();
    const interleaved = storeInterleaving(sku.skuId, "after", async () => {
      await buyerCancelled(order);
    });

    await advanceSaga({ store: interleaved, sagas, dependencies }, creatorId, order.orderId);

    const failed = (await orderEvents(order.orderId)).filter((event) => event.type === "order.fulfilment_failed");
    expect(failed.map((event) => event.data)).toEqual([
      { order_id: order.orderId, step: "allocate", cause: "cancelled", reason: `order ${order.orderId} was cancelled while its stock was being reserved` },
    ]);
    expect((await orderEvents(order.orderId)).some((event) => event.type === "order.inventory_allocated")).toBe(false);
    expect(await inventoryOf(sku.skuId)).toMatchObject({ total: 4, reserved: 0, reservations: {} });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "cancelled" });
    expect(await alertsFor(creatorId)).toEqual([]);
  });

  it("gives a cancelled order's stock back even when another compensation cannot finish", async () => {
    let order: Awaited<ReturnType<typeof placeOrder>> | undefined;
    const refusing = createSimulatedCarrier();
    const { creatorId, runner: consumer } = await sagaWithSimulatedProviders({}, {
      // The carrier refuses to cancel the label: undoing the label step fails for good.
      carrier: { ...refusing.carrier, cancelLabel: async () => { throw new ExternalServiceError("carrier", true, "the label was already handed over"); } },
      // The buyer cancels once the label is bought.
      afterStep: async ({ step }) => {
        if (step === "label" && order) await buyerCancelled(order);
      },
    });
    const sku = newSku();
    order = await placeOrder({ creatorId, lines: [{ sku, units: 2 }] });
    await stockUp(creatorId, sku.skuId, 4);

    await consumer.drain({ budgetMs: 30_000 });

    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "failed" });
    expect(await inventoryOf(sku.skuId)).toMatchObject({ total: 4, reserved: 0, reservations: {} });
    const alerts = (await alertsFor(creatorId)).map((event) => event.data as { reason: string });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.reason).toContain("could not finish: carrier: the label was already handed over");
  });

  it("lets the units leave with an order shipped elsewhere while another run of the saga finished it before the reservation landed", async () => {
    // The seller ships it in Seller Center; the consumer finishes the saga as shipped elsewhere.
    const shipInSellerCenter = async ({ creatorId, order }: SagaUnderTest) => {
      order.simulated.status = "AWAITING_COLLECTION";
      await store.appendToStream({ metadata: { source: "automated_system" },
        creatorId,
        aggregateId: orderAggregateId(order.orderId),
        aggregateType: "order",
        events: [{ type: "order.shipped", data: { order_id: order.orderId, tiktok_status: "AWAITING_COLLECTION" }, metadata: { source: "tiktok_webhook", correlation_id: crypto.randomUUID() } }],
      });
    };
    const { creatorId, sku, order } = await reserveWhileAnotherRunFinishes(shipInSellerCenter, "completed");

    expect(await holdsOn(sku.skuId)).toEqual([
      ["inventory.reserved", { sku_id: sku.skuId, order_id: order.orderId, quantity: 2 }],
      ["inventory.released", { sku_id: sku.skuId, order_id: order.orderId, quantity: 2, reason: "shipped" }],
    ]);
    expect(await inventoryOf(sku.skuId)).toMatchObject({ total: 2, reserved: 0, reservations: {} });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "completed" });
  });
});
