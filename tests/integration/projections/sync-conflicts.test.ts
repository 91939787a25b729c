import { describe, expect, it } from "vitest";
import { syncConflictsProjection } from "../../../src/core/conflicts/index.ts";
import { newCreatorId } from "../database.ts";
import { at, conflictDetected, conflictResolved, uniqueId } from "./events.ts";
import { projectionSpec } from "./read-model-harness.ts";

const { sql, models } = projectionSpec("conflicts", syncConflictsProjection);

async function conflicts(creatorId: string) {
  return sql`select * from ${models.table("sync_conflicts")} where creator_id = ${creatorId} order by detected_at`;
}

describe("sync conflicts projection", () => {
  it("keeps each conflict open until it is resolved, and the same rows when its events are replayed twice", async () => {
    const creatorId = newCreatorId();
    const sku = uniqueId("SKU");
    const [open, settled] = [crypto.randomUUID(), crypto.randomUUID()];
    await models.append(creatorId, `inventory-${sku}`, [conflictDetected(sku, at("2026-05-03T08:00:00Z"), open), conflictDetected(sku, at("2026-05-03T08:05:00Z"), settled)]);
    await models.project([syncConflictsProjection]);
    await models.append(creatorId, `inventory-${sku}`, [conflictResolved(sku, at("2026-05-03T08:10:00Z"), settled)]);
    await models.project([syncConflictsProjection]);

    const rows = await conflicts(creatorId);
    expect(rows.map((row) => [row.conflict_id, row.status, row.method, row.resolved_at])).toEqual([
      [open, "open", null, null],
      [settled, "resolved", "source_wins", at("2026-05-03T08:10:00Z")],
    ]);
    expect(rows[0]).toMatchObject({ sku_id: sku, conflict_type: "quantity_mismatch", local_value: 8, external_value: 12, source: "tiktok" });

    await models.replay(syncConflictsProjection, creatorId);
    await models.replay(syncConflictsProjection, creatorId);
    expect(await conflicts(creatorId)).toEqual(rows);
  });
});
