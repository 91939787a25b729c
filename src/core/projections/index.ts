// The read models and the projections that keep them.
import { alertsProjection } from "./alerts-projection.ts";
import { dashboardMetricsProjection } from "./dashboard-metrics-projection.ts";
import { eventMetricsProjection } from "./event-metrics-projection.ts";
import { inventoryLevelsProjection } from "./inventory-levels-projection.ts";
import { orderSummariesProjection } from "./order-summaries-projection.ts";
import type { Projection } from "./projection.ts";
import { syncConflictsProjection } from "../conflicts/sync-conflicts-projection.ts";
import { demandForecastsProjection } from "../analytics/demand-forecasts-projection.ts";
import { reorderSettingsProjection } from "../analytics/reorder-settings-projection.ts";

export * from "./alerts.ts";
export * from "./alerts-projection.ts";
export * from "./dashboard-metrics.ts";
export * from "./dashboard-metrics-projection.ts";
export * from "./event-metrics.ts";
export * from "./event-metrics-projection.ts";
export * from "./inventory-levels.ts";
export * from "./inventory-levels-projection.ts";
export * from "./order-summaries.ts";
export * from "./order-summaries-projection.ts";
export * from "./projection.ts";
export * from "./rebuild.ts";
export * from "./projection-schema.ts";
export * from "./read-model-storage.ts";

/** Every projection; the dashboard reads the first four, the admin panel's conflict queue the sixth, the SKU charts the last two. */
export const allProjections: readonly Projection[] = [
  dashboardMetricsProjection,
  orderSummariesProjection,
  inventoryLevelsProjection,
  alertsProjection,
  eventMetricsProjection,
  syncConflictsProjection,
  demandForecastsProjection,
  reorderSettingsProjection,
];

export function findProjection(name: string): Projection | undefined {
  return allProjections.find((projection) => projection.name === name || projection.name === `projection-${name}`);
}
