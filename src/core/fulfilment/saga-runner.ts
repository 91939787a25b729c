// Moves one fulfilment saga as far as it can go now. Each round reloads the saga and the
// order, asks the pure nextSagaAction what to do, does it and persists the outcome, until
// the saga finishes, waits (hold, payment, retry), or needs an admin. Another runner
// saving first (SagaMoved) starts a new round; errors the saga cannot judge propagate.
import type { OrderState } from "../orders/order.ts";
import type { FulfilmentFailureCause, FulfilmentStep } from "./events.ts";
import { PaymentNotYetMade } from "./ports.ts";
import { beginCompensation, compensate, releaseReservations } from "./saga-compensations.ts";
import { classify, clipError, ConfigurationRequired, SagaMoved, type StepFailure } from "./saga-errors.ts";
import { confirmShipmentOfHeldStock, latestOrderEvent, loadOrder, metadataFor, onOrder, persist, raiseAlert, recordOnce, type SagaRun } from "./saga-run.ts";
import { defaultStepRetry, nextAttemptAfter, nextSagaAction, type FulfilmentSagaState, type SagaAction, type SagaFailure } from "./saga-state.ts";
import type { SagaChanges } from "./saga-store.ts";
import { runStep } from "./saga-steps.ts";

/** Rounds one advance may take; a saga still moving after them is picked up by the next event or resume. */
const MAX_ROUNDS = 50;

/** A round either settles the saga for now, or leaves it for the next round to look at again. */
type Round = { settled: FulfilmentSagaState } | "again";

export async function advanceSaga(run: SagaRun, creatorId: string, orderId: string): Promise<FulfilmentSagaState | null> {
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const saga = await run.sagas.load(creatorId, orderId);
    if (!saga) return null;
    const order = await loadOrder(run, orderId);
    const action = nextSagaAction(saga, order, run.dependencies.now());
    try {
      const outcome = await takeAction(run, saga, order, action);
      if (outcome !== "again") return outcome.settled;
    } catch (error) {
      if (!(error instanceof SagaMoved)) throw error;
    }
  }
  return run.sagas.load(creatorId, orderId);
}

async function takeAction(run: SagaRun, saga: FulfilmentSagaState, order: OrderState, action: SagaAction): Promise<Round> {
  switch (action.type) {
    case "stop":
    case "wait_for_retry":
    case "await_configuration":
      return { settled: saga };
    case "wait":
      if (saga.status === "waiting" && saga.waitingFor === action.for) return { settled: saga };
      return { settled: await persist(run, saga, { status: "waiting", waitingFor: action.for, nextAttemptAt: null }) };
    case "finish_shipped_elsewhere":
      return { settled: await finishShippedElsewhere(run, saga) };
    case "compensate":
      return compensateOrGiveUp(run, saga, action.failure);
    case "run_step":
      return runStepAndPersist(run, saga, order, action.step);
    default: {
      const unhandled: never = action;
      throw new Error(`Unknown saga action ${JSON.stringify(unhandled)}`);
    }
  }
}

/** The order shipped without the saga (by hand in Seller Center): the stock it held leaves with it. */
async function finishShippedElsewhere(run: SagaRun, saga: FulfilmentSagaState): Promise<FulfilmentSagaState> {
  const shipped = await latestOrderEvent(run, saga.orderId, "order.shipped");
  // Not only the recorded allocations: a reservation made by a step the shipment interrupted holds units too.
  await confirmShipmentOfHeldStock(run, saga, shipped?.id ?? saga.causeEventId);
  return persist(run, saga, { status: "completed", step: "done", finishedAt: run.dependencies.now(), waitingFor: null, progress: { ...saga.progress, shippedElsewhere: true } });
}

async function compensateOrGiveUp(run: SagaRun, saga: FulfilmentSagaState, failure: SagaFailure): Promise<Round> {
  try {
    const compensating = saga.status === "compensating" ? saga : await beginCompensation(run, saga, failure);
    return { settled: await compensate(run, compensating, failure) };
  } catch (error) {
    if (error instanceof SagaMoved) throw error;
    const stepFailure = classify(error);
    if (!stepFailure) throw error;
    const current = (await run.sagas.load(saga.creatorId, saga.orderId)) ?? saga;
    if (stepFailure.permanent || (await recordTransientFailure(run, current, stepFailure)) === "give_up") {
      // Undoing failed for good: a person has to look. The saga ends failed and alerted; last_error says what is left.
      const { now } = run.dependencies;
      const stock = failure.cause === "cancelled" ? await releaseCancelledStock(run, current) : "";
      await raiseAlert(run, current, `compensation of ${failure.step} failure could not finish: ${stepFailure.message}${stock}`, "compensation");
      return { settled: await persist(run, current, { status: "failed", lastError: clipError(stepFailure.message), alertedAt: current.alertedAt ?? now(), finishedAt: now(), waitingFor: null }) };
    }
    return "again";
  }
}

/**
 * A cancelled order's stock goes back even when undoing another step (a label, a payment)
 * failed for good: nobody will ship it, and the reservation would keep units from sale.
 * Returns what the alert should add when even that failed.
 */
async function releaseCancelledStock(run: SagaRun, saga: FulfilmentSagaState): Promise<string> {
  try {
    await releaseReservations(run, saga, "cancelled", saga.causeEventId);
    return "";
  } catch (error) {
    return `; its stock could not be released either: ${clipError(error instanceof Error ? error.message : String(error))}`;
  }
}

async function runStepAndPersist(run: SagaRun, saga: FulfilmentSagaState, order: OrderState, step: FulfilmentStep): Promise<Round> {
  let changes: SagaChanges;
  try {
    changes = await runStep(run, saga, order, step);
  } catch (error) {
    return handleStepError(run, saga, step, error);
  }
  const saved = await persist(run, saga, { status: "running", waitingFor: null, nextAttemptAt: null, attempts: 0, lastError: null, ...changes });
  if (saved.status === "completed" && saved.alertedAt !== null) await recordRecovery(run, saved);
  await run.dependencies.afterStep?.({ creatorId: saga.creatorId, orderId: saga.orderId, step });
  return "again";
}

/** A step that threw: pause for configuration, wait for the payment, compensate, or retry later. */
async function handleStepError(run: SagaRun, saga: FulfilmentSagaState, step: FulfilmentStep, error: unknown): Promise<Round> {
  if (error instanceof ConfigurationRequired) return { settled: await pauseForConfiguration(run, saga, step, error) };
  if (error instanceof PaymentNotYetMade) {
    // As for an order TikTok reports UNPAID: wait (the scheduler looks again), and let the wait show its age for the stuck alert.
    if (saga.status === "waiting" && saga.waitingFor === "payment") return { settled: saga };
    return { settled: await persist(run, saga, { status: "waiting", waitingFor: "payment", nextAttemptAt: null, lastError: clipError(error.message) }) };
  }
  const failure = classify(error);
  if (!failure) throw error;
  // An order cancelled while the step ran makes the step fail; that is a cancellation, not a fault.
  const cancelledMeanwhile = (await loadOrder(run, saga.orderId)).status === "cancelled";
  const cause: FulfilmentFailureCause = cancelledMeanwhile ? "cancelled" : failure.failureCause;
  // The step's own error ("Cannot allocate stock to cancelled order") is a consequence: the reason is the cancellation.
  const reason = cancelledMeanwhile && failure.failureCause !== "cancelled" ? `order ${saga.orderId} was cancelled during its ${step} step` : failure.message;
  if (cause === "cancelled" || failure.permanent) {
    await beginCompensation(run, saga, { step, reason: clipError(reason), cause, ...(failure.skuId ? { skuId: failure.skuId } : {}) });
    return "again";
  }
  if ((await recordTransientFailure(run, saga, failure)) === "give_up") {
    await beginCompensation(run, saga, { step, reason: clipError(`gave up after ${saga.attempts + 1} attempts: ${failure.message}`), cause: "retries_exhausted" });
  }
  return "again";
}

/** Schedules another attempt of the step (or of compensating), or says the schedule is spent. */
async function recordTransientFailure(run: SagaRun, saga: FulfilmentSagaState, failure: StepFailure): Promise<"retry" | "give_up"> {
  const attempts = saga.attempts + 1;
  const retryAt = nextAttemptAfter(run.dependencies.stepRetry ?? defaultStepRetry, attempts, run.dependencies.now());
  if (retryAt === null) return "give_up";
  await persist(run, saga, { attempts, lastError: clipError(failure.message), waitingFor: "retry", nextAttemptAt: retryAt, status: saga.status === "compensating" ? "compensating" : "waiting" });
  return "retry";
}

/** Records why the step cannot run here and stops the saga in needs_configuration, for an admin to see. */
async function pauseForConfiguration(run: SagaRun, saga: FulfilmentSagaState, step: FulfilmentStep, gap: ConfigurationRequired): Promise<FulfilmentSagaState> {
  const detail = clipError(gap.message);
  await onOrder(run, saga, `pause:${step}`, saga.causeEventId, "order.fulfilment_paused",
    recordOnce({ type: "order.fulfilment_paused", data: { order_id: saga.orderId, step, reason: "configuration_required", missing: gap.missing, detail } }));
  return persist(run, saga, {
    status: "needs_configuration",
    waitingFor: null,
    nextAttemptAt: null,
    attempts: 0,
    lastError: detail,
    progress: { ...saga.progress, needsConfiguration: { step, missing: gap.missing, detail } },
  });
}

/** A saga that had raised an alert and then finished says so, which resolves the alert. */
async function recordRecovery(run: SagaRun, saga: FulfilmentSagaState): Promise<void> {
  await run.store.appendToStream({
    creatorId: saga.creatorId,
    aggregateId: `system-${saga.creatorId}`,
    aggregateType: "system",
    events: [{ type: "system.recovery_completed", data: { component: saga.orderId, detail: "order fulfilment finished after an alert" } }],
    metadata: metadataFor(saga, saga.causeEventId),
    idempotencyKey: `saga:${saga.orderId}:recovered`,
  });
}
