import { describe, expect, it } from "vitest";
import { applyDelta } from "../../../src/lib/dashboard/dashboard-state.ts";
import { realtimeDeltaSchema } from "../../../src/lib/dashboard/realtime-delta.ts";
import { snapshot } from "./dashboard-fixtures.ts";

describe("applying an inventory delta", () => {
  const delta = (lastVersion?: number) =>
    realtimeDeltaSchema.parse({
      seq: 2,
      sentAt: new Date().toISOString(),
      changed: ["inventory"],
      refetch: false,
      inventory: [{ skuId: "1001", available: 37, reserved: 5, total: 42, reorderPoint: 10, velocityPerHour: 1, ...(lastVersion === undefined ? {} : { version: lastVersion }) }],
    });

  it("takes the SKU's stream version from the delta, so the next adjustment is made at the right version", () => {
    const [row] = applyDelta(snapshot(), delta(4)).inventory;
    expect(row).toMatchObject({ skuId: "1001", available: 37, reserved: 5, version: 4 });
  });

  it("keeps the known version when a delta does not carry one", () => {
    const [row] = applyDelta(snapshot(), delta()).inventory;
    expect(row.version).toBe(3);
  });
});
