// The order fulfilment saga: validate the order with TikTok, reserve its stock, confirm
// the payment, buy a shipping label, ship the package on TikTok; and when a step fails
// for good (or the buyer cancels), undo what was done in the reverse order.
//
// Every step is persisted (fulfilment_sagas) before the next starts, and each is
// idempotent on its own, so a run that crashed is resumed from where it stood.
//   saga-state.ts          where a saga stands, and the pure choice of what it does next
//   saga-runner.ts         moves a saga: asks nextSagaAction, does it, persists the outcome
//   saga-steps.ts          the five steps (labels in shipping-labels.ts)
//   saga-compensations.ts  undoing them
//   saga-run.ts            what a run works with, and the commands and alerts all share
//   saga-errors.ts         how a failure is judged (retry, compensate, configure, reload)
// This file wires the saga to the order events (a consumer) and to the scheduler (resume).
import type { Sql } from "postgres";
import { orderIdOf } from "../event-catalogue.ts";
import type { StoredEvent } from "../event-store/index.ts";
import { orderAggregateId } from "../orders/events.ts";
import { evolveOrder, initialOrderState } from "../orders/order.ts";
import { reactorConsumer, type Consumer, type ReactorContext } from "../processing/index.ts";
import { raiseAlert, FULFILMENT_SAGA_COMPONENT, sagaRunOn, type FulfilmentSagaDependencies } from "./saga-run.ts";
import { advanceSaga } from "./saga-runner.ts";
import { progressOf } from "./saga-state.ts";
import { createSagaStore } from "./saga-store.ts";

export { FULFILMENT_ALERT_SOURCE, type FulfilmentSagaDependencies } from "./saga-run.ts";

export const FULFILMENT_SAGA_NAME = "fulfilment-saga";

/** Reacts to an order event: starts the saga on a new order, wakes or stops it on the others. */
async function handleOrderEvent(dependencies: FulfilmentSagaDependencies, event: StoredEvent, context: ReactorContext): Promise<void> {
  // The saga's own events need no reaction: it moved on when it recorded them.
  if (event.metadata.component === FULFILMENT_SAGA_COMPONENT) return;
  const orderId = orderIdOf(event) ?? "";
  if (!orderId) return;
  const { now } = dependencies;
  const sagas = createSagaStore(context.sql);
  if (event.type === "order.received_from_tiktok") {
    // An order first seen cancelled or already shipped (or read again from the start of the stream) has nothing to fulfil.
    const order = await context.store.aggregateStream({ aggregateId: orderAggregateId(orderId), initialState: initialOrderState, evolve: evolveOrder });
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
  await advanceSaga(sagaRunOn(context.sql, dependencies), event.creatorId, orderId);
}

/**
 * The fulfilment saga as a consumer of order events; run it with the consumer runner. A reactor:
 * it calls TikTok, the gateway and the carrier, which no transaction can span, and a replay must
 * not call them again.
 */
export function createFulfilmentSaga(dependencies: FulfilmentSagaDependencies & { name?: string }): Consumer {
  return reactorConsumer({
    name: dependencies.name ?? FULFILMENT_SAGA_NAME,
    handles: ["order.*"],
    // It reads the order's and its own current state, never acts on the event alone: a retried event may come late.
    lateEvents: "tolerated",
    batchSize: 50,
    async react(events, context) {
      for (const event of events) await handleOrderEvent(dependencies, event, context);
    },
  });
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
  const run = sagaRunOn(sql, options);
  const stuckAfterMs = options.stuckAfterMs ?? 3 * 60 * 60 * 1000;
  const due = await run.sagas.dueForResume(now(), options.interruptedAfterMs ?? 5 * 60 * 1000, options.limit ?? 100);
  const summary: ResumeSummary = { examined: due.length, completed: 0, failed: 0, cancelled: 0, waiting: 0, alerted: 0 };
  for (const { creatorId, orderId } of due) {
    const saga = await advanceSaga(run, creatorId, orderId);
    if (!saga) continue;
    if (saga.status === "completed") summary.completed += 1;
    else if (saga.status === "failed") summary.failed += 1;
    else if (saga.status === "cancelled") summary.cancelled += 1;
    else summary.waiting += 1;
    const waitedMs = now().getTime() - saga.updatedAt.getTime();
    if (saga.status === "waiting" && saga.alertedAt === null && waitedMs >= stuckAfterMs) {
      await raiseAlert(run, saga, `order ${orderId} has waited for ${saga.waitingFor ?? "its next step"} for ${Math.round(waitedMs / 60_000)} minutes`, "stuck");
      await run.sagas.save(saga, { alertedAt: now() }, now());
      summary.alerted += 1;
    }
  }
  return summary;
}
