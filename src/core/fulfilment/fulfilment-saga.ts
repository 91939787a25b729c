// The order fulfilment saga: validate the order with TikTok, reserve its stock, confirm
// the payment, buy a shipping label, ship the package on TikTok; and when a step fails
// for good (or the buyer cancels), undo what was done in the reverse order.
//
// Label and ship follow how TikTok says the order ships (its detail's `shipping_type`):
// TikTok's own shipping arranges the handover and makes the label (its tracking number is
// TikTok's); an order the seller ships needs a carrier, whose label's tracking number and
// TikTok shipping provider go to TikTok's ship call. Without a carrier (or with one TikTok
// does not accept for the order) the saga stops in needs_configuration: it never makes up
// a label or a tracking number, and TikTok's ship API is not called.
//
// Every step is persisted (fulfilment_sagas) before the next starts, and each is
// idempotent on its own: commands carry deterministic ids (saga:<orderId>:reserve:<sku>),
// the payment gateway and the carrier take idempotency keys, so a step repeated after a
// crash finds its own earlier work instead of doing it twice.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { DomainError } from "../domain-error.ts";
import { orderIdOf, type EventMetadata, type EventType } from "../event-catalogue.ts";
import { createEventStore, type EventStore, type NewEvent, type StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState, InsufficientStock, type InventoryCommand } from "../inventory/inventory.ts";
import { orderAggregateId } from "../orders/events.ts";
import { decideOrder, evolveOrder, initialOrderState, type OrderCommand, type OrderState } from "../orders/order.ts";
import type { Consumer, ConsumerContext } from "../processing/index.ts";
import { decimalAmountToMinor, orderItemsFromLineItems, TikTokShopApiError, type TikTokOrderDetail } from "../tiktok/api-client.ts";
import { orderShippingOf, type OrderShipping, type TikTokShopFulfilmentClient } from "../tiktok/fulfilment-api.ts";
import { normalizeOrderStatus } from "../tiktok/order-status.ts";
import { notEnoughStockReason } from "./allocation-failure.ts";
import type { CompensationRecord, FulfilmentConfigurationGap, FulfilmentFailureCause, FulfilmentStep } from "./events.ts";
import { ExternalServiceError, PaymentNotYetMade, type Carrier, type PaymentGateway, type ShippingLabel, type TikTokClientProvider } from "./ports.ts";
import {
  defaultStepRetry,
  nextAttemptAfter,
  nextSagaAction,
  progressOf,
  stepsToCompensate,
  unitsBySku,
  type FulfilmentSagaState,
  type RetrySchedule,
  type SagaFailure,
} from "./saga-state.ts";
import { createSagaStore, type SagaChanges, type SagaStore } from "./saga-store.ts";

export const FULFILMENT_SAGA_NAME = "fulfilment-saga";
/** The `source` of the system.sync_failure_detected a failed saga appends; the alerts projection opens a stuck_saga alert for it. */
export const FULFILMENT_ALERT_SOURCE = "saga:order_fulfilment";
const EVENT_SOURCE = "fulfilment_saga";

export interface FulfilmentSagaDependencies {
  tiktok: TikTokClientProvider;
  payments: PaymentGateway;
  /** The carrier for orders the seller ships; null where none is configured (they stop in needs_configuration). */
  carrier: Carrier | null;
  now: () => Date;
  /** Transient failures of one step are retried on this schedule, then the saga compensates. */
  stepRetry?: RetrySchedule;
  /** Called after each completed step is persisted; an error thrown here stops the run as a crash would. */
  afterStep?: (completed: { creatorId: string; orderId: string; step: FulfilmentStep }) => void | Promise<void>;
}

/** A step that cannot go on: `permanent` ones compensate at once, the others are retried. */
class StepFailure extends Error {
  constructor(
    readonly permanent: boolean,
    message: string,
    readonly failureCause: FulfilmentFailureCause = "permanent_error",
    readonly skuId?: string,
  ) {
    super(message);
    this.name = "StepFailure";
  }
}

/** Another runner changed the saga since it was read: reload and decide again. */
class SagaMoved extends Error {}

/** The step cannot run where the saga runs; nothing was bought or sent for it. */
class ConfigurationRequired extends Error {
  constructor(
    readonly missing: FulfilmentConfigurationGap,
    message: string,
  ) {
    super(message);
    this.name = "ConfigurationRequired";
  }
}

// TikTok's codes for a shipping document it has not finished making: worth asking again.
const documentNotReadyCodes = new Set([11034023, 11034037, 21023022, 36009003]);

const MAX_ERROR_LENGTH = 1_000;

/**
 * Errors the saga knows how to judge become StepFailures; anything else (the database
 * gone, a bug, a crash) propagates, so the consumer runner retries the event and the
 * persisted state is resumed from.
 */
function classify(error: unknown): StepFailure | null {
  if (error instanceof StepFailure) return error;
  if (error instanceof ExternalServiceError) return new StepFailure(error.permanent, `${error.service}: ${error.message}`);
  if (error instanceof TikTokShopApiError) return new StepFailure(!error.retryable, `TikTok: ${error.message}`);
  // Out of stock, amounts that do not add up, an order closed under our feet: retrying cannot help.
  if (error instanceof DomainError) return new StepFailure(true, error.message);
  return null;
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
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

interface SagaRun {
  store: EventStore;
  sagas: SagaStore;
}

export function createFulfilmentSagaEngine(dependencies: FulfilmentSagaDependencies) {
  const { payments, carrier, now } = dependencies;
  const stepRetry = dependencies.stepRetry ?? defaultStepRetry;

  function runOn(sql: Sql): SagaRun {
    return { store: createEventStore({ sql }), sagas: createSagaStore(sql) };
  }

  function metadataFor(saga: FulfilmentSagaState, causationId: string): EventMetadata {
    return { correlation_id: saga.correlationId, causation_id: causationId, source: EVENT_SOURCE };
  }

  const withMetadata = (events: NewEvent[], metadata: EventMetadata) => events.map((event) => ({ ...event, metadata }));

  async function loadOrder(run: SagaRun, orderId: string): Promise<OrderState> {
    const loaded = await run.store.aggregateStream({ aggregateId: orderAggregateId(orderId), initialState: initialOrderState, evolve: evolveOrder });
    return loaded.state;
  }

  async function latestOrderEvent(run: SagaRun, orderId: string, type: EventType): Promise<StoredEvent | undefined> {
    const events = await run.store.readStream(orderAggregateId(orderId));
    return events.filter((event) => event.type === type).at(-1);
  }

  /**
   * Decides and appends on the order's stream; returns the id of the `recorded` event,
   * whether this call appended it or an earlier run of the same step did.
   */
  async function onOrder(run: SagaRun, saga: FulfilmentSagaState, commandKey: string, causationId: string, recorded: EventType, decide: (order: OrderState) => NewEvent[]): Promise<string> {
    const result = await handleCommand({
      store: run.store,
      creatorId: saga.creatorId,
      aggregateId: orderAggregateId(saga.orderId),
      aggregateType: "order",
      initialState: initialOrderState,
      evolve: evolveOrder,
      decide: (order) => withMetadata(decide(order), metadataFor(saga, causationId)),
      commandId: `saga:${saga.orderId}:${commandKey}`,
    });
    const existing = await latestOrderEvent(run, saga.orderId, recorded);
    if (!existing) throw new Error(`${recorded} for order ${saga.orderId} was neither appended nor found (${result.appended.length} appended)`);
    return existing.id;
  }

  const orderCommand = (command: OrderCommand) => (order: OrderState) => decideOrder(command, order);

  async function onInventory(run: SagaRun, saga: FulfilmentSagaState, commandKey: string, causationId: string, command: InventoryCommand): Promise<StoredEvent[]> {
    const aggregateId = inventoryAggregateId(command.skuId);
    const result = await handleCommand({
      store: run.store,
      creatorId: saga.creatorId,
      aggregateId,
      aggregateType: "inventory",
      initialState: initialInventoryState,
      evolve: evolveInventory,
      decide: (state) => withMetadata(decideInventory(command, state, now()), metadataFor(saga, causationId)),
      commandId: `saga:${saga.orderId}:${commandKey}`,
    });
    if (result.appended.length === 0 || result.duplicate) return [];
    return run.store.readStream(aggregateId, { fromVersion: result.appended[0].version, toVersion: result.appended[result.appended.length - 1].version });
  }

  async function tiktokOrder(saga: FulfilmentSagaState, order: OrderState): Promise<{ client: TikTokShopFulfilmentClient; detail: TikTokOrderDetail }> {
    if (!order.shopId) throw new StepFailure(true, `order ${saga.orderId} names no shop`);
    const client = await dependencies.tiktok({ creatorId: saga.creatorId, shopId: order.shopId });
    const { data } = await client.getOrderDetails([saga.orderId]);
    const detail = data.orders.find((candidate) => candidate.id === saga.orderId);
    if (!detail) throw new StepFailure(true, `TikTok does not know order ${saga.orderId}`);
    if (normalizeOrderStatus(detail.status) === "CANCELLED") throw new StepFailure(true, `TikTok reports order ${saga.orderId} as cancelled`, "cancelled");
    return { client, detail };
  }

  // --- the steps, each returning what to persist once it is done ---------------------

  async function validate(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
    const startedId = await onOrder(run, saga, "start-validation", saga.causeEventId, "order.validation_started", orderCommand({ type: "StartValidation", orderId: saga.orderId }));
    const { detail } = await tiktokOrder(saga, order);
    const { items, subtotalMinor, shippingMinor, currency } = amountsOf(saga.orderId, detail);
    const validatedId = await onOrder(run, saga, "record-validation", startedId, "order.validated",
      orderCommand({ type: "RecordValidation", orderId: saga.orderId, items, subtotalMinor, shippingMinor, currency }));
    return {
      step: "allocate",
      causeEventId: validatedId,
      progress: { ...saga.progress, items, totalMinor: subtotalMinor + shippingMinor, currency },
    };
  }

  async function allocate(run: SagaRun, saga: FulfilmentSagaState): Promise<SagaChanges> {
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
    const allocatedId = await onOrder(run, saga, "record-allocation", saga.causeEventId, "order.inventory_allocated",
      orderCommand({ type: "RecordAllocation", orderId: saga.orderId, allocations }));
    return { step: "pay", causeEventId: allocatedId, progress: { ...saga.progress, allocations } };
  }

  async function pay(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
    if (!order.shopId) throw new StepFailure(true, `order ${saga.orderId} names no shop`);
    const payment = await payments.confirmPayment({
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

  /** TikTok's shipping: arrange the handover (unless a run before a crash did), then take the label TikTok made for it. */
  async function tiktokShippingLabel(client: TikTokShopFulfilmentClient, detail: TikTokOrderDetail, shipping: OrderShipping, packageId: string): Promise<ShippingLabel> {
    if (normalizeOrderStatus(detail.status) === "AWAITING_SHIPMENT" && !detail.tracking_number) {
      await client.shipPackageWithTikTokShipping(packageId);
    }
    let document: { doc_url: string; tracking_number?: string };
    try {
      document = (await client.getPackageShippingDocument(packageId, "SHIPPING_LABEL")).data;
    } catch (error) {
      if (error instanceof TikTokShopApiError && documentNotReadyCodes.has(error.details.code ?? 0)) throw new StepFailure(false, `TikTok is still making the label for package ${packageId}`);
      throw error;
    }
    if (!document.tracking_number) throw new StepFailure(false, `TikTok's label for package ${packageId} has no tracking number yet`);
    return {
      labelId: `tiktok-package-${packageId}`,
      carrier: shipping.shippingProvider ?? "TikTok Shipping",
      trackingNumber: document.tracking_number,
      shippingProviderId: shipping.shippingProviderId ?? "",
      madeBy: "tiktok",
      packageId,
    };
  }

  /** The seller ships: the configured carrier's label, with TikTok's id for that carrier checked before anything is bought. */
  async function carrierLabel(client: TikTokShopFulfilmentClient, saga: FulfilmentSagaState, shipping: OrderShipping, packageId: string): Promise<ShippingLabel> {
    if (!carrier) {
      throw new ConfigurationRequired("carrier", `order ${saga.orderId} is shipped by the seller (TikTok shipping_type SELLER) and no carrier is configured: no label was bought and nothing was sent to TikTok`);
    }
    let shippingProviderId: string | null = null;
    if (shipping.deliveryOptionId) {
      const { data } = await client.getShippingProviders(shipping.deliveryOptionId);
      const provider = data.shipping_providers.find((candidate) => candidate.name.trim().toLowerCase() === carrier.name.trim().toLowerCase());
      if (!provider) {
        const accepted = data.shipping_providers.map((candidate) => candidate.name).join(", ") || "none";
        throw new ConfigurationRequired("shipping_provider", `carrier ${carrier.name} is not one of TikTok's shipping providers for order ${saga.orderId}'s delivery option (${accepted}): no label was bought`);
      }
      shippingProviderId = provider.id;
    }
    const label = await carrier.createLabel({
      orderId: saga.orderId,
      idempotencyKey: `saga:${saga.orderId}:label`,
      items: unitsBySku(saga.progress.items ?? []).map((unit) => ({ skuId: unit.sku_id, quantity: unit.quantity })),
    });
    return { ...label, shippingProviderId: shippingProviderId ?? label.shippingProviderId, madeBy: "carrier", packageId };
  }

  async function createLabel(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
    const { client, detail } = await tiktokOrder(saga, order);
    const tiktokStatus = normalizeOrderStatus(detail.status);
    // Our events may have seen the hold end (or the payment) before TikTok's API does: no label until TikTok agrees.
    if (tiktokStatus === "ON_HOLD" || tiktokStatus === "UNPAID") throw new StepFailure(false, `TikTok still reports order ${saga.orderId} as ${tiktokStatus}`);
    const shipping = orderShippingOf(detail);
    const packageId = shipping.packageIds[0];
    if (!packageId) throw new StepFailure(false, `TikTok has not made a package for order ${saga.orderId} yet`);
    const label = shipping.shippedBy === "tiktok" ? await tiktokShippingLabel(client, detail, shipping, packageId) : await carrierLabel(client, saga, shipping, packageId);
    const labelId = await onOrder(run, saga, "record-label", saga.causeEventId, "order.label_created", (order) =>
      order.timeline.some((entry) => entry.type === "order.label_created")
        ? []
        : [{ type: "order.label_created", data: { order_id: saga.orderId, carrier: label.carrier, label_id: label.labelId, tracking_number: label.trackingNumber } }]);
    return { step: "ship", causeEventId: labelId, progress: { ...saga.progress, label } };
  }

  async function ship(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<SagaChanges> {
    const label = saga.progress.label;
    if (!label) throw new StepFailure(true, `order ${saga.orderId} has no shipping label to ship with`);
    if (order.status !== "shipped" && order.status !== "delivered" && order.status !== "completed") {
      const { client, detail } = await tiktokOrder(saga, order);
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
    for (const { sku_id } of saga.progress.allocations ?? []) {
      await onInventory(run, saga, `confirm-shipment:${sku_id}`, shippedId, { type: "ConfirmShipment", skuId: sku_id, orderId: saga.orderId });
    }
    return { step: "done", status: "completed", causeEventId: shippedId, finishedAt: now() };
  }

  async function runStep(run: SagaRun, saga: FulfilmentSagaState, order: OrderState, step: FulfilmentStep): Promise<SagaChanges> {
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

  // --- compensation --------------------------------------------------------------------

  async function compensateStep(run: SagaRun, saga: FulfilmentSagaState, step: FulfilmentStep, failure: SagaFailure, causationId: string): Promise<CompensationRecord[]> {
    switch (step) {
      case "ship":
      case "validate":
        // Validation changed nothing; a failed ship call left TikTok as it was.
        return [];
      case "label": {
        // No API takes back a handover TikTok's shipping has arranged: cancelling the order on TikTok does.
        const tiktokLabel = saga.progress.label?.madeBy === "tiktok" ? saga.progress.label : undefined;
        const records: CompensationRecord[] = tiktokLabel ? [{ step, action: "shipment_left_with_tiktok", reference: tiktokLabel.packageId ?? tiktokLabel.labelId }] : [];
        if (!carrier) return records;
        // Looked up by key, not from the saga's progress: a label bought just before a crash was never recorded.
        const label = await carrier.findLabel(`saga:${saga.orderId}:label`);
        if (!label) return records;
        if (!label.cancelled) await carrier.cancelLabel({ labelId: label.labelId });
        await onOrder(run, saga, "cancel-label", causationId, "order.label_cancelled", (order) =>
          order.timeline.some((entry) => entry.type === "order.label_cancelled")
            ? []
            : [{ type: "order.label_cancelled", data: { order_id: saga.orderId, carrier: label.carrier, label_id: label.labelId, reason: failure.reason.slice(0, 500) } }]);
        return [...records, { step, action: "label_cancelled", reference: label.labelId }];
      }
      case "pay": {
        // TikTok holds what the buyer paid it, and refunds it when the order is cancelled there: no refund is ours to record.
        const recorded = saga.progress.payment;
        if (recorded?.status === "collected_by_tiktok") return [{ step, action: "payment_held_by_tiktok", reference: recorded.reference }];
        const payment = await payments.findPayment(`saga:${saga.orderId}:payment`);
        if (!payment) return [];
        if (payment.status === "collected_by_tiktok") return [{ step, action: "payment_held_by_tiktok", reference: payment.reference }];
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
        return [{ step, action, reference: payment.reference }];
      }
      case "allocate": {
        const records: CompensationRecord[] = [];
        for (const { sku_id } of unitsBySku(saga.progress.items ?? [])) {
          const released = await onInventory(run, saga, `release:${sku_id}`, causationId, {
            type: "Release",
            skuId: sku_id,
            orderId: saga.orderId,
            reason: failure.cause === "cancelled" ? "cancelled" : "compensation",
          });
          if (released.some((event) => event.type === "inventory.released")) records.push({ step, action: "inventory_released", reference: sku_id });
        }
        return records;
      }
      default: {
        const unhandled: never = step;
        throw new Error(`Unknown step ${String(unhandled)}`);
      }
    }
  }

  /** Records why the saga stops and turns it to compensating; the compensations follow in `compensate`. */
  async function beginCompensation(run: SagaRun, saga: FulfilmentSagaState, failure: SagaFailure): Promise<FulfilmentSagaState> {
    const cancelled = failure.cause === "cancelled" ? await latestOrderEvent(run, saga.orderId, "order.cancelled") : undefined;
    const failedId = await onOrder(run, saga, "fulfilment-failed", cancelled?.id ?? saga.causeEventId, "order.fulfilment_failed", (order) =>
      order.timeline.some((entry) => entry.type === "order.fulfilment_failed")
        ? []
        : [{ type: "order.fulfilment_failed", data: { order_id: saga.orderId, step: failure.step, reason: failure.reason, cause: failure.cause } }]);
    return persist(run, saga, { status: "compensating", failure, causeEventId: failedId, waitingFor: null, nextAttemptAt: null, attempts: 0, lastError: null, progress: { ...saga.progress, compensations: [] } });
  }

  /** Runs the compensations not yet done, latest step first, persisting after each; then reports the outcome. */
  async function compensate(run: SagaRun, sagaAtStart: FulfilmentSagaState, failure: SagaFailure): Promise<FulfilmentSagaState> {
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
    await onOrder(run, saga, "compensation-completed", saga.causeEventId, "order.compensation_completed", (order) =>
      order.timeline.some((entry) => entry.type === "order.compensation_completed")
        ? []
        : [{ type: "order.compensation_completed", data: { order_id: saga.orderId, cause: failure.cause, compensations } }]);
    // A cancellation is the buyer's right, not a fault: no alert for it.
    const alert = failure.cause !== "cancelled";
    if (alert) await raiseAlert(run, saga, `step ${failure.step} failed (${failure.cause}): ${failure.reason}`, "failed", failure.skuId);
    return persist(run, saga, {
      status: failure.cause === "cancelled" ? "cancelled" : "failed",
      finishedAt: now(),
      alertedAt: alert ? (saga.alertedAt ?? now()) : saga.alertedAt,
    });
  }

  /** The alert the alerts projection shows as a stuck saga: system.sync_failure_detected from source saga:…, about the order. */
  async function raiseAlert(run: SagaRun, saga: FulfilmentSagaState, reason: string, kind: "failed" | "stuck" | "compensation", skuId?: string): Promise<void> {
    await run.store.appendToStream({
      creatorId: saga.creatorId,
      aggregateId: `system-${saga.creatorId}`,
      aggregateType: "system",
      events: [{
        type: "system.sync_failure_detected",
        data: { source: FULFILMENT_ALERT_SOURCE, reason: reason.slice(0, 1000), reference: saga.orderId, ...(skuId ? { sku_id: skuId } : {}) },
        metadata: metadataFor(saga, saga.causeEventId),
      }],
      idempotencyKey: `saga:${saga.orderId}:alert:${kind}`,
    });
  }

  /** Records why the step cannot run here and stops the saga in needs_configuration, for an admin to see. */
  async function pauseForConfiguration(run: SagaRun, saga: FulfilmentSagaState, step: FulfilmentStep, gap: ConfigurationRequired): Promise<FulfilmentSagaState> {
    const detail = gap.message.slice(0, MAX_ERROR_LENGTH);
    await onOrder(run, saga, `pause:${step}`, saga.causeEventId, "order.fulfilment_paused", (order) =>
      order.timeline.some((entry) => entry.type === "order.fulfilment_paused")
        ? []
        : [{ type: "order.fulfilment_paused", data: { order_id: saga.orderId, step, reason: "configuration_required", missing: gap.missing, detail } }]);
    return persist(run, saga, {
      status: "needs_configuration",
      waitingFor: null,
      nextAttemptAt: null,
      attempts: 0,
      lastError: detail,
      progress: { ...saga.progress, needsConfiguration: { step, missing: gap.missing, detail } },
    });
  }

  async function persist(run: SagaRun, saga: FulfilmentSagaState, changes: SagaChanges): Promise<FulfilmentSagaState> {
    const saved = await run.sagas.save(saga, changes, now());
    if (!saved) throw new SagaMoved();
    return saved;
  }

  async function recordTransientFailure(run: SagaRun, saga: FulfilmentSagaState, failure: StepFailure): Promise<"retry" | "give_up"> {
    const attempts = saga.attempts + 1;
    const retryAt = nextAttemptAfter(stepRetry, attempts, now());
    if (retryAt === null) return "give_up";
    await persist(run, saga, { attempts, lastError: failure.message.slice(0, MAX_ERROR_LENGTH), waitingFor: "retry", nextAttemptAt: retryAt, status: saga.status === "compensating" ? "compensating" : "waiting" });
    return "retry";
  }

  /**
   * Moves one saga as far as it can go now: until it finishes, waits (hold, payment,
   * retry), or another runner moves it. Unknown errors propagate.
   */
  async function advance(sql: Sql, creatorId: string, orderId: string): Promise<FulfilmentSagaState | null> {
    const run = runOn(sql);
    for (let round = 0; round < 50; round += 1) {
      const saga = await run.sagas.load(creatorId, orderId);
      if (!saga) return null;
      const order = await loadOrder(run, orderId);
      const action = nextSagaAction(saga, order, now());
      try {
        switch (action.type) {
          case "stop":
          case "wait_for_retry":
          case "await_configuration":
            return saga;
          case "wait":
            if (saga.status === "waiting" && saga.waitingFor === action.for) return saga;
            return await persist(run, saga, { status: "waiting", waitingFor: action.for, nextAttemptAt: null });
          case "finish_shipped_elsewhere": {
            const shipped = await latestOrderEvent(run, orderId, "order.shipped");
            for (const { sku_id } of saga.progress.allocations ?? []) {
              await onInventory(run, saga, `confirm-shipment:${sku_id}`, shipped?.id ?? saga.causeEventId, { type: "ConfirmShipment", skuId: sku_id, orderId });
            }
            return await persist(run, saga, { status: "completed", step: "done", finishedAt: now(), waitingFor: null, progress: { ...saga.progress, shippedElsewhere: true } });
          }
          case "compensate":
            try {
              const compensating = saga.status === "compensating" ? saga : await beginCompensation(run, saga, action.failure);
              return await compensate(run, compensating, action.failure);
            } catch (error) {
              if (error instanceof SagaMoved) continue;
              const failure = classify(error);
              if (!failure) throw error;
              const current = (await run.sagas.load(creatorId, orderId)) ?? saga;
              if (failure.permanent || (await recordTransientFailure(run, current, failure)) === "give_up") {
                // Undoing failed for good: a person has to look. The saga ends failed and alerted; last_error says what is left.
                await raiseAlert(run, current, `compensation of ${action.failure.step} failure could not finish: ${failure.message}`, "compensation");
                return await persist(run, current, { status: "failed", lastError: failure.message.slice(0, MAX_ERROR_LENGTH), alertedAt: current.alertedAt ?? now(), finishedAt: now(), waitingFor: null });
              }
              continue;
            }
          case "run_step": {
            let changes: SagaChanges;
            try {
              changes = await runStep(run, saga, order, action.step);
            } catch (error) {
              if (error instanceof ConfigurationRequired) return await pauseForConfiguration(run, saga, action.step, error);
              if (error instanceof PaymentNotYetMade) {
                // As for an order TikTok reports UNPAID: wait (the scheduler looks again), and let the wait show its age for the stuck alert.
                if (saga.status === "waiting" && saga.waitingFor === "payment") return saga;
                return await persist(run, saga, { status: "waiting", waitingFor: "payment", nextAttemptAt: null, lastError: error.message.slice(0, MAX_ERROR_LENGTH) });
              }
              const failure = classify(error);
              if (!failure) throw error;
              // An order cancelled while the step ran makes the step fail; that is a cancellation, not a fault.
              const cancelledMeanwhile = (await loadOrder(run, orderId)).status === "cancelled";
              const cause: FulfilmentFailureCause = cancelledMeanwhile ? "cancelled" : failure.failureCause;
              if (cause === "cancelled" || failure.permanent) {
                await beginCompensation(run, saga, { step: action.step, reason: failure.message.slice(0, MAX_ERROR_LENGTH), cause, ...(failure.skuId ? { skuId: failure.skuId } : {}) });
                continue;
              }
              if ((await recordTransientFailure(run, saga, failure)) === "give_up") {
                await beginCompensation(run, saga, { step: action.step, reason: `gave up after ${saga.attempts + 1} attempts: ${failure.message}`.slice(0, MAX_ERROR_LENGTH), cause: "retries_exhausted" });
              }
              continue;
            }
            const saved = await persist(run, saga, { status: "running", waitingFor: null, nextAttemptAt: null, attempts: 0, lastError: null, ...changes });
            if (saved.status === "completed" && saved.alertedAt !== null) {
              await run.store.appendToStream({
                creatorId,
                aggregateId: `system-${creatorId}`,
                aggregateType: "system",
                events: [{ type: "system.recovery_completed", data: { component: orderId, detail: "order fulfilment finished after an alert" }, metadata: metadataFor(saved, saved.causeEventId) }],
                idempotencyKey: `saga:${orderId}:recovered`,
              });
            }
            await dependencies.afterStep?.({ creatorId, orderId, step: action.step });
            continue;
          }
          default: {
            const unhandled: never = action;
            throw new Error(`Unknown saga action ${JSON.stringify(unhandled)}`);
          }
        }
      } catch (error) {
        if (error instanceof SagaMoved) continue;
        throw error;
      }
    }
    return run.sagas.load(creatorId, orderId);
  }

  /** Reacts to an order event: starts the saga on a new order, wakes or stops it on the others. */
  async function handleOrderEvent(event: StoredEvent, context: ConsumerContext): Promise<void> {
    // A replay must not call TikTok, the gateway or the carrier again.
    if (context.replay) return;
    // The saga's own events need no reaction: it moved on when it recorded them.
    if (event.metadata.source === EVENT_SOURCE) return;
    const orderId = orderIdOf(event) ?? "";
    if (!orderId) return;
    const sagas = createSagaStore(context.sql);
    if (event.type === "order.received_from_tiktok") {
      // An order first seen cancelled or already shipped (or read again from the start of the stream) has nothing to fulfil.
      const order = await createEventStore({ sql: context.sql }).aggregateStream({ aggregateId: orderAggregateId(orderId), initialState: initialOrderState, evolve: evolveOrder });
      if (progressOf(order.state) !== "open") return;
      await sagas.start({ creatorId: event.creatorId, orderId, correlationId: event.correlationId ?? event.id, causeEventId: event.id, now: now() });
    } else {
      const saga = await sagas.load(event.creatorId, orderId);
      if (!saga || saga.status === "completed" || saga.status === "failed" || saga.status === "cancelled") return;
      // The event that ends a wait (the hold released, the order paid) is what triggers the step that follows it.
      if (saga.status === "waiting" && saga.waitingFor !== "retry" && event.type === "order.tiktok_status_changed") {
        await sagas.save(saga, { causeEventId: event.id }, now());
      }
    }
    await advance(context.sql, event.creatorId, orderId);
  }

  return { advance, handleOrderEvent };
}

/** The fulfilment saga as a consumer of order events; run it with the consumer runner. */
export function createFulfilmentSaga(dependencies: FulfilmentSagaDependencies & { name?: string }): Consumer {
  const engine = createFulfilmentSagaEngine(dependencies);
  return {
    name: dependencies.name ?? FULFILMENT_SAGA_NAME,
    handles: ["order.*"],
    // It calls TikTok, the gateway and the carrier: no transaction can span those.
    transactional: false,
    batchSize: 50,
    async handleBatch(events, context) {
      for (const event of events) await engine.handleOrderEvent(event, context);
    },
  };
}

export interface ResumeOptions extends FulfilmentSagaDependencies {
  sql: Sql;
  /** A run that has not saved for this long is taken to have died. */
  interruptedAfterMs?: number;
  /** A saga waiting (for payment, for the hold to end) this long raises a stuck-saga alert. */
  stuckAfterMs?: number;
  limit?: number;
}

export interface ResumeSummary {
  examined: number;
  completed: number;
  failed: number;
  cancelled: number;
  waiting: number;
  alerted: number;
}

/** For the scheduler: resumes sagas due for a retry, waiting ones whose reason may have passed, and interrupted runs. */
export async function resumeFulfilmentSagas(options: ResumeOptions): Promise<ResumeSummary> {
  const { sql, now } = options;
  const engine = createFulfilmentSagaEngine(options);
  const sagas = createSagaStore(sql);
  const store = createEventStore({ sql });
  const stuckAfterMs = options.stuckAfterMs ?? 3 * 60 * 60 * 1000;
  const due = await sagas.dueForResume(now(), options.interruptedAfterMs ?? 5 * 60 * 1000, options.limit ?? 100);
  const summary: ResumeSummary = { examined: due.length, completed: 0, failed: 0, cancelled: 0, waiting: 0, alerted: 0 };
  for (const { creatorId, orderId } of due) {
    const saga = await engine.advance(sql, creatorId, orderId);
    if (!saga) continue;
    if (saga.status === "completed") summary.completed += 1;
    else if (saga.status === "failed") summary.failed += 1;
    else if (saga.status === "cancelled") summary.cancelled += 1;
    else summary.waiting += 1;
    const waitedMs = now().getTime() - saga.updatedAt.getTime();
    if (saga.status === "waiting" && saga.alertedAt === null && waitedMs >= stuckAfterMs) {
      await store.appendToStream({
        creatorId,
        aggregateId: `system-${creatorId}`,
        aggregateType: "system",
        events: [{
          type: "system.sync_failure_detected",
          data: { source: FULFILMENT_ALERT_SOURCE, reason: `order ${orderId} has waited for ${saga.waitingFor ?? "its next step"} for ${Math.round(waitedMs / 60_000)} minutes`, reference: orderId },
          metadata: { correlation_id: saga.correlationId, causation_id: saga.causeEventId, source: EVENT_SOURCE },
        }],
        idempotencyKey: `saga:${orderId}:alert:stuck`,
      });
      await sagas.save(saga, { alertedAt: now() }, now());
      summary.alerted += 1;
    }
  }
  return summary;
}
