import { describe, expect, it } from "vitest";
import { inventoryLevelsProjection } from "../../../src/core/projections/index.ts";
import { at, conflictDetected, conflictResolved, pushedToShopify, released, reserved, stockUpdated } from "../../integration/projections/events.ts";
import { specCreatorId, storedStream } from "../domain/specification.ts";
import { project, projectTwice } from "./projection-spec.ts";

const sku = "SKU-levels";
const key = `${specCreatorId}|${sku}`;

describe("inventory levels fold", () => {
  const events = storedStream(`inventory-${sku}`, [
    stockUpdated(sku, at("2026-05-01T08:00:00Z"), 0, 50),
    reserved(sku, at("2026-05-01T09:00:00Z"), "o1", 5),
    conflictDetected(sku, at("2026-05-01T09:05:00Z"), "c-1"),
    reserved(sku, at("2026-05-01T09:10:00Z"), "o2", 3),
    released(sku, at("2026-05-01T09:20:00Z"), "o2", 3),
  ]);

  it("follows stock, reservations and open conflicts of each SKU", () => {
    const level = project(inventoryLevelsProjection, events).get(key)!;
    expect(level).toMatchObject({ skuId: sku, aggregateId: `inventory-${sku}`, openConflictIds: ["c-1"], lastVersion: 5, lastEventAt: at("2026-05-01T09:20:00Z") });
    expect(level.state).toMatchObject({ total: 50, reserved: 5 });
  });

  it("closes a conflict when it is resolved", () => {
    const resolved = storedStream(`inventory-${sku}`, [conflictDetected(sku, at("2026-05-02T08:00:00Z"), "c-2"), conflictResolved(sku, at("2026-05-02T08:10:00Z"), "c-2")]);
    expect(project(inventoryLevelsProjection, resolved).get(key)!.openConflictIds).toEqual([]);
  });

  it("keeps the newest count each channel was sent or reported, by channel", () => {
    const shown = storedStream(`inventory-${sku}`, [
      stockUpdated(sku, at("2026-05-03T08:00:00Z"), 0, 20),
      pushedToShopify(sku, at("2026-05-03T08:00:01Z"), 20, 1),
      reserved(sku, at("2026-05-03T08:05:00Z"), "o3", 2),
      pushedToShopify(sku, at("2026-05-03T08:05:01Z"), 18, 3),
      {
        type: "inventory.external_count_pushed",
        occurredAt: at("2026-05-03T08:05:02Z"),
        data: { sku_id: sku, product_id: "1729", total: 20, available: 18, stream_version: 3, pushed_by: "stock_outbox" },
      },
    ]);
    const level = project(inventoryLevelsProjection, shown).get(key)!;
    expect(level.channelAvailable).toEqual({ shopify: 18, tiktok_shop: 18 });
    expect(level.state).toMatchObject({ total: 20, reserved: 2 });
  });

  it("gets the same read model when its events are replayed, and writes nothing", () => {
    const { once, replayed } = projectTwice(inventoryLevelsProjection, events);
    expect(once.writes).toHaveLength(1);
    expect(replayed.state).toEqual(once.state);
    expect(replayed.writes).toEqual([]);
  });
});
