// Dead letters in the admin panel: the consumers whose handlers can run in this server
// process (every projection and the sync-conflicts consumer). The fulfilment saga needs
// its TikTok, payment and carrier ports, which live in the process-events function: its
// letters are listed and can be discarded here, and a retry of one says so plainly.
import type { Sql } from "postgres";
import { createSyncConflictsConsumer } from "@/core/conflicts/index.ts";
import { DomainError } from "@/core/domain-error.ts";
import { EventStoreError } from "@/core/event-store/index.ts";
import { createDeadLetters, type Consumer, type DeadLetter } from "@/core/processing/index.ts";
import { allProjections, projectionConsumer } from "@/core/projections/index.ts";

export function retryableConsumers(): Consumer[] {
  return [...allProjections.map((projection) => projectionConsumer(projection)), createSyncConflictsConsumer()];
}

export interface DeadLetterView extends Omit<DeadLetter, "createdAt" | "resolvedAt"> {
  createdAt: string;
  resolvedAt: string | null;
  /** A retry can run here (the consumer's handler is available in this process). */
  retryable: boolean;
}

function toView(letter: DeadLetter, retryable: ReadonlySet<string>): DeadLetterView {
  return { ...letter, createdAt: letter.createdAt.toISOString(), resolvedAt: letter.resolvedAt?.toISOString() ?? null, retryable: retryable.has(letter.consumer) };
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

export function adminDeadLetters(sql: Sql, consumers: Consumer[] = retryableConsumers()) {
  const letters = createDeadLetters({ sql, consumers });
  const retryable = new Set(consumers.map((consumer) => consumer.name));
  const checkId = (id: string) => {
    if (!uuidPattern.test(id)) throw new DomainError("not_found", `Dead letter ${id} not found`);
  };
  return {
    async list(filter: { status?: DeadLetter["status"]; consumer?: string; limit?: number } = {}): Promise<DeadLetterView[]> {
      return (await letters.list({ limit: 200, ...filter })).map((letter) => toView(letter, retryable));
    },
    async get(id: string): Promise<DeadLetterView> {
      checkId(id);
      return toView(await translated(() => letters.get(id)), retryable);
    },
    async retry(id: string, resolvedBy: string): Promise<{ ok: true } | { ok: false; error: string }> {
      checkId(id);
      const letter = await translated(() => letters.get(id));
      if (!retryable.has(letter.consumer)) {
        throw new DomainError("illegal_state", `${letter.consumer} runs in the process-events function, not here; retry it there or discard it`);
      }
      return translated(() => letters.retry(id, resolvedBy));
    },
    async discard(id: string, resolvedBy: string): Promise<void> {
      checkId(id);
      await translated(() => letters.discard(id, resolvedBy));
    },
    async pendingCount(): Promise<number> {
      const [row] = await sql<{ count: string }[]>`select count(*) from public.dead_letters where status = 'pending'`;
      return Number(row?.count ?? 0);
    },
  };
}
