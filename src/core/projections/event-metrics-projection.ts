// The event metrics projection: the pure fold of event-metrics.ts kept in the
// event_metrics_hourly table, whose rows add the batches' deltas up.
import { foldEventMetrics, type EventMetrics, type EventMetricsDelta } from "./event-metrics.ts";
import { defineProjection, type ProjectionTable } from "./projection.ts";
import { addingUp, upsertRows } from "./read-model-storage.ts";

const eventMetricsTable: ProjectionTable = {
  name: "event_metrics_hourly",
  key: ["creator_id", "bucket_start", "event_type"],
  keptOnRebuild: ["latency_count", "latency_ms_sum", "latency_ms_max"],
};

export const eventMetricsProjection = defineProjection<EventMetrics, EventMetricsDelta[]>({
  name: "projection-event-metrics",
  handles: ["*"],
  tables: [eventMetricsTable],
  batchSize: 2_000,
  initialState: () => new Map(),
  fold: foldEventMetrics,
  storage: {
    // Nothing to read: the deltas are added to the rows in the upsert.
    load: async () => new Map(),
    save: (context, deltas) =>
      upsertRows(context, eventMetricsTable, deltas, {
        onConflict: `${addingUp(["event_count", "latency_count", "latency_ms_sum"])}, latency_ms_max = greatest(t.latency_ms_max, excluded.latency_ms_max)`,
      }),
  },
});
