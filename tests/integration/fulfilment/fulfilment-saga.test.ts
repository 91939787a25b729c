import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../src/core/event-store/index.ts";
import { FULFILMENT_ALERT_SOURCE, resumeFulfilmentSagas, type Carrier } from "../../../src/core/fulfilment/index.ts";
import { newCreatorId } from "../database.ts";
import { alertsFor, buyerCancelled, eventTypes, inventoryEvents, inventoryOf, newSku, orderOfOneSku, onlyEvent, orderEvents,
  orderEventsThroughPayment, placeOrder, runnerFor, sagaConsumerFor, sagaRow, sagaWithSimulatedProviders, simulatedDependencies, simulatedProviders,
  sql, startAtEndOfStream, stockUp, testClock, tiktokSimulator, tiktokStatusChanged, uniqueConsumerName } from "./saga-harness.ts";

describe("order fulfilment saga", () => {
  it("validates, allocates, takes payment, buys a label and ships on TikTok, each step caused by the one before", async () => {
    const { creatorId, runner, providers } = await sagaWithSimulatedProviders();
    const serum = newSku(1299);
    const scrunchie = newSku(899);
    const order = await placeOrder({ creatorId, lines: [{ sku: serum, units: 2 }, { sku: scrunchie, units: 1 }] });
    await stockUp(order.creatorId, serum.skuId, 10);
    await stockUp(order.creatorId, scrunchie.skuId, 5);

    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events)).toEqual([...orderEventsThroughPayment, "order.label_created", "order.shipped"]);
    const [received, started, validated, allocated, paid, labelled, shipped] = events as [StoredEvent, StoredEvent, StoredEvent, StoredEvent<"order.inventory_allocated">, StoredEvent, StoredEvent, StoredEvent];
    for (const event of events) expect(event.correlationId).toBe(order.correlationId);
    expect(started.causationId).toBe(received.id);
    expect(validated.causationId).toBe(started.id);
    expect(allocated.causationId).toBe(validated.id);
    expect(paid.causationId).toBe(allocated.id);
    expect(labelled.causationId).toBe(paid.id);
    expect(shipped.causationId).toBe(labelled.id);

    expect(validated.data).toMatchObject({ subtotal_minor: 2 * 1299 + 899, shipping_minor: 499, total_minor: 2 * 1299 + 899 + 499, currency: "USD" });
    expect(allocated.data.allocations).toEqual([{ sku_id: serum.skuId, quantity: 2 }, { sku_id: scrunchie.skuId, quantity: 1 }]);
    expect(paid.data).toMatchObject({ amount_minor: 2 * 1299 + 899 + 499 });

    const reservation = onlyEvent(await inventoryEvents(serum.skuId), "inventory.reserved");
    expect(reservation.data).toEqual({ sku_id: serum.skuId, order_id: order.orderId, quantity: 2 });
    expect(reservation.causationId).toBe(validated.id);
    expect(reservation.correlationId).toBe(order.correlationId);
    const shipmentRelease = onlyEvent(await inventoryEvents(serum.skuId), "inventory.released");
    expect(shipmentRelease.data).toMatchObject({ reason: "shipped", quantity: 2 });
    expect(shipmentRelease.causationId).toBe(shipped.id);
    expect(await inventoryOf(serum.skuId)).toMatchObject({ total: 8, reserved: 0 });
    expect(await inventoryOf(scrunchie.skuId)).toMatchObject({ total: 4, reserved: 0 });

    const [label] = providers.carrier.labels();
    expect(labelled.data).toEqual({ order_id: order.orderId, carrier: label!.carrier, label_id: label!.labelId, tracking_number: label!.trackingNumber });
    expect(shipped.data).toMatchObject({ carrier: label!.carrier, tracking_number: label!.trackingNumber });
    // TikTok (the simulator, over signed HTTP) now has the package handed over with our tracking number.
    expect(order.simulated.status).toBe("AWAITING_COLLECTION");
    expect(order.simulated.trackingNumber).toBe(label!.trackingNumber);
    expect(tiktokSimulator().stats.rejected).toBe(0);
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "completed", step: "done" });
    expect(await alertsFor(order.creatorId)).toEqual([]);
  });

  it("resumes after a crash between steps without repeating any completed step", async () => {
    const { creatorId, runner, clock, providers, dependencies } = await sagaWithSimulatedProviders({}, {
      afterStep: ({ step }) => {
        if (step === "pay" && crashes === 0) {
          crashes += 1;
          throw new Error("worker killed after the payment step");
        }
      },
    });
    const { sku, order } = await orderOfOneSku(creatorId, { units: 3, stock: 10 });
    let crashes = 0;
    // The first instance dies right after persisting the payment step.
    await runner.drain({ budgetMs: 30_000 });
    expect(crashes).toBe(1);
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "running", step: "label" });
    expect(providers.carrier.labels()).toEqual([]);

    // A new instance, with the same gateway and carrier, picks the interrupted saga up.
    clock.advance(10 * 60 * 1000);
    const summary = await resumeFulfilmentSagas({ ...dependencies, afterStep: undefined, sql, limit: 1_000 });
    expect(summary.examined).toBeGreaterThanOrEqual(1);

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events)).toEqual([...orderEventsThroughPayment, "order.label_created", "order.shipped"]);
    expect(onlyEvent(events, "order.label_created").causationId).toBe(onlyEvent(events, "order.payment_processed").id);
    onlyEvent(await inventoryEvents(sku.skuId), "inventory.reserved");
    expect(providers.payments.payments()).toHaveLength(1);
    expect(providers.carrier.labels()).toHaveLength(1);
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "completed" });
  });

  it("reuses a label bought just before a crash instead of buying a second one", async () => {
    const creatorId = newCreatorId();
    const name = uniqueConsumerName();
    await startAtEndOfStream(name);
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 10 });
    const providers = simulatedProviders();
    let dieAfterBuying = true;
    // The carrier answers, then the process dies before the label is recorded anywhere.
    const carrierThatOutlivesUs: Carrier = {
      ...providers.carrier.carrier,
      async createLabel(request) {
        const label = await providers.carrier.carrier.createLabel(request);
        if (dieAfterBuying) {
          dieAfterBuying = false;
          throw new Error("worker killed after the carrier answered");
        }
        return label;
      },
    };
    const clock = testClock();
    const dependencies = simulatedDependencies(providers, clock, { carrier: carrierThatOutlivesUs });
    await runnerFor(sagaConsumerFor([order.creatorId], dependencies, name), clock, "first-instance").drain({ budgetMs: 30_000 });
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "running", step: "label" });

    // The consumer runner hands the event over again once its retry is due; a new saga instance takes it.
    clock.advance(5_000);
    await runnerFor(sagaConsumerFor([order.creatorId], dependencies, name), clock, "second-instance").drain({ budgetMs: 30_000 });

    expect(providers.carrier.labels()).toHaveLength(1);
    const events = await orderEvents(order.orderId);
    expect(onlyEvent(events, "order.label_created").data.label_id).toBe(providers.carrier.labels()[0]!.labelId);
    onlyEvent(events, "order.shipped");
    onlyEvent(await inventoryEvents(sku.skuId), "inventory.reserved");
  });

  it("compensates a permanently failing label step in reverse order and raises an alert", async () => {
    const { creatorId, runner, providers } = await sagaWithSimulatedProviders({ carrier: { failLabel: (orderId) => (orderId === order.orderId ? "permanent" : null) } });
    const { sku, order } = await orderOfOneSku(creatorId, { units: 2, stock: 10 });

    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events)).toEqual([
      ...orderEventsThroughPayment,
      "order.fulfilment_failed",
      "order.refunded",
      "order.compensation_completed",
    ]);
    const failed = onlyEvent(events, "order.fulfilment_failed");
    expect(failed.data).toMatchObject({ step: "label", cause: "permanent_error" });
    expect(failed.causationId).toBe(onlyEvent(events, "order.payment_processed").id);
    // The label was never created, so there is none to cancel; the payment goes back, then the stock.
    expect(providers.carrier.labels()).toEqual([]);
    expect(providers.payments.payments()).toMatchObject([{ reversed: true, reversal: "refund" }]);
    const refunded = onlyEvent(events, "order.refunded");
    const released = onlyEvent(await inventoryEvents(sku.skuId), "inventory.released");
    expect(released.data).toMatchObject({ order_id: order.orderId, quantity: 2, reason: "compensation" });
    const [alert] = await alertsFor(order.creatorId);
    expect(alert).toMatchObject({ type: "system.sync_failure_detected", data: { source: FULFILMENT_ALERT_SOURCE, reference: order.orderId } });
    expect(refunded.position).toBeLessThan(released.position);
    expect(released.position).toBeLessThan(onlyEvent(events, "order.compensation_completed").position);
    expect(onlyEvent(events, "order.compensation_completed").position).toBeLessThan(alert!.position);
    for (const event of [refunded, released, alert!]) {
      expect(event.causationId).toBe(failed.id);
      expect(event.correlationId).toBe(order.correlationId);
    }
    expect(onlyEvent(events, "order.compensation_completed").data.compensations).toEqual([
      { step: "pay", action: "payment_refunded", reference: providers.payments.payments()[0]!.reference },
      { step: "allocate", action: "inventory_released", reference: sku.skuId },
    ]);
    expect(await inventoryOf(sku.skuId)).toMatchObject({ total: 10, reserved: 0 });
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "failed" });
  });

  it("cancels the label, voids the payment and releases the stock when TikTok refuses the shipment", async () => {
    const { creatorId, runner, providers } = await sagaWithSimulatedProviders({ payments: { settlement: "authorized" } }, {
      // TikTok forgets the order between the label and the ship call: a permanent failure of the last step.
      afterStep: ({ step }) => {
        if (step === "label") tiktokSimulator().world.orders.delete(order.orderId);
      },
    });
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 3 });

    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events).slice(5)).toEqual([
      "order.label_created",
      "order.fulfilment_failed",
      "order.label_cancelled",
      "order.refunded",
      "order.compensation_completed",
    ]);
    expect(onlyEvent(events, "order.fulfilment_failed").data).toMatchObject({ step: "ship", cause: "permanent_error" });
    expect(providers.carrier.labels()).toMatchObject([{ cancelled: true }]);
    expect(providers.payments.payments()).toMatchObject([{ reversed: true, reversal: "void" }]);
    const released = onlyEvent(await inventoryEvents(sku.skuId), "inventory.released");
    expect(onlyEvent(events, "order.refunded").position).toBeLessThan(released.position);
    const { compensations } = onlyEvent(events, "order.compensation_completed").data as { compensations: { action: string }[] };
    expect(compensations.map((record) => record.action)).toEqual([
      "label_cancelled",
      "payment_voided",
      "inventory_released",
    ]);
    expect(eventTypes(await alertsFor(order.creatorId))).toEqual(["system.sync_failure_detected"]);
  });

  it("retries a transient label failure on the backoff schedule and ships once it succeeds", async () => {
    const { creatorId, runner, providers, clock, dependencies } = await sagaWithSimulatedProviders({ carrier: { failLabel: (_orderId, attempt) => (attempt <= 2 ? "transient" : null) } });
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 3 });

    await runner.drain({ budgetMs: 30_000 });
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "waiting", waiting_for: "retry", step: "label", attempts: 1 });
    expect(await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 })).toMatchObject({ completed: 0 });

    clock.advance(1_000);
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ waiting_for: "retry", attempts: 2 });
    clock.advance(2_000);
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });

    expect(providers.carrier.attempts(order.orderId)).toBe(3);
    expect(providers.carrier.labels()).toHaveLength(1);
    onlyEvent(await orderEvents(order.orderId), "order.shipped");
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "completed", attempts: 0 });
  });

  it("holds an ON_HOLD order before the label and ships it only when TikTok ends the hold", async () => {
    const { creatorId, runner, providers, dependencies } = await sagaWithSimulatedProviders();
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 5, status: "ON_HOLD" });

    await runner.drain({ budgetMs: 30_000 });
    expect(eventTypes(await orderEvents(order.orderId))).toEqual(orderEventsThroughPayment);
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "waiting", waiting_for: "hold_release", step: "label" });
    expect(await inventoryOf(sku.skuId)).toMatchObject({ reserved: 1 });
    // The scheduler looking in during the hour changes nothing.
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });
    expect(providers.carrier.labels()).toEqual([]);
    expect(order.simulated.status).toBe("ON_HOLD");

    const holdEnded = await tiktokStatusChanged(order, "ON_HOLD", "AWAITING_SHIPMENT");
    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events).slice(-3)).toEqual(["order.tiktok_status_changed", "order.label_created", "order.shipped"]);
    expect(onlyEvent(events, "order.label_created").causationId).toBe(holdEnded.id);
    expect(onlyEvent(events, "order.label_created").correlationId).toBe(order.correlationId);
    expect(order.simulated.status).toBe("AWAITING_COLLECTION");
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "completed" });
  });

  it("waits for an unpaid order to be paid before confirming the payment", async () => {
    const { creatorId, runner, providers } = await sagaWithSimulatedProviders();
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 5, status: "UNPAID" });

    await runner.drain({ budgetMs: 30_000 });
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "waiting", waiting_for: "payment", step: "pay" });
    expect(await inventoryOf(sku.skuId)).toMatchObject({ reserved: 1 });
    expect(providers.payments.payments()).toEqual([]);

    await tiktokStatusChanged(order, "UNPAID", "AWAITING_SHIPMENT");
    await runner.drain({ budgetMs: 30_000 });
    expect(providers.payments.payments()).toHaveLength(1);
    onlyEvent(await orderEvents(order.orderId), "order.shipped");
  });

  it("releases the reserved stock when the buyer cancels during the hold, without an alert", async () => {
    const { creatorId, runner, providers } = await sagaWithSimulatedProviders();
    const { sku, order } = await orderOfOneSku(creatorId, { units: 2, stock: 4, status: "ON_HOLD" });
    await runner.drain({ budgetMs: 30_000 });
    expect(await inventoryOf(sku.skuId)).toMatchObject({ reserved: 2 });

    const cancelled = await buyerCancelled(order);
    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events).slice(-4)).toEqual(["order.cancelled", "order.fulfilment_failed", "order.refunded", "order.compensation_completed"]);
    const failed = onlyEvent(events, "order.fulfilment_failed");
    expect(failed.data).toMatchObject({ cause: "cancelled", step: "label" });
    expect(failed.causationId).toBe(cancelled.id);
    const released = onlyEvent(await inventoryEvents(sku.skuId), "inventory.released");
    expect(released.data).toMatchObject({ quantity: 2, reason: "cancelled" });
    expect(released.causationId).toBe(failed.id);
    expect(await inventoryOf(sku.skuId)).toMatchObject({ total: 4, reserved: 0 });
    expect(providers.carrier.labels()).toEqual([]);
    expect(providers.payments.payments()).toMatchObject([{ reversed: true }]);
    expect(await alertsFor(order.creatorId)).toEqual([]);
    expect(await sagaRow(order.creatorId, order.orderId)).toMatchObject({ status: "cancelled" });
  });

  it("fails an order TikTok cannot stock and gives back the SKUs it did reserve", async () => {
    const { creatorId, runner, providers } = await sagaWithSimulatedProviders();
    const plenty = newSku();
    const scarce = newSku();
    const order = await placeOrder({ creatorId, lines: [{ sku: plenty, units: 1 }, { sku: scarce, units: 3 }] });
    await stockUp(order.creatorId, plenty.skuId, 5);
    await stockUp(order.creatorId, scarce.skuId, 2);

    await runner.drain({ budgetMs: 30_000 });

    expect(onlyEvent(await orderEvents(order.orderId), "order.fulfilment_failed").data).toMatchObject({ step: "allocate", cause: "permanent_error" });
    expect(onlyEvent(await inventoryEvents(plenty.skuId), "inventory.released").data).toMatchObject({ reason: "compensation" });
    expect(eventTypes(await inventoryEvents(scarce.skuId))).not.toContain("inventory.reserved");
    expect(await inventoryOf(plenty.skuId)).toMatchObject({ total: 5, reserved: 0 });
    expect(providers.payments.payments()).toEqual([]);
    expect(eventTypes(await alertsFor(order.creatorId))).toEqual(["system.sync_failure_detected"]);
  });

  it("gives up on a step that keeps failing transiently, compensates and raises an alert", async () => {
    const { creatorId, runner, clock, providers, dependencies } = await sagaWithSimulatedProviders(
      { carrier: { failLabel: () => "transient" } },
      { stepRetry: { maxAttempts: 2, initialDelayMs: 1_000, maxDelayMs: 1_000 } },
    );
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 3 });

    await runner.drain({ budgetMs: 30_000 });
    clock.advance(1_000);
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });

    expect(providers.carrier.attempts(order.orderId)).toBe(2);
    expect(onlyEvent(await orderEvents(order.orderId), "order.fulfilment_failed").data).toMatchObject({ step: "label", cause: "retries_exhausted" });
    expect(onlyEvent(await inventoryEvents(sku.skuId), "inventory.released").data).toMatchObject({ reason: "compensation" });
    expect(await alertsFor(creatorId)).toMatchObject([{ type: "system.sync_failure_detected", data: { source: FULFILMENT_ALERT_SOURCE, reference: order.orderId } }]);
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "failed" });
  });

  it("alerts on a saga left waiting too long and reports its recovery when it ships", async () => {
    const { creatorId, runner, clock, dependencies } = await sagaWithSimulatedProviders();
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 3, status: "ON_HOLD" });
    await runner.drain({ budgetMs: 30_000 });

    clock.advance(30 * 60 * 1000);
    expect(await resumeFulfilmentSagas({ ...dependencies, sql, stuckAfterMs: 2 * 60 * 60 * 1000, limit: 1_000 })).toMatchObject({ alerted: 0 });
    clock.advance(2 * 60 * 60 * 1000);
    await resumeFulfilmentSagas({ ...dependencies, sql, stuckAfterMs: 2 * 60 * 60 * 1000, limit: 1_000 });
    await resumeFulfilmentSagas({ ...dependencies, sql, stuckAfterMs: 2 * 60 * 60 * 1000, limit: 1_000 });
    const [stuck] = await alertsFor(creatorId);
    expect(stuck).toMatchObject({ type: "system.sync_failure_detected", data: { source: FULFILMENT_ALERT_SOURCE, reference: order.orderId } });

    await tiktokStatusChanged(order, "ON_HOLD", "AWAITING_SHIPMENT");
    await runner.drain({ budgetMs: 30_000 });
    expect(eventTypes(await alertsFor(creatorId))).toEqual(["system.sync_failure_detected", "system.recovery_completed"]);
    expect((await alertsFor(creatorId))[1]!.data).toMatchObject({ component: order.orderId });
  });
});
