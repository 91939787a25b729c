// The order fulfilment saga as data: where it stands, and what it should do next given
// the order as its events tell it. Pure: the clock arrives as an argument, no I/O.
import type { OrderItem } from "../orders/events.ts";
import type { OrderState } from "../orders/order.ts";
import type { CompensationRecord, FulfilmentConfigurationGap, FulfilmentFailureCause, FulfilmentStep } from "./events.ts";
import type { PaymentConfirmation, ShippingLabel } from "./ports.ts";

/** needs_configuration: a step cannot run where the saga runs (see SagaProgress.needsConfiguration); it stays until the order ships or closes. */
export type SagaStatus = "running" | "waiting" | "needs_configuration" | "compensating" | "completed" | "failed" | "cancelled";
export type SagaStep = FulfilmentStep | "done";
export type WaitReason = "payment" | "hold_release" | "retry";

/** The order of the steps; compensations run in the reverse. */
export const fulfilmentSteps: readonly FulfilmentStep[] = ["validate", "allocate", "pay", "label", "ship"];

/** What the completed steps produced, kept so a resumed saga need not ask again. */
export interface SagaProgress {
  items?: OrderItem[];
  totalMinor?: number;
  currency?: string;
  allocations?: { sku_id: string; quantity: number }[];
  payment?: PaymentConfirmation;
  label?: ShippingLabel;
  compensations?: CompensationRecord[];
  /** The order shipped without this saga (by hand in TikTok's Seller Center). */
  shippedElsewhere?: boolean;
  /** Why the saga stopped in needs_configuration. */
  needsConfiguration?: { step: FulfilmentStep; missing: FulfilmentConfigurationGap; detail: string };
}

export interface SagaFailure {
  step: FulfilmentStep;
  reason: string;
  cause: FulfilmentFailureCause;
  /** The SKU the failure is about (a reservation stock could not cover): the alert links to it. */
  skuId?: string;
}

export interface FulfilmentSagaState {
  creatorId: string;
  orderId: string;
  status: SagaStatus;
  step: SagaStep;
  waitingFor: WaitReason | null;
  correlationId: string;
  /** The event that triggers the next step: its id is the causation id of what that step records. */
  causeEventId: string;
  progress: SagaProgress;
  /** Failed attempts at the current step (or at compensating). */
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  failure: SagaFailure | null;
  alertedAt: Date | null;
  version: number;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export type SagaAction =
  | { type: "run_step"; step: FulfilmentStep }
  | { type: "wait"; for: "payment" | "hold_release" }
  | { type: "wait_for_retry"; until: Date }
  | { type: "compensate"; failure: SagaFailure }
  | { type: "finish_shipped_elsewhere" }
  | { type: "await_configuration" }
  | { type: "stop" };

export const isFinished = (status: SagaStatus) => status === "completed" || status === "failed" || status === "cancelled";

export const stepIndex = (step: SagaStep) => (step === "done" ? fulfilmentSteps.length : fulfilmentSteps.indexOf(step));

/** The steps a compensation must consider: every step started (the current one may have half happened), latest first. */
export function stepsToCompensate(failedStep: FulfilmentStep): FulfilmentStep[] {
  return fulfilmentSteps.slice(0, stepIndex(failedStep) + 1).reverse();
}

/** Where the order stands for fulfilment, from its own events. */
export function progressOf(order: OrderState): "open" | "shipped" | "closed" {
  switch (order.status) {
    case "cancelled":
    case "refunded":
      return "closed";
    case "shipped":
    case "delivered":
    case "completed":
      return "shipped";
    case "none":
    case "received":
    case "validating":
    case "validated":
    case "allocated":
    case "paid":
      return "open";
    default: {
      const unhandled: never = order.status;
      throw new Error(`Unknown order status ${String(unhandled)}`);
    }
  }
}

/** What the saga does next. */
export function nextSagaAction(saga: FulfilmentSagaState, order: OrderState, now: Date): SagaAction {
  if (isFinished(saga.status)) return { type: "stop" };
  if (saga.status === "compensating" && saga.failure) {
    if (saga.waitingFor === "retry" && saga.nextAttemptAt && saga.nextAttemptAt > now) return { type: "wait_for_retry", until: saga.nextAttemptAt };
    return { type: "compensate", failure: saga.failure };
  }
  const step = saga.step;
  if (step === "done") return { type: "stop" };
  const progress = progressOf(order);
  // A cancellation (or a refund before shipping) ends the saga whatever step it is at.
  if (progress === "closed") {
    return { type: "compensate", failure: { step, reason: `order ${saga.orderId} was ${order.status} while being fulfilled`, cause: "cancelled" } };
  }
  if (progress === "shipped") {
    // Shipped by this saga (the ship step was interrupted after recording it) or by the seller without it.
    return step === "ship" ? { type: "run_step", step } : { type: "finish_shipped_elsewhere" };
  }
  // Nothing runs again by itself: the step would stop for the same reason. A cancellation
  // (compensate, above) or the seller shipping by hand (finish, above) still ends it.
  if (saga.status === "needs_configuration") return { type: "await_configuration" };
  if (saga.waitingFor === "retry" && saga.nextAttemptAt && saga.nextAttemptAt > now) return { type: "wait_for_retry", until: saga.nextAttemptAt };
  switch (step) {
    case "validate":
    case "allocate":
      // An unpaid or held order still reserves its stock.
      return { type: "run_step", step };
    case "pay":
      return order.tiktokStatus === "UNPAID" ? { type: "wait", for: "payment" } : { type: "run_step", step };
    case "label":
    case "ship":
      // TikTok's one-hour hold: the buyer may still cancel, so nothing is shipped (no label bought) until it ends.
      return order.onHold || order.tiktokStatus === "ON_HOLD" ? { type: "wait", for: "hold_release" } : { type: "run_step", step };
    default: {
      const unhandled: never = step;
      throw new Error(`Unknown saga step ${String(unhandled)}`);
    }
  }
}

/** The units to reserve per SKU: TikTok lists one line per unit and price, the inventory counts per SKU. */
export function unitsBySku(items: readonly OrderItem[]): { sku_id: string; quantity: number }[] {
  const units = new Map<string, number>();
  for (const item of items) units.set(item.sku_id, (units.get(item.sku_id) ?? 0) + item.quantity);
  return [...units].map(([sku_id, quantity]) => ({ sku_id, quantity }));
}

export interface RetrySchedule {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultStepRetry: RetrySchedule = { maxAttempts: 5, initialDelayMs: 1_000, maxDelayMs: 60_000 };

/** When to try a step again after `failedAttempts` transient failures; null when it is time to give up. */
export function nextAttemptAfter(schedule: RetrySchedule, failedAttempts: number, now: Date): Date | null {
  if (failedAttempts >= schedule.maxAttempts) return null;
  const delay = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * 2 ** (failedAttempts - 1));
  return new Date(now.getTime() + delay);
}
