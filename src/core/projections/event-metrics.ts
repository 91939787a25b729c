// Event counts and processing latency per creator, event type and hour (of occurred_at):
// the seed's event metrics view, kept as a table. Latency is measured when the event is
// projected live (now - occurred_at). Counting has no per-event key to deduplicate on, so
// this projection relies on its checkpoint moving in the same transaction (exactly once
// live); replays are not processing and are not counted, and a rebuild recounts the
// events while keeping the latencies measured live (see keptOnRebuild in
// event-metrics-projection.ts, where the table is declared). Pure.
import type { StoredEvent } from "../event-store/index.ts";
import { hourStart, type Folded, type FoldContext } from "./projection.ts";

export interface EventMetricsDelta {
  creator_id: string;
  bucket_start: string;
  event_type: string;
  event_count: number;
  latency_count: number;
  latency_ms_sum: number;
  latency_ms_max: number;
}

/** Buckets by `creator|hour|type`: the counts in a spec; live, nothing is read (the table adds the deltas up). */
export type EventMetrics = ReadonlyMap<string, EventMetricsDelta>;

/** The batch's counts per bucket, added to `metrics`; writes are the deltas. */
export function foldEventMetrics(metrics: EventMetrics, events: readonly StoredEvent[], context: FoldContext): Folded<EventMetrics, EventMetricsDelta[]> {
  if (context.replay && !context.rebuilding) return { state: metrics, writes: [] };
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
  const next = new Map(metrics);
  for (const [key, delta] of deltas) {
    const current = next.get(key);
    next.set(
      key,
      current
        ? {
            ...current,
            event_count: current.event_count + delta.event_count,
            latency_count: current.latency_count + delta.latency_count,
            latency_ms_sum: current.latency_ms_sum + delta.latency_ms_sum,
            latency_ms_max: Math.max(current.latency_ms_max, delta.latency_ms_max),
          }
        : delta,
    );
  }
  return { state: next, writes: [...deltas.values()] };
}
