// What /api/metrics exposes, read from the database at scrape time: the producers are
// short-lived Edge Functions, so in-process counters would differ from call to call and
// scraper to scraper. Tables that retention prunes give windowed gauges (last hour), never
// counters that could go backwards; counters come only from figures that only grow.
// prom-client writes the exposition format.
import { Counter, Gauge, Registry } from "prom-client";
import type { Sql } from "postgres";

const WINDOW = "1 hour";

type Labels<Name extends string> = Record<Name, string>;

/** One metric of a table of rows: its value for a row, or null to leave that row's series unset. */
interface RowMetric<Row> {
  name: string;
  help: string;
  kind?: "gauge" | "counter";
  value(row: Row): number | null;
}

/** Sets each metric for each row, labelled by what `labelsOf` says of the row. */
function exposeRows<Row, LabelName extends string>(registry: Registry, rows: readonly Row[], labelsOf: (row: Row) => Labels<LabelName>, labelNames: LabelName[], metrics: RowMetric<Row>[]): void {
  for (const metric of metrics) {
    const options = { name: metric.name, help: metric.help, labelNames, registers: [registry] };
    const series = metric.kind === "counter" ? new Counter(options) : new Gauge(options);
    for (const row of rows) {
      const value = metric.value(row);
      if (value === null) continue;
      if (series instanceof Counter) series.inc(labelsOf(row), value);
      else series.set(labelsOf(row), value);
    }
  }
}

/** All the figures in one consistent snapshot of the database. */
function readFigures(sql: Sql) {
  return sql.begin("isolation level repeatable read read only", (tx) =>
    Promise.all([
      tx<{ consumer: string; lag: string; processed: string; oldest_waiting_seconds: number | null; retrying: number; dead_letters: number; failed_last_hour: number }[]>`
        select c.consumer,
               public.consumer_lag(c.transaction_id, c.position) as lag,
               c.events_processed as processed,
               (select extract(epoch from now() - min(e.occurred_at))::float8 from public.event_store e
                 where (e.transaction_id, e.position) > (c.transaction_id, c.position)) as oldest_waiting_seconds,
               (select count(*)::int from public.consumer_retries r where r.consumer = c.consumer) as retrying,
               (select count(*)::int from public.dead_letters d where d.consumer = c.consumer and d.status in ('pending', 'retry_requested')) as dead_letters,
               (select count(*)::int from public.consumer_attempt_log a
                 where a.consumer = c.consumer and a.outcome = 'failed' and a.recorded_at > now() - ${WINDOW}::interval) as failed_last_hour
          from public.consumer_checkpoints c
         -- A shard row with a barrier is waiting out a change of shard count, or retired by one: not behind.
         where c.barrier_transaction_id is null
         order by c.consumer`,
      tx<{ status: string; deliveries: number }[]>`
        select status, count(*)::int as deliveries from public.webhook_inbox
         where received_at > now() - ${WINDOW}::interval group by status order by status`,
      tx<{ quantiles: number[] | null }[]>`
        select percentile_cont(array[0.5, 0.95, 0.99]) within group (order by latency) as quantiles
          from (select greatest(0, extract(epoch from stored_at - request_received_at) * 1000) as latency from public.webhook_inbox
                 where received_at > now() - ${WINDOW}::interval and request_received_at is not null and stored_at is not null) l`,
      tx<{ event_type: string; appended: string; latency_count: string; latency_ms_sum: number; latency_ms_max: number }[]>`
        select event_type, sum(event_count) as appended, sum(latency_count) as latency_count,
               coalesce(sum(latency_ms_sum), 0)::float8 as latency_ms_sum, coalesce(max(latency_ms_max), 0)::float8 as latency_ms_max
          from public.event_metrics_hourly where bucket_start > now() - ${WINDOW}::interval - interval '1 hour'
         group by event_type order by event_type`,
      tx<{ sent: string | null }[]>`select sum(sequence) as sent from public.realtime_outbox`,
      tx<{ kind: string; found: number }[]>`
        select kind, count(*)::int as found from public.reconciliation_drift
         where found_at > now() - ${WINDOW}::interval group by kind order by kind`,
      tx<{ page: string; metric: string; form_factor: string; p75: number; samples: number }[]>`
        select page, metric, form_factor, percentile_cont(0.75) within group (order by value) as p75, count(*)::int as samples
          from public.web_vitals_samples where recorded_at > now() - ${WINDOW}::interval
         group by page, metric, form_factor order by page, metric, form_factor`,
    ]),
  );
}

export async function scrapeMetrics(sql: Sql): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const [consumers, webhooks, ingestLatency, appends, realtime, drift, vitals] = await readFigures(sql);

  exposeRows(registry, consumers, (row) => ({ consumer: row.consumer }), ["consumer"], [
    { name: "creatorflow_consumer_lag_events", help: "Events committed that the consumer has not handled yet", value: (row) => Number(row.lag) },
    { name: "creatorflow_consumer_oldest_waiting_seconds", help: "Age of the oldest event the consumer has not handled (0 when caught up)", value: (row) => row.oldest_waiting_seconds ?? 0 },
    { name: "creatorflow_consumer_events_processed_total", help: "Events the consumer has handled", kind: "counter", value: (row) => Number(row.processed) },
    { name: "creatorflow_consumer_events_retrying", help: "Events waiting for another attempt after a failure", value: (row) => row.retrying },
    { name: "creatorflow_consumer_failed_attempts_last_hour", help: "Failed attempts in the last hour", value: (row) => row.failed_last_hour },
    { name: "creatorflow_dead_letters_pending", help: "Events the consumer gave up on, waiting for an admin", value: (row) => row.dead_letters },
  ]);

  exposeRows(registry, webhooks, (row) => ({ outcome: row.status }), ["outcome"], [
    { name: "creatorflow_webhooks_received_last_hour", help: "TikTok deliveries stored in the last hour, by outcome", value: (row) => row.deliveries },
  ]);

  // Ours: the function receiving a delivery → its row written (TikTok's own send time is not ours to judge).
  const quantiles = ingestLatency[0]?.quantiles ?? null;
  const ingestQuantiles = quantiles ? ["0.5", "0.95", "0.99"].map((quantile, index) => ({ quantile, ms: Number(quantiles[index]) })) : [];
  exposeRows(registry, ingestQuantiles, ({ quantile }) => ({ quantile }), ["quantile"], [
    { name: "creatorflow_webhook_ingest_latency_ms", help: "Receipt to stored of TikTok deliveries in the last hour, by quantile", value: (row) => row.ms },
  ]);

  // Hourly buckets: the current one and the one before, so a scrape early in an hour still sees an hour's worth.
  const measuredLatency = (row: (typeof appends)[number], value: number) => (Number(row.latency_count) > 0 ? value : null);
  exposeRows(registry, appends, (row) => ({ event_type: row.event_type }), ["event_type"], [
    { name: "creatorflow_events_appended_recent", help: "Events appended in the current and the previous hourly bucket, by type", value: (row) => Number(row.appended) },
    { name: "creatorflow_event_projection_latency_ms_avg", help: "Mean time from an event's commit to its projection, current and previous hour", value: (row) => measuredLatency(row, row.latency_ms_sum / Number(row.latency_count)) },
    { name: "creatorflow_event_projection_latency_ms_max", help: "Longest time from an event's commit to its projection, current and previous hour", value: (row) => measuredLatency(row, row.latency_ms_max) },
  ]);

  new Counter({ name: "creatorflow_realtime_deltas_sent_total", help: "Coalesced dashboard deltas sent through Realtime", registers: [registry] }).inc(Number(realtime[0]?.sent ?? 0));

  const driftKinds = ["order_missing", "order_status", "stock_count"].map((kind) => ({ kind, found: drift.find((row) => row.kind === kind)?.found ?? 0 }));
  exposeRows(registry, driftKinds, ({ kind }) => ({ kind }), ["kind"], [
    { name: "creatorflow_reconciliation_drift_last_hour", help: "Differences reconciliation found in the last hour that webhooks had not delivered", value: (row) => row.found },
  ]);

  // Real sessions' Core Web Vitals (POST /api/vitals): p75, as Google's thresholds are read.
  exposeRows(registry, vitals, (row) => ({ page: row.page, metric: row.metric, form_factor: row.form_factor }), ["page", "metric", "form_factor"], [
    { name: "creatorflow_web_vitals_p75", help: "75th percentile of a Core Web Vital from real sessions in the last hour (ms; CLS unitless)", value: (row) => row.p75 },
    { name: "creatorflow_web_vitals_samples_last_hour", help: "Core Web Vitals samples received in the last hour", value: (row) => row.samples },
  ]);

  return { contentType: registry.contentType, body: await registry.metrics() };
}
