// GET /api/metrics with a million events in the store: the scrape reads the database every
// time (the producers are short-lived functions), so it must stay cheap as the store grows.
// One JSON line, row `metrics_scrape`: p50/p99 of 30 scrapes through the real route handler,
// with 1,000,000 events over 1,000 creators, 12 consumers (one 5,000 events behind), a day of
// webhook deliveries and event metrics. Goal: p99 under 100 ms.
//
// It starts its own embedded PostgreSQL (BENCH_DB_PORT, default 54370; database recreated).
import os from "node:os";
import postgres from "postgres";
import { GET } from "../src/app/api/metrics/route.ts";
import { prepareDatabase } from "../supabase/local/database.ts";
import { emit, log, percentile, round } from "./lib/measure.ts";

const EVENTS = 1_000_000;
const CREATORS = 1_000;
const SCRAPES = 30;

export async function run(): Promise<void> {
  const port = Number(process.env.BENCH_DB_PORT ?? 54370);
  const database = await prepareDatabase({ port, name: "postgres-bench-metrics", database: "creatorflow_bench_metrics", recreate: true, log: (line) => log(line.trimEnd()) });
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  try {
    log(`seeding ${EVENTS} events`);
    await sql`
      insert into public.event_store (creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata, version, occurred_at)
      select c.creator_id, 'order-' || (g / 4), 'order',
             (array['order.received_from_tiktok', 'order.status_changed', 'inventory.reserved', 'order.shipped'])[g % 4 + 1],
             '{}'::jsonb,
             jsonb_build_object('source', 'automated_system', 'creator_id', c.creator_id, 'priority', 'normal', 'service_version', 'bench', 'environment', 'bench'),
             g % 4 + 1, now() - make_interval(secs => ${EVENTS} - g)
        from generate_series(1, ${EVENTS}) g,
             lateral (select ('00000000-0000-4000-8000-' || lpad((g % ${CREATORS})::text, 12, '0'))::uuid as creator_id) c`;
    await sql`
      insert into public.event_metrics_hourly (creator_id, bucket_start, event_type, event_count, latency_count, latency_ms_sum, latency_ms_max)
      select creator_id, date_trunc('hour', occurred_at), event_type, count(*), count(*), count(*) * 40.0, 900
        from public.event_store group by 1, 2, 3`;
    await sql`
      insert into public.webhook_inbox (dedupe_key, raw_body, status, received_at)
      select 'bench-' || g, '\\x7b7d'::bytea, (array['processed', 'ignored', 'stale'])[g % 3 + 1], now() - make_interval(secs => g)
        from generate_series(1, 86400) g`;
    await sql`
      insert into public.consumer_checkpoints (consumer, transaction_id, position, events_processed)
      select 'bench-consumer-' || c, e.transaction_id, e.position, e.position
        from generate_series(1, 12) c
        cross join lateral (select transaction_id, position from public.event_store
                             order by position desc offset case when c = 1 then 5000 else 0 end limit 1) e`;
    await sql`vacuum analyze`;

    process.env.DATABASE_URL = database.url;
    process.env.METRICS_TOKEN = "bench-metrics-token";
    const request = () => new Request("http://127.0.0.1/api/metrics", { headers: { authorization: "Bearer bench-metrics-token" } });
    const first = await GET(request());
    if (first.status !== 200) throw new Error(`scrape answered ${first.status}: ${await first.text()}`);
    await first.text();

    const latencies = new Float64Array(SCRAPES);
    for (let index = 0; index < SCRAPES; index++) {
      const started = performance.now();
      const response = await GET(request());
      await response.text();
      latencies[index] = performance.now() - started;
    }
    latencies.sort();
    emit({
      benchmark: "metrics_scrape",
      events: EVENTS,
      scrapes: SCRAPES,
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      goal_p99_ms: 100,
      load_average: os.loadavg().map((value) => round(value)),
    });
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
}
