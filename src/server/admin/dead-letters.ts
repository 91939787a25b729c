// Dead letters in the admin panel. A retry here is a request: the consumer's own runner
// (in the process-events function, where every consumer and the saga's ports live) carries
// it out under its lease before its next batch, and the letter then shows what happened.
import type { Sql } from "postgres";
import { DomainError } from "@/core/domain-error.ts";
import { EventStoreError } from "@/core/event-store/index.ts";
import { createDeadLetters, type DeadLetter } from "@/core/processing/index.ts";

export interface DeadLetterView extends Omit<DeadLetter, "createdAt" | "resolvedAt" | "retryRequestedAt" | "lastRetry"> {
  createdAt: string;
  resolvedAt: string | null;
  retryRequestedAt: string | null;
  lastRetry: { at: string; outcome: "retried" | "failed" | "refused"; message: string } | null;
}

function toView(letter: DeadLetter): DeadLetterView {
  return {
    ...letter,
    createdAt: letter.createdAt.toISOString(),
    resolvedAt: letter.resolvedAt?.toISOString() ?? null,
    retryRequestedAt: letter.retryRequestedAt?.toISOString() ?? null,
    lastRetry: letter.lastRetry ? { ...letter.lastRetry, at: letter.lastRetry.at.toISOString() } : null,
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The core speaks EventStoreError here; the panel's callers get DomainError codes (not found, illegal state). */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EventStoreError && error.code === "not_found") throw new DomainError("not_found", error.message);
    if (error instanceof EventStoreError && error.code === "validation") throw new DomainError("illegal_state", error.message);
    throw error;
  }
}

export function adminDeadLetters(sql: Sql) {
  const letters = createDeadLetters({ sql });
  const checkId = (id: string) => {
    if (!uuidPattern.test(id)) throw new DomainError("not_found", `Dead letter ${id} not found`);
  };
  return {
    async list(filter: { status?: DeadLetter["status"]; consumer?: string; limit?: number } = {}): Promise<DeadLetterView[]> {
      return (await letters.list({ limit: 200, ...filter })).map(toView);
    },
    async get(id: string): Promise<DeadLetterView> {
      checkId(id);
      return toView(await translated(() => letters.get(id)));
    },
    /** Requests the retry; the answer is the letter as it now stands (retry_requested). */
    async requestRetry(id: string, requestedBy: string): Promise<DeadLetterView> {
      checkId(id);
      return toView(await translated(() => letters.requestRetry(id, requestedBy)));
    },
    async discard(id: string, resolvedBy: string): Promise<void> {
      checkId(id);
      await translated(() => letters.discard(id, resolvedBy));
    },
    async pendingCount(): Promise<number> {
      const [row] = await sql<{ count: string }[]>`select count(*) from public.dead_letters where status in ('pending', 'retry_requested')`;
      return Number(row?.count ?? 0);
    },
  };
}
