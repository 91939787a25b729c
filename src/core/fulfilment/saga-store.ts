// The fulfilment_sagas table: one row per order's saga, every write a compare-and-set on
// `version`, so a runner that lost a race reloads instead of overwriting newer state.
import type { Sql } from "postgres";
import { fromSnakeCaseRow, type SnakeCaseRow } from "../snake-case-rows.ts";
import type { FulfilmentSagaState, SagaProgress, SagaStep } from "./saga-state.ts";

/** A saga stopped in needs_configuration, as the admin panel lists it. */
export interface SagaNeedingConfiguration {
  creatorId: string;
  orderId: string;
  step: SagaStep;
  missing: string | null;
  detail: string | null;
  since: Date;
}

/** fulfilment_sagas has a column for each field of the state, and no other. */
type SagaRow = SnakeCaseRow<FulfilmentSagaState>;
const fromRow = (row: SagaRow) => fromSnakeCaseRow<FulfilmentSagaState>(row);

export type SagaChanges = Partial<Omit<FulfilmentSagaState, "creatorId" | "orderId" | "version" | "startedAt" | "updatedAt">>;

export function createSagaStore(sql: Sql) {
  async function load(creatorId: string, orderId: string): Promise<FulfilmentSagaState | null> {
    const [row] = await sql<SagaRow[]>`select * from public.fulfilment_sagas where creator_id = ${creatorId}::uuid and order_id = ${orderId}`;
    return row ? fromRow(row) : null;
  }

  /** Starts a saga unless the order already has one (a redelivered trigger finds it). */
  async function start(saga: { creatorId: string; orderId: string; correlationId: string; causeEventId: string; now: Date }): Promise<void> {
    await sql`
      insert into public.fulfilment_sagas (creator_id, order_id, status, step, correlation_id, cause_event_id, started_at, updated_at)
      values (${saga.creatorId}::uuid, ${saga.orderId}, 'running', 'validate', ${saga.correlationId}::uuid, ${saga.causeEventId}::uuid, ${saga.now}, ${saga.now})
      on conflict (creator_id, order_id) do nothing`;
  }

  /** Writes the changes if nobody wrote since `saga` was read; null when someone did. */
  async function save(saga: FulfilmentSagaState, changes: SagaChanges, now: Date): Promise<FulfilmentSagaState | null> {
    const next = { ...saga, ...changes };
    const [row] = await sql<SagaRow[]>`
      update public.fulfilment_sagas set
        status = ${next.status}, step = ${next.step}, waiting_for = ${next.waitingFor},
        cause_event_id = ${next.causeEventId}::uuid, progress = ${sql.json(next.progress as never)},
        attempts = ${next.attempts}, last_error = ${next.lastError}, next_attempt_at = ${next.nextAttemptAt},
        failure = ${next.failure === null ? null : sql.json(next.failure as never)}, alerted_at = ${next.alertedAt},
        finished_at = ${next.finishedAt}, updated_at = ${now}, version = version + 1
      where creator_id = ${saga.creatorId}::uuid and order_id = ${saga.orderId} and version = ${saga.version}
      returning *`;
    return row ? fromRow(row) : null;
  }

  return {
    load,
    start,
    save,
    dueForResume: (now: Date, interruptedAfterMs: number, limit: number) => sagasDueForResume(sql, now, interruptedAfterMs, limit),
    needingConfiguration: (limit: number) => sagasNeedingConfiguration(sql, limit),
  };
}

/**
 * Sagas the scheduler should look at: a retry that is due, a wait whose reason may have
 * passed, or a run that stopped moving (its process died) for `interruptedAfterMs`.
 */
async function sagasDueForResume(sql: Sql, now: Date, interruptedAfterMs: number, limit: number): Promise<{ creatorId: string; orderId: string }[]> {
  const interruptedBefore = new Date(now.getTime() - interruptedAfterMs);
  const rows = await sql<{ creator_id: string; order_id: string }[]>`
    select creator_id, order_id from public.fulfilment_sagas
     where status in ('running', 'waiting', 'compensating')
       and ((waiting_for = 'retry' and next_attempt_at <= ${now})
            or waiting_for in ('payment', 'hold_release')
            or (waiting_for is null and updated_at <= ${interruptedBefore}))
     -- Due retries and interrupted runs before the sagas that are merely waiting.
     order by coalesce(waiting_for in ('payment', 'hold_release'), false), updated_at
     limit ${limit}`;
  return rows.map((row) => ({ creatorId: row.creator_id, orderId: row.order_id }));
}

/** Sagas stopped for lack of configuration, oldest first, and how many there are in all. */
async function sagasNeedingConfiguration(sql: Sql, limit: number): Promise<{ total: number; sagas: SagaNeedingConfiguration[] }> {
  const [{ total }] = await sql<{ total: number }[]>`select count(*)::int as total from public.fulfilment_sagas where status = 'needs_configuration'`;
  const rows = await sql<{ creator_id: string; order_id: string; step: SagaStep; progress: SagaProgress; last_error: string | null; updated_at: Date }[]>`
    select creator_id, order_id, step, progress, last_error, updated_at from public.fulfilment_sagas
     where status = 'needs_configuration' order by updated_at limit ${limit}`;
  return {
    total,
    sagas: rows.map((row) => ({
      creatorId: row.creator_id,
      orderId: row.order_id,
      step: row.progress.needsConfiguration?.step ?? row.step,
      missing: row.progress.needsConfiguration?.missing ?? null,
      detail: row.progress.needsConfiguration?.detail ?? row.last_error,
      since: row.updated_at,
    })),
  };
}

export type SagaStore = ReturnType<typeof createSagaStore>;
