// What /api/metrics exposes, read from the database at scrape time: the producers are
// short-lived Edge Functions, so in-process counters would differ from call to call and
// scraper to scraper. Tables that retention prunes give windowed gauges (last hour), never
// counters that could go backwards; counters come only from figures that only grow.
// prom-client writes the exposition format.
import { Counter, Gauge, Registry } from "prom-client";
import type { Sql } from "postgres";

const WINDOW = "1 hour";

export async function scrapeMetrics(sql: Sql): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });

  const figures = await sql.begin("isolation level repeatable read read only", (tx) =>
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
  const [consumers, webhooks, ingestLatency, appends, realtime, drift, vitals] = figures;

  const lag = gauge("creatorflow_consumer_lag_events", "Events committed that the consumer has not handled yet", ["consumer"]);
  const waiting = gauge("creatorflow_consumer_oldest_waiting_seconds", "Age of the oldest event the consumer has not handled (0 when caught up)", ["consumer"]);
  const processed = counter("creatorflow_consumer_events_processed_total", "Events the consumer has handled", ["consumer"]);
  const retrying = gauge("creatorflow_consumer_events_retrying", "Events waiting for another attempt after a failure", ["consumer"]);
  const failed = gauge("creatorflow_consumer_failed_attempts_last_hour", "Failed attempts in the last hour", ["consumer"]);
  const deadLetters = gauge("creatorflow_dead_letters_pending", "Events the consumer gave up on, waiting for an admin", ["consumer"]);
  for (const row of consumers) {
    const labels = { consumer: row.consumer };
    lag.set(labels, Number(row.lag));
    waiting.set(labels, row.oldest_waiting_seconds ?? 0);
    processed.inc(labels, Number(row.processed));
    retrying.set(labels, row.retrying);
    failed.set(labels, row.failed_last_hour);
    deadLetters.set(labels, row.dead_letters);
  }

  const received = gauge("creatorflow_webhooks_received_last_hour", "TikTok deliveries stored in the last hour, by outcome", ["outcome"]);
  for (const row of webhooks) received.set({ outcome: row.status }, row.deliveries);

  // Hourly buckets: the current one and the one before, so a scrape early in an hour still sees an hour's worth.
  // Ours: the function receiving a delivery → its row written (TikTok's own send time is not ours to judge).
  const ingest = gauge("creatorflow_webhook_ingest_latency_ms", "Receipt to stored of TikTok deliveries in the last hour, by quantile", ["quantile"]);
  const quantiles = ingestLatency[0]?.quantiles ?? null;
  if (quantiles) ["0.5", "0.95", "0.99"].forEach((quantile, index) => ingest.set({ quantile }, Number(quantiles[index])));

  const appended = gauge("creatorflow_events_appended_recent", "Events appended in the current and the previous hourly bucket, by type", ["event_type"]);
  const latencyAvg = gauge("creatorflow_event_projection_latency_ms_avg", "Mean time from an event's commit to its projection, current and previous hour", ["event_type"]);
  const latencyMax = gauge("creatorflow_event_projection_latency_ms_max", "Longest time from an event's commit to its projection, current and previous hour", ["event_type"]);
  for (const row of appends) {
    const labels = { event_type: row.event_type };
    appended.set(labels, Number(row.appended));
    if (Number(row.latency_count) > 0) {
      latencyAvg.set(labels, row.latency_ms_sum / Number(row.latency_count));
      latencyMax.set(labels, row.latency_ms_max);
    }
  }

  counter("creatorflow_realtime_deltas_sent_total", "Coalesced dashboard deltas sent through Realtime").inc(Number(realtime[0]?.sent ?? 0));

  const driftFound = gauge("creatorflow_reconciliation_drift_last_hour", "Differences reconciliation found in the last hour that webhooks had not delivered", ["kind"]);
  for (const kind of ["order_missing", "order_status", "stock_count"]) driftFound.set({ kind }, drift.find((row) => row.kind === kind)?.found ?? 0);

  // Real sessions' Core Web Vitals (POST /api/vitals): p75, as Google's thresholds are read.
  const vitalsP75 = gauge("creatorflow_web_vitals_p75", "75th percentile of a Core Web Vital from real sessions in the last hour (ms; CLS unitless)", ["page", "metric", "form_factor"]);
  const vitalsSamples = gauge("creatorflow_web_vitals_samples_last_hour", "Core Web Vitals samples received in the last hour", ["page", "metric", "form_factor"]);
  for (const row of vitals) {
    const labels = { page: row.page, metric: row.metric, form_factor: row.form_factor };
    vitalsP75.set(labels, row.p75);
    vitalsSamples.set(labels, row.samples);
  }

  return { contentType: registry.contentType, body: await registry.metrics() };
}
