import { describe, expect, it } from "vitest";
import { syncConflictsProjection } from "../../../src/core/conflicts/index.ts";
import { at, conflictDetected, conflictResolved } from "../../integration/projections/events.ts";
import { specCreatorId, storedStream } from "../domain/specification.ts";
import { projectTwice } from "../projections/projection-spec.ts";

describe("sync conflicts fold", () => {
  const sku = "SKU-conflicts";
  const [open, settled] = [crypto.randomUUID(), crypto.randomUUID()];
  const events = storedStream(`inventory-${sku}`, [
    conflictDetected(sku, at("2026-05-02T08:00:00Z"), open),
    conflictDetected(sku, at("2026-05-02T08:05:00Z"), settled),
    conflictResolved(sku, at("2026-05-02T08:10:00Z"), settled),
    // A second resolution of a settled conflict changes nothing.
    {
      type: "inventory.sync_conflict_resolved",
      occurredAt: at("2026-05-02T09:00:00Z"),
      data: { conflict_id: settled, sku_id: sku, method: "keep_local", winning_value: 8, losing_value: 12, resolved_by: "admin" },
    },
  ]);

  it("records each conflict open, then how it was settled", () => {
    const { once } = projectTwice(syncConflictsProjection, events);
    expect(once.state.get(`${specCreatorId}|${open}`)).toMatchObject({ skuId: sku, type: "quantity_mismatch", status: "open", localValue: 8, externalValue: 12, resolvedAt: null });
    expect(once.state.get(`${specCreatorId}|${settled}`)).toMatchObject({
      status: "resolved",
      method: "source_wins",
      winningValue: 12,
      resolvedBy: "system",
      resolvedAt: at("2026-05-02T08:10:00Z"),
      resolvedEventId: events[2]!.id,
    });
  });

  it("gets the same read model when its events are replayed, and writes nothing", () => {
    const { once, replayed } = projectTwice(syncConflictsProjection, events);
    expect(once.writes).toHaveLength(2);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual([]);
  });
});
