// The five steps of the fulfilment saga, each returning what to persist once it is done:
// validate the order with TikTok, reserve its stock, confirm the payment, get a shipping
// label, ship the package on TikTok. Each is idempotent: commands carry deterministic ids
// (saga:<orderId>:reserve:<sku>) and the gateway and carrier take idempotency keys, so a
// step repeated after a crash finds its own earlier work instead of doing it twice.
import { InsufficientStock } from "../inventory/inventory.ts";
import type { OrderState } from "../orders/order.ts";
import { decimalAmountToMinor, orderItemsFromLineItems, type TikTokOrderDetail } from "../channels/tiktok-shop/api-client.ts";
import { orderShippingOf } from "../channels/tiktok-shop/fulfilment-api.ts";
import { normalizeOrderStatus } from "../channels/tiktok-shop/order-status.ts";
import { notEnoughStockReason } from "./allocation-failure.ts";
import type { FulfilmentStep } from "./events.ts";
import { errorMessage, StepFailure } from "./saga-errors.ts";
import { releaseReservations } from "./saga-compensations.ts";
import { confirmShipmentOfHeldStock, latestOrderEvent, loadOrder, onInventory, onOrder, orderCommand, recordOnce, tiktokOrder, type SagaRun } from "./saga-run.ts";
import { progressOf, unitsBySku, type FulfilmentSagaState } from "./saga-state.ts";
import type { SagaChanges } from "./saga-store.ts";
import { carrierLabel, tiktokShippingLabel } from "./shipping-labels.ts";

export async function runStep(run: SagaRun, saga: FulfilmentSagaState, order: OrderState, step: FulfilmentStep): Promise<SagaChanges> {
  switch (step) {
    case "validate":
      return validate(run, saga, order);
    case "allocate":
      return allocate(run, saga);
    case "pay":
      return pay(run, saga, order);
    case "label":
      return createLabel(run, saga, order);
    case "ship":
      return ship(run, saga, order);
    default: {
      const unhandled: never = step;
      throw new Error(`Unknown step ${String(unhandled)}`);
    }
  }
}

function amountsOf(orderId: string, detail: TikTokOrderDetail) {
  const currency = detail.payment.currency;
  try {
    return {
      items: orderItemsFromLineItems(detail.line_items),
      subtotalMinor: decimalAmountToMinor(detail.payment.sub_total, currency),
      shippingMinor: decimalAmountToMinor(detail.payment.shipping_fee, currency),
      currency,
    };
  } catch (error) {
    throw new StepFailure(true, `TikTok's amounts for order ${orderId} are unusable: ${errorMessage(error)}`);
  }
}

async function validate(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
  const startedId = await onOrder(run, saga, "start-validation", saga.causeEventId, "order.validation_started", orderCommand({ type: "StartValidation", orderId: saga.orderId }));
  const { detail } = await tiktokOrder(run, saga, order);
  const { items, subtotalMinor, shippingMinor, currency } = amountsOf(saga.orderId, detail);
  const validatedId = await onOrder(run, saga, "record-validation", startedId, "order.validated",
    orderCommand({ type: "RecordValidation", orderId: saga.orderId, items, subtotalMinor, shippingMinor, currency }));
  return {
    step: "allocate",
    causeEventId: validatedId,
    progress: { ...saga.progress, items, totalMinor: subtotalMinor + shippingMinor, currency },
  };
}

/**
 * Reserves the order's units, unless the order is closed. The rule (README, "Cancelled
 * orders give their stock back"): no reservation outlives its order's cancellation or its
 * shipment. Either can land at any moment, and another run of the same saga (the
 * scheduler's resume beside the consumer) may compensate, or finish the order as shipped
 * elsewhere, while this one reserves; its release finds nothing if it runs before our
 * reservation lands. So the order is read again after reserving: closed by then, this step
 * gives back what it reserved itself; shipped by then (in Seller Center, or by TikTok), the
 * units left with it. Either the other run's release comes after the reservation (and takes
 * it back), or the cancellation or shipment was recorded before it (and this re-read sees it).
 */
async function allocate(run: SagaRun, saga: FulfilmentSagaState): Promise<SagaChanges> {
  // Closed since this round read it: nothing to reserve, and nothing that failed. Shipped
  // since: nothing to reserve either; the next round finishes the saga as shipped elsewhere.
  const before = progressOf(await loadOrder(run, saga.orderId));
  if (before === "closed") throw closedDuring(saga, "before its stock was reserved");
  if (before === "shipped") return {};
  const allocations = unitsBySku(saga.progress.items ?? []);
  for (const { sku_id, quantity } of allocations) {
    try {
      await onInventory(run, saga, `reserve:${sku_id}`, saga.causeEventId, { type: "Reserve", skuId: sku_id, orderId: saga.orderId, quantity });
    } catch (error) {
      if (!(error instanceof InsufficientStock)) throw error;
      const productName = (saga.progress.items ?? []).find((item) => item.sku_id === sku_id && item.product_name)?.product_name;
      throw new StepFailure(true, notEnoughStockReason({ skuId: sku_id, productName, needed: quantity, available: error.available }), "permanent_error", sku_id);
    }
  }
  const progress = progressOf(await loadOrder(run, saga.orderId));
  if (progress === "closed") {
    const cancelled = await latestOrderEvent(run, saga.orderId, "order.cancelled");
    await releaseReservations(run, saga, "cancelled", cancelled?.id ?? saga.causeEventId);
    throw closedDuring(saga, "while its stock was being reserved");
  }
  if (progress === "shipped") {
    // The next round finishes the saga as shipped elsewhere; the units leave now, whoever finishes it.
    const shipped = await latestOrderEvent(run, saga.orderId, "order.shipped");
    await confirmShipmentOfHeldStock(run, { ...saga, progress: { ...saga.progress, allocations } }, shipped?.id ?? saga.causeEventId);
    return { progress: { ...saga.progress, allocations } };
  }
  const allocatedId = await onOrder(run, saga, "record-allocation", saga.causeEventId, "order.inventory_allocated",
    orderCommand({ type: "RecordAllocation", orderId: saga.orderId, allocations }));
  return { step: "pay", causeEventId: allocatedId, progress: { ...saga.progress, allocations } };
}

const closedDuring = (saga: FulfilmentSagaState, when: string) => new StepFailure(true, `order ${saga.orderId} was cancelled ${when}`, "cancelled");

async function pay(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
  if (!order.shopId) throw new StepFailure(true, `order ${saga.orderId} names no shop`);
  const payment = await run.dependencies.payments.confirmPayment({
    orderId: saga.orderId,
    shop: { creatorId: saga.creatorId, shopId: order.shopId },
    amountMinor: saga.progress.totalMinor ?? 0,
    currency: saga.progress.currency ?? "USD",
    idempotencyKey: `saga:${saga.orderId}:payment`,
  });
  // The provider's amounts, not the saga's: the order refuses a payment that does not match what was validated.
  const collectedByTikTok = payment.tiktok
    ? { paidTime: payment.tiktok.paidTime, taxMinor: payment.tiktok.taxMinor, buyerTotalMinor: payment.tiktok.totalAmountMinor }
    : undefined;
  const paidId = await onOrder(run, saga, "record-payment", saga.causeEventId, "order.payment_processed",
    orderCommand({ type: "RecordPayment", orderId: saga.orderId, amountMinor: payment.amountMinor, currency: payment.currency, paymentReference: payment.reference, ...(collectedByTikTok ? { collectedByTikTok } : {}) }));
  return { step: "label", causeEventId: paidId, progress: { ...saga.progress, payment } };
}

async function createLabel(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
  const { client, detail } = await tiktokOrder(run, saga, order);
  const tiktokStatus = normalizeOrderStatus(detail.status);
  // Our events may have seen the hold end (or the payment) before TikTok's API does: no label until TikTok agrees.
  if (tiktokStatus === "ON_HOLD" || tiktokStatus === "UNPAID") throw new StepFailure(false, `TikTok still reports order ${saga.orderId} as ${tiktokStatus}`);
  const shipping = orderShippingOf(detail);
  const packageId = shipping.packageIds[0];
  if (!packageId) throw new StepFailure(false, `TikTok has not made a package for order ${saga.orderId} yet`);
  const label = shipping.shippedBy === "tiktok"
    ? await tiktokShippingLabel(client, detail, shipping, packageId)
    : await carrierLabel(run.dependencies.carrier, client, saga, shipping, packageId);
  const labelId = await onOrder(run, saga, "record-label", saga.causeEventId, "order.label_created",
    recordOnce({ type: "order.label_created", data: { order_id: saga.orderId, carrier: label.carrier, label_id: label.labelId, tracking_number: label.trackingNumber } }));
  return { step: "ship", causeEventId: labelId, progress: { ...saga.progress, label } };
}

async function ship(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
  const label = saga.progress.label;
  if (!label) throw new StepFailure(true, `order ${saga.orderId} has no shipping label to ship with`);
  if (order.status !== "shipped" && order.status !== "delivered" && order.status !== "completed") {
    const { client, detail } = await tiktokOrder(run, saga, order);
    const tiktokStatus = normalizeOrderStatus(detail.status);
    // TikTok may still hold the order though its status change has not reached us: wait for it.
    if (tiktokStatus === "ON_HOLD" || tiktokStatus === "UNPAID") throw new StepFailure(false, `TikTok still reports order ${saga.orderId} as ${tiktokStatus}`);
    const packageId = label.packageId ?? orderShippingOf(detail).packageIds[0];
    if (!packageId) throw new StepFailure(false, `TikTok has not made a package for order ${saga.orderId} yet`);
    if (label.madeBy === "tiktok") {
      // TikTok's shipping took the package when it made the label; arrange it again only if TikTok has no handover for it.
      if (tiktokStatus === "AWAITING_SHIPMENT" && !detail.tracking_number) await client.shipPackageWithTikTokShipping(packageId);
    } else if (detail.tracking_number !== label.trackingNumber) {
      await client.shipPackage(packageId, { trackingNumber: label.trackingNumber, shippingProviderId: label.shippingProviderId });
    }
  }
  const shippedId = await onOrder(run, saga, "record-shipment", saga.causeEventId, "order.shipped",
    orderCommand({ type: "Ship", orderId: saga.orderId, carrier: label.carrier, trackingNumber: label.trackingNumber }));
  await confirmShipmentOfHeldStock(run, saga, shippedId);
  return { step: "done", status: "completed", causeEventId: shippedId, finishedAt: run.dependencies.now() };
}
