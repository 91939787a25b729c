// Undoing what the fulfilment saga did when a step failed for good (or the buyer
// cancelled): the steps' effects in the reverse order, each compensation persisted as it
// is done, so a resumed compensation skips what is behind it.
import type { CompensationRecord, FulfilmentStep } from "./events.ts";
import { latestOrderEvent, loadOrder, onInventory, onOrder, orderCommand, persist, raiseAlert, recordOnce, type SagaRun } from "./saga-run.ts";
import { stepsToCompensate, unitsBySku, type FulfilmentSagaState, type SagaFailure } from "./saga-state.ts";

/** Records why the saga stops and turns it to compensating; the compensations follow in `compensate`. */
export async function beginCompensation(run: SagaRun, saga: FulfilmentSagaState, failure: SagaFailure): Promise<FulfilmentSagaState> {
  const cancelled = failure.cause === "cancelled" ? await latestOrderEvent(run, saga.orderId, "order.cancelled") : undefined;
  const failedId = await onOrder(run, saga, "fulfilment-failed", cancelled?.id ?? saga.causeEventId, "order.fulfilment_failed",
    recordOnce({ type: "order.fulfilment_failed", data: { order_id: saga.orderId, step: failure.step, reason: failure.reason, cause: failure.cause } }));
  return persist(run, saga, { status: "compensating", failure, causeEventId: failedId, waitingFor: null, nextAttemptAt: null, attempts: 0, lastError: null, progress: { ...saga.progress, compensations: [] } });
}

/** Runs the compensations not yet done, latest step first, persisting after each; then reports the outcome. */
export async function compensate(run: SagaRun, sagaAtStart: FulfilmentSagaState, failure: SagaFailure): Promise<FulfilmentSagaState> {
  const { now } = run.dependencies;
  let saga = sagaAtStart;
  const done = new Set((saga.progress.compensations ?? []).map((record) => record.step));
  for (const step of stepsToCompensate(failure.step)) {
    if (done.has(step)) continue;
    const records = await compensateStep(run, saga, step, failure, saga.causeEventId);
    // A step with nothing to undo is still marked, so a resumed compensation skips it.
    const marked = records.length ? records : [{ step, action: "nothing_to_undo" as const }];
    saga = await persist(run, saga, { progress: { ...saga.progress, compensations: [...(saga.progress.compensations ?? []), ...marked] } });
  }
  const compensations = (saga.progress.compensations ?? []).filter((record) => record.action !== "nothing_to_undo");
  await onOrder(run, saga, "compensation-completed", saga.causeEventId, "order.compensation_completed",
    recordOnce({ type: "order.compensation_completed", data: { order_id: saga.orderId, cause: failure.cause, compensations } }));
  // A cancellation is the buyer's right, not a fault: no alert for it.
  const alert = failure.cause !== "cancelled";
  if (alert) await raiseAlert(run, saga, `step ${failure.step} failed (${failure.cause}): ${failure.reason}`, "failed", failure.skuId);
  return persist(run, saga, {
    status: failure.cause === "cancelled" ? "cancelled" : "failed",
    finishedAt: now(),
    alertedAt: alert ? (saga.alertedAt ?? now()) : saga.alertedAt,
  });
}

async function compensateStep(run: SagaRun, saga: FulfilmentSagaState, step: FulfilmentStep, failure: SagaFailure, causationId: string): Promise<CompensationRecord[]> {
  switch (step) {
    case "ship":
    case "validate":
      // Validation changed nothing; a failed ship call left TikTok as it was.
      return [];
    case "label":
      return cancelLabel(run, saga, failure, causationId);
    case "pay":
      return givePaymentBack(run, saga, failure, causationId);
    case "allocate":
      return releaseStock(run, saga, failure, causationId);
    default: {
      const unhandled: never = step;
      throw new Error(`Unknown step ${String(unhandled)}`);
    }
  }
}

async function cancelLabel(run: SagaRun, saga: FulfilmentSagaState, failure: SagaFailure, causationId: string): Promise<CompensationRecord[]> {
  const { carrier } = run.dependencies;
  // No API takes back a handover TikTok's shipping has arranged: cancelling the order on TikTok does.
  const tiktokLabel = saga.progress.label?.madeBy === "tiktok" ? saga.progress.label : undefined;
  const records: CompensationRecord[] = tiktokLabel ? [{ step: "label", action: "shipment_left_with_tiktok", reference: tiktokLabel.packageId ?? tiktokLabel.labelId }] : [];
  if (!carrier) return records;
  // Looked up by key, not from the saga's progress: a label bought just before a crash was never recorded.
  const label = await carrier.findLabel(`saga:${saga.orderId}:label`);
  if (!label) return records;
  if (!label.cancelled) await carrier.cancelLabel({ labelId: label.labelId });
  await onOrder(run, saga, "cancel-label", causationId, "order.label_cancelled",
    recordOnce({ type: "order.label_cancelled", data: { order_id: saga.orderId, carrier: label.carrier, label_id: label.labelId, reason: failure.reason.slice(0, 500) } }));
  return [...records, { step: "label", action: "label_cancelled", reference: label.labelId }];
}

async function givePaymentBack(run: SagaRun, saga: FulfilmentSagaState, failure: SagaFailure, causationId: string): Promise<CompensationRecord[]> {
  const { payments } = run.dependencies;
  // TikTok holds what the buyer paid it, and refunds it when the order is cancelled there: no refund is ours to record.
  const recorded = saga.progress.payment;
  if (recorded?.status === "collected_by_tiktok") return [{ step: "pay", action: "payment_held_by_tiktok", reference: recorded.reference }];
  const payment = await payments.findPayment(`saga:${saga.orderId}:payment`);
  if (!payment) return [];
  if (payment.status === "collected_by_tiktok") return [{ step: "pay", action: "payment_held_by_tiktok", reference: payment.reference }];
  const action = payment.status === "authorized" ? "payment_voided" : "payment_refunded";
  if (!payment.reversed) {
    if (payment.status === "authorized") await payments.voidPayment({ reference: payment.reference });
    else await payments.refundPayment({ reference: payment.reference, amountMinor: payment.amountMinor });
  }
  const order = await loadOrder(run, saga.orderId);
  // The order records the money going back only if it recorded it coming in.
  if (order.paid) {
    const how = action === "payment_voided" ? "authorization voided" : "payment refunded";
    await onOrder(run, saga, "refund", causationId, "order.refunded",
      orderCommand({ type: "Refund", orderId: saga.orderId, amountMinor: order.paidMinor, reason: `Fulfilment ${failure.cause === "cancelled" ? "cancelled" : "failed"}: ${how}` }));
  }
  return [{ step: "pay", action, reference: payment.reference }];
}

async function releaseStock(run: SagaRun, saga: FulfilmentSagaState, failure: SagaFailure, causationId: string): Promise<CompensationRecord[]> {
  return releaseReservations(run, saga, failure.cause === "cancelled" ? "cancelled" : "compensation", causationId);
}

/**
 * Gives back every unit the order holds, SKU by SKU, from what the inventory holds for it
 * (not from what the saga recorded: a reservation may have landed after the saga last
 * saved). Same command ids wherever it is called from, so two runs release once.
 */
export async function releaseReservations(run: SagaRun, saga: FulfilmentSagaState, reason: "cancelled" | "compensation", causationId: string): Promise<CompensationRecord[]> {
  const records: CompensationRecord[] = [];
  for (const { sku_id } of unitsBySku(saga.progress.items ?? [])) {
    const released = await onInventory(run, saga, `release:${sku_id}`, causationId, { type: "Release", skuId: sku_id, orderId: saga.orderId, reason });
    if (released.some((event) => event.type === "inventory.released")) records.push({ step: "allocate", action: "inventory_released", reference: sku_id });
  }
  return records;
}
