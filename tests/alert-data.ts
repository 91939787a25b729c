// An open low-stock alert as the alerts projection keeps it, for tests of what reads alerts
// (pushes, the service worker's notification); override what the test is about.
import { lowStockText } from "../src/core/alerts/alert-text.ts";
import type { Alert } from "../src/core/projections/alerts.ts";

export function openStockAlert(skuId: string, overrides: Partial<Alert> = {}): Alert {
  const openedAt = overrides.openedAt ?? new Date();
  return {
    id: crypto.randomUUID(),
    creatorId: "00000000-0000-4000-8000-000000000001",
    kind: "low_stock",
    severity: "emergency",
    subject: skuId,
    skuId,
    productName: null,
    ...lowStockText({ skuId, productName: overrides.productName ?? null, available: 1, reorderPoint: 10, hoursToStockout: 1 }),
    detail: `${skuId}: 1 available, reorder point 10`,
    details: {},
    openCauses: [],
    occurrences: 1,
    openedAt,
    lastOccurredAt: openedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    snoozedUntil: null,
    snoozedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolvedByEventId: null,
    foldedThrough: { transactionId: "1", position: 1 },
    ...overrides,
  };
}
