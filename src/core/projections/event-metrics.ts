// Event counts and processing latency per creator, event type and hour (of occurred_at):
// the seed's event metrics view, kept as a table. Latency is measured when the event is
// projected live (now - occurred_at). Counting has no per-event key to deduplicate on, so
// this projection relies on its checkpoint moving in the same transaction (exactly once
// live); replays are not processing and are not counted, and a rebuild recounts the
// events while keeping the latencies measured live (see keptOnRebuild).
import type { Projection } from "./projection.ts";
import { hourStart, tableIn } from "./projection.ts";

interface EventMetricsDelta {
  creator_id: string;
  bucket_start: string;
  event_type: string;
  event_count: number;
  latency_count: number;
  latency_ms_sum: number;
  latency_ms_max: number;
}

export const eventMetricsProjection: Projection = {
  name: "projection-event-metrics",
  handles: ["*"],
  tables: [
    {
      name: "event_metrics_hourly",
      key: ["creator_id", "bucket_start", "event_type"],
      keptOnRebuild: ["latency_count", "latency_ms_sum", "latency_ms_max"],
    },
  ],
  batchSize: 2_000,
  async apply(events, context) {
    if (context.replay && !context.rebuilding) return;
    const measureLatency = !context.rebuilding;
    const now = context.now().getTime();
    const deltas = new Map<string, EventMetricsDelta>();
    for (const event of events) {
      const bucket = hourStart(event.occurredAt).toISOString();
      const key = `${event.creatorId}|${bucket}|${event.type}`;
      let delta = deltas.get(key);
      if (!delta) {
        delta = { creator_id: event.creatorId, bucket_start: bucket, event_type: event.type, event_count: 0, latency_count: 0, latency_ms_sum: 0, latency_ms_max: 0 };
        deltas.set(key, delta);
      }
      delta.event_count += 1;
      if (measureLatency) {
        const latency = Math.max(0, now - event.occurredAt.getTime());
        delta.latency_count += 1;
        delta.latency_ms_sum += latency;
        delta.latency_ms_max = Math.max(delta.latency_ms_max, latency);
      }
    }
    const { sql } = context;
    const rows = [...deltas.values()];
    await sql`
      insert into ${tableIn(context, "event_metrics_hourly")} as t
             (creator_id, bucket_start, event_type, event_count, latency_count, latency_ms_sum, latency_ms_max)
      select * from jsonb_to_recordset(${sql.json(rows as never)}) as r(
               creator_id uuid, bucket_start timestamptz, event_type text, event_count bigint,
               latency_count bigint, latency_ms_sum double precision, latency_ms_max double precision)
       order by creator_id, bucket_start, event_type
      on conflict (creator_id, bucket_start, event_type) do update set
        event_count = t.event_count + excluded.event_count,
        latency_count = t.latency_count + excluded.latency_count,
        latency_ms_sum = t.latency_ms_sum + excluded.latency_ms_sum,
        latency_ms_max = greatest(t.latency_ms_max, excluded.latency_ms_max)`;
  },
};
