// One round of event processing, as the process-events Edge Function runs it on every
// call (pg_cron on hosted Supabase, the dev scheduler locally): every consumer catches
// up for at most a time budget while the coalesced realtime deltas go out.
//
// Consumers run in groups, concurrently: each projection on its own (the dashboard's
// metrics never queue behind another read model), conflict detection, and the sagas
// (which wait on TikTok and carriers). Within a group the runner's priorities apply.
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

const PUBLISH_EVERY_MS = 25;

export function createEventProcessing(options: {
  sql: Sql;
  owner: string;
  /** Extra consumers (sagas), run as a group of their own. */
  consumers?: Consumer[];
  leaseMs?: number;
  /** Runs before each call's catch-up (refreshing lookups the consumers use). */
  beforeRound?: () => Promise<void>;
  /** Runs after it (resuming sagas that wait on time rather than on an event). */
  afterRound?: () => Promise<void>;
}) {
  const groups = [
    ...allProjections.map((projection) => [projectionConsumer(projection)]),
    // Detects and settles inventory sync conflicts as TikTok's counts and local writes arrive.
    [createSyncConflictsConsumer()],
    options.consumers ?? [],
  ].filter((group) => group.length > 0);
  const runners = groups.map((consumers) => createConsumerRunner({ sql: options.sql, consumers, owner: options.owner, leaseMs: options.leaseMs }));
  const publisher = createRealtimePublisher({ sql: options.sql });
  const consumers = groups.flat();

  async function processFor(budgetMs: number, clock: () => number = () => performance.now()): Promise<ProcessEventsResult> {
    const deadline = clock() + budgetMs;
    const totals = { processed: 0, ticks: 0, published: 0 };
    let stillBusy = false;
    let groupsRunning = runners.length;
    await options.beforeRound?.();

    const drainGroup = async (runner: (typeof runners)[number], group: Consumer[]) => {
      try {
        for (;;) {
          const outcomes = await runner.tick();
          totals.ticks += 1;
          const progressed = outcomes.reduce((sum, outcome) => sum + outcome.processed, 0);
          totals.processed += progressed;
          const failed = outcomes.some((outcome) => outcome.failed);
          if (clock() >= deadline) {
            if (progressed > 0 || failed) stillBusy = true;
            return;
          }
          if (progressed === 0 && !failed) {
            if (outcomes.some((outcome) => outcome.skipped)) stillBusy = true;
            return;
          }
        }
      } finally {
        for (const consumer of group) await runner.releaseLease(consumer.name);
        groupsRunning -= 1;
      }
    };

    // Deltas go out while the groups work, so a long catch-up still shows progress live.
    const publishWhileDraining = async () => {
      for (;;) {
        const publication = await publisher.publishDue();
        totals.published += publication.sent;
        if (groupsRunning === 0) return publication.waiting > 0;
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
      }
    };

    const [deltasWaiting] = await Promise.all([publishWhileDraining(), ...runners.map((runner, index) => drainGroup(runner, groups[index]))]);
    await options.afterRound?.();
    return { ...totals, moreWaiting: stillBusy || deltasWaiting };
  }

  return { processFor, consumers };
}
