// Events a consumer gave up on after its last retry. An admin inspects them, then
// retries (the consumer's handler runs again on the stored event) or discards them.
import type { Sql } from "postgres";
import { createEventStore, EventStoreError } from "../event-store/index.ts";
import type { Consumer } from "./consumer.ts";

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
  status: "pending" | "retried" | "discarded";
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
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
});

export function createDeadLetters({ sql, consumers, now = () => new Date() }: { sql: Sql; consumers: Consumer[]; now?: () => Date }) {
  const store = createEventStore({ sql });

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

  /** Runs the consumer's handler on the event once more; on success the letter is marked retried. */
  async function retry(id: string, resolvedBy: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const letter = await get(id);
    if (letter.status !== "pending") throw new EventStoreError("validation", `Dead letter ${id} is already ${letter.status}`);
    const consumer = consumers.find((candidate) => candidate.name === letter.consumer);
    if (!consumer) throw new EventStoreError("not_found", `Consumer ${letter.consumer} is not running here`);
    const event = (await store.readStream(String(letter.event.aggregateId))).find((stored) => stored.id === letter.eventId);
    if (!event) throw new EventStoreError("not_found", `Event ${letter.eventId} of dead letter ${id} not found`);
    try {
      await sql.begin(async (transaction) => {
        const tx = transaction as unknown as Sql;
        const context = { sql: consumer.transactional ? tx : sql, replay: false, now };
        await consumer.handleBatch([event], context);
        await tx`update public.dead_letters set status = 'retried', resolved_at = now(), resolved_by = ${resolvedBy}
                  where id = ${id} and status = 'pending'`;
        await tx`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome)
                 values (${letter.consumer}, ${letter.eventId}, ${letter.attempts + 1}, 'succeeded')`;
      });
      return { ok: true };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await sql`update public.dead_letters set error = ${message}, attempts = attempts + 1 where id = ${id}`;
      return { ok: false, error: message };
    }
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

  return { list, get, retry, discard };
}
