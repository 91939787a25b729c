// Event processing as the process-events Edge Function runs it: one call serves one lane
// (woken by the appends through pg_net, or by the pg_cron safety net), and the lanes are
// separate calls, so the dashboard's projections never wait behind the fulfilment saga.
//
//   live        every projection in a group of its own (the dashboard's metrics never
//               queue behind another read model), conflict detection, realtime deltas
//   fulfilment  the sagas, which wait on TikTok, payments and carriers; the shops'
//               authorisations (a group of its own: a token refresh never waits behind a
//               saga); the stock outbox (a group of its own); each channel consumer (a group of its own);
//               and the periodic work that calls out (saga resumption,
//               reconciliation, the health check)
import type { Sql } from "postgres";
import { createDemandSignalsConsumer } from "./analytics/demand-signals-consumer.ts";
import { createSyncConflictsConsumer } from "./conflicts/sync-conflicts-consumer.ts";
import { createConsumerRunner, probeEventProcessing, setConsumerShards, type Consumer, type ConsumerRunner } from "./processing/index.ts";
import { DEFAULT_LANE_TIMING, runLaneCall, type LaneCallPorts, type LaneCallResult, type LaneCallTiming, type LaneDrainResult } from "./processing/lane-call.ts";
import { allProjections, projectionConsumer } from "./projections/index.ts";
import { createRealtimePublisher, type RealtimePublisher } from "./realtime/realtime-publisher.ts";

export const LANES = ["live", "fulfilment"] as const;
export type LaneName = (typeof LANES)[number];

export function isLaneName(value: string): value is LaneName {
  return (LANES as readonly string[]).includes(value);
}

/** Every consumer, by lane and group: the one list the Edge Function, the CLI and the tests use. */
export function consumerLanes(
  fulfilmentConsumers: Consumer[],
  shopAuthorizationConsumers: Consumer[] = [],
  stockOutboxConsumers: Consumer[] = [],
  channelConsumers: Consumer[] = [],
): Record<LaneName, Consumer[][]> {
  return {
    live: [
      ...allProjections.map((projection) => [projectionConsumer(projection)]),
      // Detects and settles inventory sync conflicts as TikTok's counts and local writes arrive.
      [createSyncConflictsConsumer()],
      // Reorder suggestions and sales spikes from each SKU's demand forecast as its stock moves.
      [createDemandSignalsConsumer()],
    ],
    // Each channel consumer in a group of its own: an order from another channel reserves
    // without waiting behind a saga, and a slow channel's writes hold back no other work.
    fulfilment: [fulfilmentConsumers, shopAuthorizationConsumers, stockOutboxConsumers, ...channelConsumers.map((consumer) => [consumer])].filter((group) => group.length > 0),
  };
}

/**
 * Splits one of the live lane's consumers into `shardCount` shards by creator (1 joins it
 * back), each with its own lease and checkpoint, served by its own process-events call.
 * Only transactional consumers (the projections, conflict detection) can be sharded: their
 * batches commit with their checkpoint, which is what lets a change of the count neither
 * skip nor repeat an event (see "Consumers split into shards" in the baseline migration,
 * supabase/migrations/20261203001400_baseline.sql, section 3).
 */
export async function shardLiveConsumer(sql: Sql, consumerName: string, shardCount: number): Promise<void> {
  const consumer = consumerLanes([]).live.flat().find((candidate) => candidate.name === consumerName);
  if (!consumer) throw new Error(`${consumerName} is not a consumer of the live lane; only those can be sharded`);
  if (!consumer.transactional) throw new Error(`${consumerName} is not transactional; only transactional consumers can be sharded`);
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 64) throw new Error(`The shard count must be a whole number from 1 to 64, got ${shardCount}`);
  await setConsumerShards(sql, { consumer: consumerName, lane: "live", shardCount });
}

export interface ProcessLaneResult extends LaneCallResult {
  lane: LaneName;
  shard: number;
  /** Epoch ms when the call began, for measuring the wake-up's delay. */
  startedAt: number;
}

export interface EventProcessingOptions {
  sql: Sql;
  owner: string;
  /** The sagas: the fulfilment lane's consumers. */
  fulfilmentConsumers?: Consumer[];
  /** Acting on TikTok's authorisation notices (src/core/shops/shop-authorization-consumer.ts); in the fulfilment lane, since they call TikTok. */
  shopAuthorizationConsumers?: Consumer[];
  /** The stock outbox (src/core/inventory/stock-outbox-consumer.ts): local stock changes pushed to TikTok; in the fulfilment lane, in a group of its own. */
  stockOutboxConsumers?: Consumer[];
  /** Other channels (src/core/channels): their orders' reservations and the pool's pushes to them; in the fulfilment lane, each in a group of its own. */
  channelConsumers?: Consumer[];
  leaseMs?: number;
  timing?: Partial<Omit<LaneCallTiming, "budgetMs">>;
  /** Runs before a call drains (refreshing lookups the consumers use). */
  beforeCall?: () => Promise<void>;
  /** Runs after a fulfilment call (work due by time rather than by an event). */
  afterFulfilmentCall?: () => Promise<void>;
  now?: () => number;
}

/** What every call of every lane shares: built once by createEventProcessing. */
interface LaneSetup {
  options: EventProcessingOptions;
  lanes: Record<LaneName, Consumer[][]>;
  publisher: RealtimePublisher;
  now: () => number;
}

/** A lane's consumer groups for one call, each with its own runner. */
type LaneRunners = { consumers: Consumer[]; runner: ConsumerRunner }[];

export function createEventProcessing(options: EventProcessingOptions) {
  const lanes = consumerLanes(options.fulfilmentConsumers ?? [], options.shopAuthorizationConsumers ?? [], options.stockOutboxConsumers ?? [], options.channelConsumers ?? []);
  const setup: LaneSetup = { options, lanes, publisher: createRealtimePublisher({ sql: options.sql }), now: options.now ?? (() => Date.now()) };
  return {
    processLane: (lane: LaneName, budgetMs: number, shard = 0) => processLane(setup, lane, budgetMs, shard),
    consumers: LANES.flatMap((lane) => lanes[lane].flat()),
  };
}

/**
 * One call of a lane, for one shard: shard k serves shard k of every consumer of the lane
 * split into more than k shards; shard 0 also serves the unsharded ones.
 */
async function processLane(setup: LaneSetup, lane: LaneName, budgetMs: number, shard: number): Promise<ProcessLaneResult> {
  const { options } = setup;
  const startedAt = setup.now();
  await options.beforeCall?.();
  const runners = runnersForCall(setup, lane, shard);
  let result: LaneCallResult;
  try {
    result = await runLaneCall(lanePorts(setup, lane, shard, runners), { ...DEFAULT_LANE_TIMING, ...options.timing, budgetMs });
  } finally {
    await releaseLeases(runners);
  }
  // After the flag's release: whatever this appends wakes a new call.
  if (lane === "fulfilment" && shard === 0) await options.afterFulfilmentCall?.();
  return { lane, shard, startedAt, ...result };
}

// Each call its own lease owner: two calls of one lane in the same isolate (a wake-up
// arriving while a call runs) must fence each other like calls in different ones.
function runnersForCall({ options, lanes }: LaneSetup, lane: LaneName, shard: number): LaneRunners {
  const { sql, leaseMs } = options;
  return lanes[lane].map((consumers) => ({
    consumers,
    runner: createConsumerRunner({ sql, consumers, owner: `${options.owner}-${lane}-${shard}-${crypto.randomUUID()}`, leaseMs, shard }),
  }));
}

/**
 * One round: every group takes one batch, concurrently. Rounds rather than draining each
 * group to the end, so the call publishes deltas between batches while a backlog lasts.
 */
async function drainRound(runners: LaneRunners): Promise<LaneDrainResult> {
  const outcomes = (await Promise.all(runners.map(({ runner }) => runner.tick()))).flat();
  return { processed: outcomes.reduce((sum, outcome) => sum + outcome.processed, 0), skipped: outcomes.some((outcome) => outcome.skipped) };
}

async function releaseLeases(runners: LaneRunners): Promise<void> {
  for (const { runner } of runners) await runner.releaseLeases();
}

/** The lane call's ports over Postgres: the wake-up flag and probe of event_processing_lanes, this call's runners, the realtime publisher (live lane only). */
function lanePorts({ options, publisher }: LaneSetup, lane: LaneName, shard: number, runners: LaneRunners): LaneCallPorts {
  const { sql } = options;
  return {
    probe: () => probeEventProcessing(sql),
    drain: () => drainRound(runners),
    publish: lane === "live" ? () => publishDueDeltas(publisher) : undefined,
    releaseFlag: async () => {
      await sql`select public.release_event_processing_lane(${lane}, ${shard}::int)`;
    },
    handOff: async () => {
      await sql`select public.request_event_processing(array[${lane}]::text[], false, ${shard}::int)`;
    },
    clock: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

async function publishDueDeltas(publisher: RealtimePublisher): Promise<{ sent: number; waitingMs: number | null }> {
  const publication = await publisher.publishDue();
  return { sent: publication.sent, waitingMs: publication.nextDueInMs };
}
