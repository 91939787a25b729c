// Event processing as the process-events Edge Function runs it: one call serves one lane
// (woken by the appends through pg_net, or by the pg_cron safety net), and the lanes are
// separate calls, so the dashboard's projections never wait behind the fulfilment saga.
//
//   live        every projection in a group of its own (the dashboard's metrics never
//               queue behind another read model), conflict detection, realtime deltas
//   fulfilment  the sagas, which wait on TikTok, payments and carriers; the shops'
//               authorisations (a group of its own: a token refresh never waits behind a
//               saga); the stock outbox (a group of its own); and the periodic work that calls out (saga resumption,
//               reconciliation, the health check)
import type { Sql } from "postgres";
import { createDemandSignalsConsumer } from "./analytics/demand-signals-consumer.ts";
import { createSyncConflictsConsumer } from "./conflicts/sync-conflicts-consumer.ts";
import { createConsumerRunner, type Consumer } from "./processing/index.ts";
import { DEFAULT_LANE_TIMING, runLaneCall, type LaneCallPorts, type LaneCallResult, type LaneCallTiming, type LaneDrainResult } from "./processing/lane-call.ts";
import { allProjections, projectionConsumer } from "./projections/index.ts";
import { createRealtimePublisher } from "./realtime/realtime-publisher.ts";

export const LANES = ["live", "fulfilment"] as const;
export type LaneName = (typeof LANES)[number];

export function isLaneName(value: string): value is LaneName {
  return (LANES as readonly string[]).includes(value);
}

/** Every consumer, by lane and group: the one list the Edge Function, the CLI and the tests use. */
export function consumerLanes(fulfilmentConsumers: Consumer[], shopAuthorizationConsumers: Consumer[] = [], stockOutboxConsumers: Consumer[] = []): Record<LaneName, Consumer[][]> {
  return {
    live: [
      ...allProjections.map((projection) => [projectionConsumer(projection)]),
      // Detects and settles inventory sync conflicts as TikTok's counts and local writes arrive.
      [createSyncConflictsConsumer()],
      // Reorder suggestions and sales spikes from each SKU's demand forecast as its stock moves.
      [createDemandSignalsConsumer()],
    ],
    fulfilment: [fulfilmentConsumers, shopAuthorizationConsumers, stockOutboxConsumers].filter((group) => group.length > 0),
  };
}

export interface ProcessLaneResult extends LaneCallResult {
  lane: LaneName;
  /** Epoch ms when the call began, for measuring the wake-up's delay. */
  startedAt: number;
}

export function createEventProcessing(options: {
  sql: Sql;
  owner: string;
  /** The sagas: the fulfilment lane's consumers. */
  fulfilmentConsumers?: Consumer[];
  /** Acting on TikTok's authorisation notices (src/core/shops/shop-authorization-consumer.ts); in the fulfilment lane, since they call TikTok. */
  shopAuthorizationConsumers?: Consumer[];
  /** The stock outbox (src/core/inventory/stock-outbox-consumer.ts): local stock changes pushed to TikTok; in the fulfilment lane, in a group of its own. */
  stockOutboxConsumers?: Consumer[];
  leaseMs?: number;
  timing?: Partial<Omit<LaneCallTiming, "budgetMs">>;
  /** Runs before a call drains (refreshing lookups the consumers use). */
  beforeCall?: () => Promise<void>;
  /** Runs after a fulfilment call (work due by time rather than by an event). */
  afterFulfilmentCall?: () => Promise<void>;
  now?: () => number;
}) {
  const { sql } = options;
  const lanes = consumerLanes(options.fulfilmentConsumers ?? [], options.shopAuthorizationConsumers ?? [], options.stockOutboxConsumers ?? []);
  type LaneRunners = { consumers: Consumer[]; runner: ReturnType<typeof createConsumerRunner> }[];
  // Each call its own lease owner: two calls of one lane in the same isolate (a wake-up
  // arriving while a call runs) must fence each other like calls in different ones.
  const runnersForCall = (lane: LaneName): LaneRunners =>
    lanes[lane].map((consumers) => ({
      consumers,
      runner: createConsumerRunner({ sql, consumers, owner: `${options.owner}-${lane}-${crypto.randomUUID()}`, leaseMs: options.leaseMs }),
    }));
  const publisher = createRealtimePublisher({ sql });
  const clock = () => performance.now();
  const now = options.now ?? (() => Date.now());

  /**
   * One round: every group takes one batch, concurrently. Rounds rather than draining each
   * group to the end, so the call publishes deltas between batches while a backlog lasts.
   */
  async function drainRound(runners: LaneRunners): Promise<LaneDrainResult> {
    const outcomes = (await Promise.all(runners.map(({ runner }) => runner.tick()))).flat();
    return { processed: outcomes.reduce((sum, outcome) => sum + outcome.processed, 0), skipped: outcomes.some((outcome) => outcome.skipped) };
  }

  async function releaseLeases(runners: LaneRunners): Promise<void> {
    for (const { consumers, runner } of runners) {
      for (const consumer of consumers) await runner.releaseLease(consumer.name);
    }
  }

  async function processLane(lane: LaneName, budgetMs: number): Promise<ProcessLaneResult> {
    const startedAt = now();
    await options.beforeCall?.();
    const runners = runnersForCall(lane);
    let result: LaneCallResult;
    try {
      result = await runLaneCall(lanePorts(lane, runners), { ...DEFAULT_LANE_TIMING, ...options.timing, budgetMs });
    } finally {
      await releaseLeases(runners);
    }
    // After the flag's release: whatever this appends wakes a new call.
    if (lane === "fulfilment") await options.afterFulfilmentCall?.();
    return { lane, startedAt, ...result };
  }

  function lanePorts(lane: LaneName, runners: LaneRunners): LaneCallPorts {
    return {
      probe: async () => {
        const [row] = await sql<{ head: string; xmin: string; xmax: string }[]>`
          select head::text, xmin::text, xmax::text from public.event_processing_probe()`;
        return { head: row.head, xmin: BigInt(row.xmin), xmax: BigInt(row.xmax) };
      },
      drain: () => drainRound(runners),
      publish:
        lane === "live"
          ? async () => {
              const publication = await publisher.publishDue();
              return { sent: publication.sent, waitingMs: publication.nextDueInMs };
            }
          : undefined,
      releaseFlag: async () => {
        await sql`select public.release_event_processing_lane(${lane})`;
      },
      handOff: async () => {
        await sql`select public.request_event_processing(array[${lane}]::text[])`;
      },
      clock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  }

  return { processLane, consumers: LANES.flatMap((lane) => lanes[lane].flat()) };
}
