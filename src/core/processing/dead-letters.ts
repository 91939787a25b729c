// Events a consumer gave up on after its last retry. An admin inspects them, then
// requests a retry (the consumer's runner carries it out under its lease before its next
// batch: dead-letter-retry.ts) or discards them.
import type { Sql } from "postgres";
import { EventStoreError } from "../event-store/index.ts";

export interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string;
  eventPosition: number;
  eventType: string;
  creatorId: string;
  event: Record<string, unknown>;
  error: string;
  attempts: number;
  status: "pending" | "retry_requested" | "retried" | "discarded";
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  retryRequestedAt: Date | null;
  retryRequestedBy: string | null;
  /** What became of the last retry: applied, failed again (error is the new one), or refused (why, and what to do). */
  lastRetry: { at: Date; outcome: "retried" | "failed" | "refused"; message: string } | null;
}

interface DeadLetterRow {
  id: string;
  consumer: string;
  event_id: string;
  event_position: string;
  event_type: string;
  creator_id: string;
  event: Record<string, unknown>;
  error: string;
  attempts: number;
  status: DeadLetter["status"];
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  retry_requested_at: Date | null;
  retry_requested_by: string | null;
  last_retry_at: Date | null;
  last_retry_outcome: "retried" | "failed" | "refused" | null;
  last_retry_message: string | null;
}

const toDeadLetter = (row: DeadLetterRow): DeadLetter => ({
  id: row.id,
  consumer: row.consumer,
  eventId: row.event_id,
  eventPosition: Number(row.event_position),
  eventType: row.event_type,
  creatorId: row.creator_id,
  event: row.event,
  error: row.error,
  attempts: row.attempts,
  status: row.status,
  createdAt: row.created_at,
  resolvedAt: row.resolved_at,
  resolvedBy: row.resolved_by,
  retryRequestedAt: row.retry_requested_at,
  retryRequestedBy: row.retry_requested_by,
  lastRetry: row.last_retry_at && row.last_retry_outcome ? { at: row.last_retry_at, outcome: row.last_retry_outcome, message: row.last_retry_message ?? "" } : null,
});

export function createDeadLetters({ sql }: { sql: Sql }) {
  async function list(filter: { status?: DeadLetter["status"]; consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const rows = await sql<DeadLetterRow[]>`
      select * from public.dead_letters
       where true
         ${filter.status ? sql`and status = ${filter.status}` : sql``}
         ${filter.consumer ? sql`and consumer = ${filter.consumer}` : sql``}
       order by created_at desc
       limit ${filter.limit ?? 100}`;
    return rows.map(toDeadLetter);
  }

  async function get(id: string): Promise<DeadLetter> {
    const [row] = await sql<DeadLetterRow[]>`select * from public.dead_letters where id = ${id}`;
    if (!row) throw new EventStoreError("not_found", `Dead letter ${id} not found`);
    return toDeadLetter(row);
  }

  /**
   * Asks the consumer's runner to retry the event; the request wakes event processing
   * (a trigger, as appends do). The letter shows the outcome once the runner has settled it.
   */
  async function requestRetry(id: string, requestedBy: string): Promise<DeadLetter> {
    const [row] = await sql<DeadLetterRow[]>`
      update public.dead_letters set status = 'retry_requested', retry_requested_at = now(), retry_requested_by = ${requestedBy}
       where id = ${id} and status = 'pending'
      returning *`;
    if (row) return toDeadLetter(row);
    const letter = await get(id);
    throw new EventStoreError("validation", `Dead letter ${id} is ${letter.status.replace("_", " ")}, not pending`);
  }

  async function discard(id: string, resolvedBy: string): Promise<void> {
    const discarded = await sql`
      update public.dead_letters set status = 'discarded', resolved_at = now(), resolved_by = ${resolvedBy}
       where id = ${id} and status = 'pending'`;
    if (discarded.count === 0) {
      await get(id);
      throw new EventStoreError("validation", `Dead letter ${id} is no longer pending`);
    }
  }

  return { list, get, requestRetry, discard };
}
