import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../../src/core/event-store/index.ts";
import { alertsProjection, type Alert } from "../../../src/core/projections/index.ts";
import { at, conflictDetected, conflictResolved, lowStockDetected, recovered, stockUpdated, syncFailure } from "../../integration/projections/events.ts";
import { storedStream } from "../domain/specification.ts";
import { projectTwice } from "./projection-spec.ts";

/** Every alert as the table keeps it: the writes of each batch, upserted by id. */
function alertsAfter(...batches: Alert[][]): Alert[] {
  const byId = new Map<string, Alert>();
  for (const alerts of batches) for (const alert of alerts) byId.set(alert.id, alert);
  return [...byId.values()];
}

describe("alerts fold", () => {
  const sku = "SKU-alerts";
  const lowStock: StoredEvent[] = storedStream(`inventory-${sku}`, [
    lowStockDetected(sku, at("2026-06-01T10:00:00Z"), 8, "warning"),
    lowStockDetected(sku, at("2026-06-01T11:00:00Z"), 2, "critical"),
    lowStockDetected(sku, at("2026-06-01T11:05:00Z"), 2, "critical"),
    stockUpdated(sku, at("2026-06-01T12:00:00Z"), 2, 100, "manual"),
  ]);

  it("replaces a low-stock alert when its severity changes and resolves it on restock", () => {
    const { once } = projectTwice(alertsProjection, lowStock);
    expect(alertsAfter(once.writes).map((alert) => [alert.severity, alert.openedAt, alert.resolvedAt])).toEqual([
      ["warning", at("2026-06-01T10:00:00Z"), at("2026-06-01T11:00:00Z")],
      ["critical", at("2026-06-01T11:00:00Z"), at("2026-06-01T12:00:00Z")],
    ]);
    expect(once.state.open.size).toBe(0);
  });

  it("opens and resolves sync conflict and stuck saga alerts", () => {
    const events = [
      ...storedStream(`inventory-${sku}`, [conflictDetected(sku, at("2026-06-02T10:01:00Z"), "c-1"), conflictResolved(sku, at("2026-06-02T11:01:00Z"), "c-1")]),
      ...storedStream("order-o1", [syncFailure(at("2026-06-02T10:02:00Z"), "saga:order-fulfilment", "o1")]),
    ];
    const { once } = projectTwice(alertsProjection, events);
    expect(alertsAfter(once.writes).map((alert) => [alert.kind, alert.subject, alert.resolvedAt])).toEqual([
      ["sync_conflict", "c-1", at("2026-06-02T11:01:00Z")],
      ["stuck_saga", "o1", null],
    ]);
    const healed = alertsProjection.fold(once.state, storedStream("order-o1", [recovered(at("2026-06-02T11:02:00Z"), "o1")]), { replay: false, rebuilding: false, now: () => new Date() });
    expect(healed.writes.map((alert) => [alert.kind, alert.resolvedAt])).toEqual([["stuck_saga", at("2026-06-02T11:02:00Z")]]);
  });

  it("gets the same read model when its events are replayed, and writes nothing", () => {
    const { once, replayed } = projectTwice(alertsProjection, lowStock);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual([]);
  });
});
