import { describe, expect, it } from "vitest";
import { bandPath, linePath } from "../../../src/lib/dashboard/chart-paths.ts";

describe("chart paths", () => {
  it("draws a line through each run of points with a value, broken where one has none", () => {
    expect(linePath([[0, 10], [5, 20], null, [15, 5], [20, 8]])).toBe("M0,10L5,20M15,5L20,8");
    expect(linePath([null, [3, 4], null])).toBe("M3,4");
    expect(linePath([null, null])).toBe("");
  });

  it("closes a band per run of buckets where both edges have a value, along the top and back along the bottom", () => {
    const upper = [[0, 1], [10, 2], [20, 3], null, [40, 5]] as const;
    const lower = [[0, 9], [10, 8], null, [30, 6], [40, 7]] as const;
    expect(bandPath([...upper], [...lower])).toBe("M0,1L10,2L10,8L0,9ZM40,5L40,7Z");
  });
});
