// One round of event processing, as the process-events Edge Function runs it on every
// call (pg_cron on hosted Supabase, the dev scheduler locally): every consumer catches
// up for at most a time budget, then the coalesced realtime deltas go out.
import type { Sql } from "postgres";
import { createSyncConflictsConsumer } from "./conflicts/sync-conflicts-consumer.ts";
import { createConsumerRunner, type Consumer } from "./processing/index.ts";
import { allProjections, projectionConsumer } from "./projections/index.ts";
import { createRealtimePublisher } from "./realtime/realtime-publisher.ts";

export interface ProcessEventsResult {
  processed: number;
  ticks: number;
  published: number;
  /** More is waiting (budget spent, a consumer held elsewhere, deltas not yet due): call again soon. */
  moreWaiting: boolean;
}

export function createEventProcessing(options: {
  sql: Sql;
  owner: string;
  consumers?: Consumer[];
  leaseMs?: number;
  /** Runs before each call's catch-up (refreshing lookups the consumers use). */
  beforeRound?: () => Promise<void>;
  /** Runs after it (resuming sagas that wait on time rather than on an event). */
  afterRound?: () => Promise<void>;
}) {
  const consumers = [
    ...allProjections.map((projection) => projectionConsumer(projection)),
    // Detects and settles inventory sync conflicts as TikTok's counts and local writes arrive.
    createSyncConflictsConsumer(),
    ...(options.consumers ?? []),
  ];
  const runner = createConsumerRunner({ sql: options.sql, consumers, owner: options.owner, leaseMs: options.leaseMs });
  const publisher = createRealtimePublisher({ sql: options.sql });

  async function processFor(budgetMs: number, clock: () => number = () => performance.now()): Promise<ProcessEventsResult> {
    const deadline = clock() + budgetMs;
    let processed = 0;
    let ticks = 0;
    let published = 0;
    let moreWaiting = false;
    await options.beforeRound?.();
    try {
      for (;;) {
        const outcomes = await runner.tick();
        ticks += 1;
        const progressed = outcomes.reduce((sum, outcome) => sum + outcome.processed, 0);
        processed += progressed;
        // Deltas go out between batches, so a long catch-up still shows progress live.
        const publication = await publisher.publishDue();
        published += publication.sent;
        const failed = outcomes.some((outcome) => outcome.failed);
        if (clock() >= deadline) {
          moreWaiting = progressed > 0 || failed || publication.waiting > 0;
          break;
        }
        if (progressed === 0 && !failed) {
          moreWaiting = publication.waiting > 0 || outcomes.some((outcome) => outcome.skipped);
          break;
        }
      }
    } finally {
      for (const consumer of consumers) await runner.releaseLease(consumer.name);
    }
    await options.afterRound?.();
    return { processed, ticks, published, moreWaiting };
  }

  return { processFor, consumers };
}
