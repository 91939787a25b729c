// The fulfilment saga with the providers chooseFulfilmentProviders picks, against the
// TikTok Shop simulator over signed HTTP: TikTok's payment record, TikTok's shipping, the
// simulated carrier only with the local setting, and needs_configuration (with nothing
// sent to TikTok) where no carrier is configured.
import { describe, expect, it } from "vitest";
import {
  chooseFulfilmentProviders,
  createFulfilmentProviders,
  createSimulatedCarrier,
  resumeFulfilmentSagas,
  type FulfilmentSagaDependencies,
} from "../../../src/core/fulfilment/index.ts";
import { readSystemHealth } from "../../../src/server/admin/system-health.ts";
import type { RecordedApiRequest } from "../../../src/simulator/api-server.ts";
import { alertsFor, buyerCancelled, eventTypes, inventoryEvents, inventoryOf, newSku, orderOfOneSku, onlyEvent, orderEvents,
  orderEventsThroughPayment, placeOrder, sagaFor, sagaRow, sql, stockUp, tiktokClients, tiktokSimulator, tiktokStatusChanged, type PlacedOrder } from "./saga-harness.ts";

/** What the simulated TikTok received about this order's package since `from`: every fulfilment call. */
function fulfilmentCallsFor(packageId: string, from: number): RecordedApiRequest[] {
  return tiktokSimulator().requests.slice(from).filter((request) => request.path.startsWith(`/fulfillment/202309/packages/${packageId}/`));
}

const packageIdOf = (order: PlacedOrder) => `1152${order.orderId.slice(-15)}`;

/** A saga consumer wired as process-events wires it, from FULFILMENT_PROVIDERS and the TikTok API's address. */
async function sagaWith(settings: { providers: string | undefined; tiktokApiBaseUrl: string }, overrides: Partial<FulfilmentSagaDependencies> = {}) {
  const tiktok = tiktokClients();
  const choice = chooseFulfilmentProviders(settings);
  const saga = await sagaFor((clock) => ({ tiktok, ...createFulfilmentProviders(choice, { tiktok }), now: clock.now, ...overrides }));
  return { ...saga, choice, requestsBefore: tiktokSimulator().requests.length };
}

const production = { providers: undefined, tiktokApiBaseUrl: "https://open-api.tiktokglobalshop.com" };
const localStack = () => ({ providers: "simulated", tiktokApiBaseUrl: tiktokSimulator().url });

describe("fulfilment with the local stack's providers (FULFILMENT_PROVIDERS=simulated)", () => {
  it("records TikTok's payment with TikTok's amounts, and ships with the simulated carrier under TikTok's id for it", async () => {
    const { creatorId, choice, runner, requestsBefore } = await sagaWith(localStack());
    expect(choice.sellerShipping).toBe("simulated_carrier");
    const sku = newSku(1299);
    const order = await placeOrder({ creatorId, lines: [{ sku, units: 2 }], taxMinor: 231 });
    await stockUp(creatorId, sku.skuId, 5);

    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events)).toEqual([...orderEventsThroughPayment, "order.label_created", "order.shipped"]);
    expect(onlyEvent(events, "order.payment_processed").data).toEqual({
      order_id: order.orderId,
      amount_minor: 2 * 1299 + 499,
      currency: "USD",
      payment_reference: `tiktok-order-${order.orderId}`,
      collected_by: "tiktok",
      paid_time: order.simulated.paidTime,
      tax_minor: 231,
      buyer_total_minor: 2 * 1299 + 499 + 231,
    });
    const label = onlyEvent(events, "order.label_created").data as { carrier: string; tracking_number: string };
    expect(label.carrier).toBe("SimPost");
    const [ship, ...more] = fulfilmentCallsFor(packageIdOf(order), requestsBefore);
    expect(more).toEqual([]);
    expect(ship).toMatchObject({ method: "POST", path: `/fulfillment/202309/packages/${packageIdOf(order)}/ship`, status: 200 });
    // The provider id is the one TikTok lists for SimPost on the order's delivery option.
    expect(JSON.parse(ship!.body)).toMatchObject({ self_shipment: { tracking_number: label.tracking_number, shipping_provider_id: "6617675021119438849" } });
    expect(order.simulated).toMatchObject({ status: "AWAITING_COLLECTION", trackingNumber: label.tracking_number });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "completed" });
  });

  it("does not confirm a payment TikTok has not reported, though the order's events say it is due, and goes on once TikTok has it", async () => {
    const { creatorId, clock, dependencies, runner } = await sagaWith(localStack());
    const sku = newSku();
    const order = await placeOrder({ creatorId, lines: [{ sku, units: 1 }] });
    delete order.simulated.paidTime;
    await stockUp(creatorId, sku.skuId, 5);

    await runner.drain({ budgetMs: 30_000 });
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });

    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "waiting", waiting_for: "payment", step: "pay" });
    expect(eventTypes(await orderEvents(order.orderId))).not.toContain("order.payment_processed");
    expect(await inventoryOf(sku.skuId)).toMatchObject({ reserved: 1 });

    order.simulated.paidTime = order.simulated.updateTime + 60;
    clock.advance(5_000);
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });

    expect(onlyEvent(await orderEvents(order.orderId), "order.payment_processed").data).toMatchObject({ paid_time: order.simulated.paidTime, collected_by: "tiktok" });
    onlyEvent(await orderEvents(order.orderId), "order.shipped");
  });

  it("waits for an UNPAID order and records TikTok's payment once the buyer pays", async () => {
    const { creatorId, runner } = await sagaWith(localStack());
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 5, status: "UNPAID" });

    await runner.drain({ budgetMs: 30_000 });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "waiting", waiting_for: "payment" });
    expect(eventTypes(await orderEvents(order.orderId))).not.toContain("order.payment_processed");

    await tiktokStatusChanged(order, "UNPAID", "AWAITING_SHIPMENT");
    await runner.drain({ budgetMs: 30_000 });
    expect(onlyEvent(await orderEvents(order.orderId), "order.payment_processed").data).toMatchObject({ paid_time: order.simulated.paidTime });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "completed" });
  });
});

describe("fulfilment with production settings (FULFILMENT_PROVIDERS unset)", () => {
  it("stops an order the seller ships in needs_configuration: no label, no tracking number, no ship call reaches TikTok", async () => {
    const { creatorId, choice, dependencies, runner, requestsBefore } = await sagaWith(production);
    expect(choice.sellerShipping).toBe("unconfigured");
    expect(dependencies.carrier).toBeNull();
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 5, shippingType: "SELLER" });

    await runner.drain({ budgetMs: 30_000 });
    // The scheduler looking in changes nothing: a saga waiting for configuration is not retried.
    await resumeFulfilmentSagas({ ...dependencies, sql, limit: 1_000 });
    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events)).toEqual([...orderEventsThroughPayment, "order.fulfilment_paused"]);
    expect(onlyEvent(events, "order.fulfilment_paused").data).toMatchObject({ order_id: order.orderId, step: "label", reason: "configuration_required", missing: "carrier" });
    expect(onlyEvent(events, "order.payment_processed").data).toMatchObject({ collected_by: "tiktok" });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "needs_configuration", step: "label", waiting_for: null });

    // TikTok saw reads only: nothing about the package, no tracking number anywhere.
    const received = tiktokSimulator().requests.slice(requestsBefore);
    expect(fulfilmentCallsFor(packageIdOf(order), requestsBefore)).toEqual([]);
    expect(received.filter((request) => request.path.endsWith("/ship") || request.body.includes("tracking_number"))).toEqual([]);
    expect(order.simulated).toMatchObject({ status: "AWAITING_SHIPMENT" });
    expect(order.simulated.trackingNumber).toBeUndefined();
    // The stock stays reserved for the order, and the admin's health page lists it.
    expect(await inventoryOf(sku.skuId)).toMatchObject({ reserved: 1 });
    const health = await readSystemHealth(sql, { now: new Date() });
    expect(health.fulfilmentNeedingConfiguration.sagas).toContainEqual(expect.objectContaining({ creatorId, orderId: order.orderId, step: "label", missing: "carrier" }));
    expect(await alertsFor(creatorId)).toEqual([]);
  });

  it("undoes a saga waiting for configuration when the buyer cancels, leaving the payment with TikTok", async () => {
    const { creatorId, runner } = await sagaWith(production);
    const { sku, order } = await orderOfOneSku(creatorId, { units: 2, stock: 5 });
    await runner.drain({ budgetMs: 30_000 });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "needs_configuration" });

    await buyerCancelled(order);
    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events).slice(-3)).toEqual(["order.cancelled", "order.fulfilment_failed", "order.compensation_completed"]);
    expect(onlyEvent(events, "order.compensation_completed").data.compensations).toEqual([
      { step: "pay", action: "payment_held_by_tiktok", reference: `tiktok-order-${order.orderId}` },
      { step: "allocate", action: "inventory_released", reference: sku.skuId },
    ]);
    // TikTok refunds the buyer of a cancelled order itself: the saga records no refund of its own.
    expect(eventTypes(events)).not.toContain("order.refunded");
    expect(onlyEvent(await inventoryEvents(sku.skuId), "inventory.released").data).toMatchObject({ reason: "cancelled", quantity: 2 });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "cancelled" });
    expect(await alertsFor(creatorId)).toEqual([]);
  });

  it("ships an order TikTok's shipping carries through TikTok's fulfilment API, with TikTok's label and tracking number", async () => {
    const { creatorId, runner, requestsBefore } = await sagaWith(production);
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 5, shippingType: "TIKTOK" });

    await runner.drain({ budgetMs: 30_000 });

    const events = await orderEvents(order.orderId);
    expect(eventTypes(events).slice(-2)).toEqual(["order.label_created", "order.shipped"]);
    const packageId = packageIdOf(order);
    expect(fulfilmentCallsFor(packageId, requestsBefore).map((request) => [request.method, request.path, request.body, request.status])).toEqual([
      ["POST", `/fulfillment/202309/packages/${packageId}/ship`, "{}", 200],
      ["GET", `/fulfillment/202309/packages/${packageId}/shipping_documents`, "", 200],
    ]);
    // The tracking number is the one TikTok made when its shipping took the package.
    expect(order.simulated.trackingNumber).toEqual(expect.any(String));
    expect(onlyEvent(events, "order.label_created").data).toEqual({
      order_id: order.orderId,
      carrier: "TikTok Shipping",
      label_id: `tiktok-package-${packageId}`,
      tracking_number: order.simulated.trackingNumber,
    });
    expect(onlyEvent(events, "order.shipped").data).toMatchObject({ tracking_number: order.simulated.trackingNumber });
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "completed" });
  });

  it("stops before buying a label from a carrier TikTok does not list for the order's delivery option", async () => {
    const acme = createSimulatedCarrier({ name: "AcmePost" });
    const { creatorId, runner, requestsBefore } = await sagaWith(production, { carrier: acme.carrier });
    const { sku, order } = await orderOfOneSku(creatorId, { units: 1, stock: 5 });

    await runner.drain({ budgetMs: 30_000 });

    expect(onlyEvent(await orderEvents(order.orderId), "order.fulfilment_paused").data).toMatchObject({ missing: "shipping_provider", detail: expect.stringMatching(/AcmePost .*SimPost, USPS/) });
    expect(acme.labels()).toEqual([]);
    expect(fulfilmentCallsFor(packageIdOf(order), requestsBefore)).toEqual([]);
    expect(await sagaRow(creatorId, order.orderId)).toMatchObject({ status: "needs_configuration" });
  });
});
