// What one run of the fulfilment saga works with (the store, the saga rows, the providers,
// the clock) and the plumbing every step and compensation shares: commands on the order
// and inventory streams with deterministic ids, the order as TikTok reports it, saving the
// saga, and raising the alert an admin sees.
import type { Sql } from "postgres";
import { handleCommand } from "../command-handling.ts";
import { automatedOrigin, type EventOrigin, type EventType } from "../event-catalogue.ts";
import { createEventStore, type EventStore, type NewEvent, type StoredEvent } from "../event-store/index.ts";
import { inventoryAggregateId } from "../inventory/events.ts";
import { decideInventory, evolveInventory, initialInventoryState, type InventoryCommand } from "../inventory/inventory.ts";
import { orderAggregateId } from "../orders/events.ts";
import { decideOrder, evolveOrder, initialOrderState, type OrderCommand, type OrderState } from "../orders/order.ts";
import type { TikTokOrderDetail } from "../channels/tiktok-shop/api-client.ts";
import type { TikTokShopFulfilmentClient } from "../channels/tiktok-shop/fulfilment-api.ts";
import { normalizeOrderStatus } from "../channels/tiktok-shop/order-status.ts";
import type { FulfilmentStep } from "./events.ts";
import type { Carrier, PaymentGateway, TikTokClientProvider } from "./ports.ts";
import { SagaMoved, StepFailure } from "./saga-errors.ts";
import type { FulfilmentSagaState, RetrySchedule } from "./saga-state.ts";
import { createSagaStore, type SagaChanges, type SagaStore } from "./saga-store.ts";

/** The `source` of the system.sync_failure_detected a failed saga appends; the alerts projection opens a stuck_saga alert for it. */
export const FULFILMENT_ALERT_SOURCE = "saga:order_fulfilment";
/** The metadata `component` of every event the saga appends: its own events need no reaction from it. */
export const FULFILMENT_SAGA_COMPONENT = "fulfilment_saga";

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

export interface SagaRun {
  store: EventStore;
  sagas: SagaStore;
  dependencies: FulfilmentSagaDependencies;
}

export function sagaRunOn(sql: Sql, dependencies: FulfilmentSagaDependencies): SagaRun {
  return { store: createEventStore({ sql }), sagas: createSagaStore(sql), dependencies };
}

export function metadataFor(saga: FulfilmentSagaState, causationId: string): EventOrigin {
  return automatedOrigin(FULFILMENT_SAGA_COMPONENT, { correlation_id: saga.correlationId, causation_id: causationId });
}

export async function loadOrder(run: SagaRun, orderId: string): Promise<OrderState> {
  const loaded = await run.store.aggregateStream({ aggregateId: orderAggregateId(orderId), initialState: initialOrderState, evolve: evolveOrder });
  return loaded.state;
}

export async function latestOrderEvent(run: SagaRun, orderId: string, type: EventType): Promise<StoredEvent | undefined> {
  const events = await run.store.readStream(orderAggregateId(orderId));
  return events.filter((event) => event.type === type).at(-1);
}

/**
 * Decides and appends on the order's stream; returns the id of the `recorded` event,
 * whether this call appended it or an earlier run of the same step did.
 */
export async function onOrder(
  run: SagaRun,
  saga: FulfilmentSagaState,
  commandKey: string,
  causationId: string,
  recorded: EventType,
  decide: (order: OrderState) => NewEvent[],
): Promise<string> {
  const result = await handleCommand({
    store: run.store,
    creatorId: saga.creatorId,
    aggregateId: orderAggregateId(saga.orderId),
    aggregateType: "order",
    initialState: initialOrderState,
    evolve: evolveOrder,
    decide,
    metadata: metadataFor(saga, causationId),
    commandId: `saga:${saga.orderId}:${commandKey}`,
  });
  const existing = await latestOrderEvent(run, saga.orderId, recorded);
  if (!existing) throw new Error(`${recorded} for order ${saga.orderId} was neither appended nor found (${result.appended.length} appended)`);
  return existing.id;
}

export const orderCommand = (command: OrderCommand) => (order: OrderState) => decideOrder(command, order);

/** Records `event` on the order unless the order already has an event of its type: for facts the order aggregate has no command for. */
export const recordOnce = (event: NewEvent) => (order: OrderState): NewEvent[] =>
  order.timeline.some((entry) => entry.type === event.type) ? [] : [event];

/** Runs an inventory command for the saga; returns the events this call appended (none when a run before it did). */
export async function onInventory(run: SagaRun, saga: FulfilmentSagaState, commandKey: string, causationId: string, command: InventoryCommand): Promise<StoredEvent[]> {
  const aggregateId = inventoryAggregateId(command.skuId);
  const result = await handleCommand({
    store: run.store,
    creatorId: saga.creatorId,
    aggregateId,
    aggregateType: "inventory",
    initialState: initialInventoryState,
    evolve: evolveInventory,
    decide: (state) => decideInventory(command, state, run.dependencies.now()),
    metadata: metadataFor(saga, causationId),
    commandId: `saga:${saga.orderId}:${commandKey}`,
  });
  if (result.appended.length === 0 || result.duplicate) return [];
  return run.store.readStream(aggregateId, { fromVersion: result.appended[0].version, toVersion: result.appended[result.appended.length - 1].version });
}

/**
 * The units the order holds leave with it: each SKU's reservation becomes a shipment. Taken
 * from what the inventory holds for the order, SKU by SKU of its items (not from the saga's
 * recorded allocations: a reservation may have landed after the saga last saved); a SKU the
 * order holds nothing of is left alone. Same command ids wherever called from.
 */
export async function confirmShipmentOfHeldStock(run: SagaRun, saga: FulfilmentSagaState, causationId: string): Promise<void> {
  const skus = new Set([...(saga.progress.items ?? []), ...(saga.progress.allocations ?? [])].map((item) => item.sku_id));
  for (const skuId of skus) {
    await onInventory(run, saga, `confirm-shipment:${skuId}`, causationId, { type: "ConfirmShipment", skuId, orderId: saga.orderId });
  }
}

/** The order as TikTok reports it now, with the client for its shop; a cancelled or unknown order fails the step for good. */
export async function tiktokOrder(run: SagaRun, saga: FulfilmentSagaState, order: OrderState): Promise<{ client: TikTokShopFulfilmentClient; detail: TikTokOrderDetail }> {
  if (!order.shopId) throw new StepFailure(true, `order ${saga.orderId} names no shop`);
  const client = await run.dependencies.tiktok({ creatorId: saga.creatorId, shopId: order.shopId });
  const { data } = await client.getOrderDetails([saga.orderId]);
  const detail = data.orders.find((candidate) => candidate.id === saga.orderId);
  if (!detail) throw new StepFailure(true, `TikTok does not know order ${saga.orderId}`);
  if (normalizeOrderStatus(detail.status) === "CANCELLED") throw new StepFailure(true, `TikTok reports order ${saga.orderId} as cancelled`, "cancelled");
  return { client, detail };
}

/** Saves the saga's changes; throws SagaMoved when another runner saved it first. */
export async function persist(run: SagaRun, saga: FulfilmentSagaState, changes: SagaChanges): Promise<FulfilmentSagaState> {
  const saved = await run.sagas.save(saga, changes, run.dependencies.now());
  if (!saved) throw new SagaMoved();
  return saved;
}

const alertProblems = { failed: "step_failed", stuck: "stuck", compensation: "compensation_failed" } as const;

/** The alert the alerts projection shows as a stuck saga: system.sync_failure_detected from source saga:…, about the order. */
export async function raiseAlert(run: SagaRun, saga: FulfilmentSagaState, reason: string, kind: "failed" | "stuck" | "compensation", skuId?: string): Promise<void> {
  const productName = skuId ? (saga.progress.items ?? []).find((item) => item.sku_id === skuId && item.product_name)?.product_name : undefined;
  const about = {
    problem: alertProblems[kind],
    ...(saga.step !== "done" ? { step: saga.step } : {}),
    ...(skuId ? { sku_id: skuId } : {}),
    ...(productName ? { product_name: productName.slice(0, 300) } : {}),
  };
  await run.store.appendToStream({
    creatorId: saga.creatorId,
    aggregateId: `system-${saga.creatorId}`,
    aggregateType: "system",
    events: [{
      type: "system.sync_failure_detected",
      data: { source: FULFILMENT_ALERT_SOURCE, reason: reason.slice(0, 1000), reference: saga.orderId, ...about },
    }],
    metadata: metadataFor(saga, saga.causeEventId),
    idempotencyKey: `saga:${saga.orderId}:alert:${kind}`,
  });
}
