// `npm run bench -- process`: how fast projections rebuild from the events (target at
// least 50,000 events/s into the dashboard projections), how long loading a 10,000-event
// inventory aggregate takes with and without a snapshot (target at most 5 ms with one),
// the wake-up's delay (append commit → process-events start, p99 at most 50 ms), and
// freshness through that wake-up (webhook accepted → delta in a client, with and without
// the fulfilment saga; p50 at most 100 ms, p99 at most 250 ms).
//
// stdout: one JSON line per scenario. Nothing else.
import postgres, { type Sql } from "postgres";
import { createEventStore } from "../src/core/event-store/index.ts";
import { evolveInventory, initialInventoryState, type InventoryState } from "../src/core/inventory/inventory.ts";
import {
  alertsProjection,
  dashboardMetricsProjection,
  inventoryLevelsProjection,
  orderSummariesProjection,
  rebuildProjection,
  type Projection,
} from "../src/core/projections/index.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { measureFreshness } from "./lib/freshness.ts";
import { measureWakeupDelay } from "./lib/wakeup-delay.ts";
import { cpuProbe } from "./lib/cpu.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

const ORDERS = 25_000; // 6 events each: 150,000 order events
const SKUS = 50;
const EVENTS_PER_SKU = 1_000; // 50,000 inventory events
const STREAMS_PER_STATEMENT = 500;
const SEED_WRITERS = 4;
const AGGREGATE_EVENTS = 10_000;
const LOAD_REPEATS = 50;
const REBUILD_TARGET_EVENTS_PER_S = 50_000;
const SNAPSHOT_LOAD_TARGET_MS = 5;
const INVENTORY_SNAPSHOT_SCHEMA = 1;
const WAKEUP_SAMPLES = 40;

const dashboardProjections: Projection[] = [dashboardMetricsProjection, orderSummariesProjection, inventoryLevelsProjection, alertsProjection];

/**
 * Seeds through append_to_stream itself (the same function every append goes through),
 * one multi-event append per stream, many streams per statement: fast enough to seed
 * 200,000 events in seconds without bypassing the store's bookkeeping.
 */
const FRESHNESS_RATE_PER_S = 200;
const FRESHNESS_SECONDS = Number(process.env.FRESHNESS_SECONDS ?? 10);

/** Every event says where it came from (the database refuses rows without): here, the benchmark's seed. */
function benchMetadata(creatorId: string) {
  return { metadata: { source: "automated_system", component: "bench-seed", creator_id: creatorId, priority: "normal", service_version: "bench", environment: "bench" } };
}

async function seedOrders(sql: Sql, creatorId: string, runId: string): Promise<void> {
  const chunks = Math.ceil(ORDERS / STREAMS_PER_STATEMENT);
  let nextChunk = 0;
  const writer = async () => {
    for (let chunk = nextChunk++; chunk < chunks; chunk = nextChunk++) {
      const first = chunk * STREAMS_PER_STATEMENT;
      const last = Math.min(ORDERS, first + STREAMS_PER_STATEMENT) - 1;
      await sql`
        select count(*) from generate_series(${first}::int, ${last}::int) as g(n),
        lateral (select ${runId} || g.n::text as order_id,
                        timestamptz '2026-10-01' + g.n * interval '41 seconds' as received_at,
                        1000 + (g.n % 40) * 250 as total) o,
        lateral public.append_to_stream(${creatorId}::uuid, 'order-' || o.order_id, 'order', 'no_stream', (select jsonb_agg(e.value || ${sql.json(benchMetadata(creatorId))}::jsonb order by e.ordinality) from jsonb_array_elements(jsonb_build_array(
          jsonb_build_object('event_type', 'order.received_from_tiktok', 'occurred_at', o.received_at, 'event_data', jsonb_build_object(
            'order_id', o.order_id, 'shop_id', '7494726673780148744', 'tiktok_status', 'AWAITING_SHIPMENT', 'is_on_hold', false,
            'tiktok_update_time', extract(epoch from o.received_at)::bigint)),
          jsonb_build_object('event_type', 'order.validation_started', 'occurred_at', o.received_at + interval '5 seconds',
            'event_data', jsonb_build_object('order_id', o.order_id)),
          jsonb_build_object('event_type', 'order.validated', 'occurred_at', o.received_at + interval '20 seconds', 'event_data', jsonb_build_object(
            'order_id', o.order_id, 'subtotal_minor', o.total - 300, 'shipping_minor', 300, 'total_minor', o.total, 'currency', 'USD',
            'items', jsonb_build_array(jsonb_build_object('sku_id', 'SKU' || (g.n % ${SKUS}), 'product_id', 'P' || (g.n % ${SKUS}), 'quantity', 1, 'unit_price_minor', o.total - 300)))),
          jsonb_build_object('event_type', 'order.payment_processed', 'occurred_at', o.received_at + interval '1 minute', 'event_data', jsonb_build_object(
            'order_id', o.order_id, 'amount_minor', o.total, 'currency', 'USD', 'payment_reference', 'pay-' || o.order_id)),
          case when g.n % 10 = 0
            then jsonb_build_object('event_type', 'order.cancelled', 'occurred_at', o.received_at + interval '10 minutes',
                   'event_data', jsonb_build_object('order_id', o.order_id, 'cancelled_by', 'buyer'))
            else jsonb_build_object('event_type', 'order.shipped', 'occurred_at', o.received_at + (1 + g.n % 30) * interval '1 hour',
                   'event_data', jsonb_build_object('order_id', o.order_id, 'carrier', 'USPS'))
          end,
          case when g.n % 10 = 0
            then jsonb_build_object('event_type', 'order.refunded', 'occurred_at', o.received_at + interval '1 day',
                   'event_data', jsonb_build_object('order_id', o.order_id))
            else jsonb_build_object('event_type', 'order.delivered', 'occurred_at', o.received_at + interval '3 days',
                   'event_data', jsonb_build_object('order_id', o.order_id))
          end)) with ordinality e), null) a`;
    }
  };
  await Promise.all(Array.from({ length: SEED_WRITERS }, writer));
}

/** One stream per SKU: a restock, then reservations and releases, with a low-stock detection now and then. */
async function seedInventory(sql: Sql, creatorId: string, runId: string): Promise<void> {
  await sql`
    select count(*) from generate_series(0, ${SKUS - 1}) as s(n),
    lateral public.append_to_stream(${creatorId}::uuid, 'inventory-' || ${runId} || 'SKU' || s.n, 'inventory', 'no_stream', (
      select jsonb_agg(${sql.json(benchMetadata(creatorId))}::jsonb || case
        when e.i = 0 then jsonb_build_object('event_type', 'inventory.stock_updated', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'previous_total', 0, 'new_total', 100000, 'source', 'manual'))
        when e.i % 100 = 50 then jsonb_build_object('event_type', 'inventory.low_stock_detected', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'available', 9, 'reorder_point', 10,
            'severity', (array['warning', 'critical', 'emergency'])[1 + (e.i / 100) % 3], 'hours_to_stockout', 12))
        when e.i % 2 = 1 then jsonb_build_object('event_type', 'inventory.reserved', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'order_id', 'o' || e.i, 'quantity', 1))
        else jsonb_build_object('event_type', 'inventory.released', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'order_id', 'o' || (e.i - 1), 'quantity', 1, 'reason', 'cancelled'))
        end order by e.i)
        from generate_series(0, ${EVENTS_PER_SKU - 1}) as e(i)), null) a`;
}

async function measureRebuild(sql: Sql, projections: Projection[], scenario: string): Promise<void> {
  const probe = await cpuProbe(sql);
  probe.lap();
  const started = performance.now();
  const results = await Promise.all(projections.map((projection) => rebuildProjection({ sql, projection, leaseMs: 600_000 })));
  const elapsedMs = performance.now() - started;
  const cpu = probe.lap();
  const events = results.reduce((sum, result) => sum + result.processed, 0);
  const eventsPerSecond = Math.round(events / (elapsedMs / 1000));
  const line = {
    bench: "process",
    scenario,
    projections: projections.map((projection) => projection.name),
    events,
    elapsed_ms: round(elapsedMs),
    events_per_s: eventsPerSecond,
    target_events_per_s: REBUILD_TARGET_EVENTS_PER_S,
    meets_target: eventsPerSecond >= REBUILD_TARGET_EVENTS_PER_S,
    client_cpu_us_per_event: round((cpu.clientCpuMs * 1000) / events),
    server_cpu_us_per_event: cpu.serverCpuMs === null ? null : round((cpu.serverCpuMs * 1000) / events),
  };
  emit(line);
  log(`${scenario}: ${events} events in ${round(elapsedMs)} ms = ${eventsPerSecond} events/s`);
}

async function measureAggregateLoad(sql: Sql, creatorId: string, runId: string): Promise<void> {
  const store = createEventStore({ sql });
  const skuId = `${runId}BIG`;
  const aggregateId = `inventory-${skuId}`;
  for (let written = 0; written < AGGREGATE_EVENTS; written += 1_000) {
    await store.appendToStream({ metadata: { source: "automated_system" },
      creatorId,
      aggregateId,
      aggregateType: "inventory",
      events: Array.from({ length: 1_000 }, (_, index) => {
        const total = written + index;
        return { type: "inventory.stock_updated", data: { sku_id: skuId, previous_total: total, new_total: total + 1, source: "manual" } };
      }),
    });
  }
  // Snapshots are taken every 100 events: the latest one, 100 events behind the head, is the usual case.
  const atSnapshot = await store.aggregateStream<InventoryState>({
    aggregateId,
    initialState: initialInventoryState,
    evolve: evolveInventory,
    at: { version: AGGREGATE_EVENTS - 100 },
  });
  await store.saveSnapshot({ aggregateId, aggregateType: "inventory", creatorId, version: atSnapshot.version, state: atSnapshot.state, schemaVersion: INVENTORY_SNAPSHOT_SCHEMA });

  for (const withSnapshot of [false, true]) {
    const latencies = new Float64Array(LOAD_REPEATS);
    let version = 0;
    for (let run = -3; run < LOAD_REPEATS; run += 1) {
      const started = performance.now();
      const loaded = await store.aggregateStream<InventoryState>({
        aggregateId,
        initialState: initialInventoryState,
        evolve: evolveInventory,
        snapshotSchemaVersion: withSnapshot ? INVENTORY_SNAPSHOT_SCHEMA : undefined,
      });
      if (run >= 0) latencies[run] = performance.now() - started;
      version = loaded.version;
    }
    latencies.sort();
    const line = {
      bench: "process",
      scenario: withSnapshot ? "load_aggregate_with_snapshot" : "load_aggregate_without_snapshot",
      events_in_stream: AGGREGATE_EVENTS,
      events_folded: withSnapshot ? AGGREGATE_EVENTS - atSnapshot.version : AGGREGATE_EVENTS,
      loaded_version: version,
      runs: LOAD_REPEATS,
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      ...(withSnapshot ? { target_ms: SNAPSHOT_LOAD_TARGET_MS, meets_target: percentile(latencies, 50) <= SNAPSHOT_LOAD_TARGET_MS } : {}),
    };
    emit(line);
    log(`${line.scenario}: p50 ${line.p50_ms} ms, p99 ${line.p99_ms} ms`);
  }
}

export async function run(): Promise<void> {
  const database = await prepareDatabase({ port: 54362, name: "postgres-bench-process", database: "creatorflow_bench_process", recreate: true });
  const sql = postgres(database.url, { max: 12, onnotice: () => {} });
  try {
    const creatorId = crypto.randomUUID();
    const runId = `b${Date.now().toString(36)}`;
    log(`seeding ${ORDERS * 6 + SKUS * EVENTS_PER_SKU} events`);
    const seedStarted = performance.now();
    await seedOrders(sql, creatorId, runId);
    await seedInventory(sql, creatorId, runId);
    await sql`vacuum analyze public.event_store`;
    log(`seeded in ${round(performance.now() - seedStarted)} ms`);

    for (const projection of dashboardProjections) await measureRebuild(sql, [projection], `rebuild_${projection.name.replace(/^projection-/, "").replaceAll("-", "_")}`);
    await measureRebuild(sql, dashboardProjections, "rebuild_dashboard_projections_together");
    await measureAggregateLoad(sql, creatorId, runId);
    // Its own database on the same server, so projections start from an empty stream.
    await measureWakeupDelay({ port: 54362, samples: WAKEUP_SAMPLES });
    await measureFreshness({ port: 54362, ratePerSecond: FRESHNESS_RATE_PER_S, seconds: FRESHNESS_SECONDS, fulfilmentSaga: false });
    await measureFreshness({ port: 54362, ratePerSecond: FRESHNESS_RATE_PER_S, seconds: FRESHNESS_SECONDS, fulfilmentSaga: true });
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
}
