import { describe, expect, expectTypeOf, it } from "vitest";
import { fromSnakeCaseRow, type SnakeCaseRow } from "../../../src/core/snake-case-rows.ts";

interface Shipment {
  orderId: string;
  nextAttemptAt: Date | null;
  step2Done: boolean;
  version: number;
}

describe("snake_case rows", () => {
  it("names each column as the field in snake_case", () => {
    expectTypeOf<keyof SnakeCaseRow<Shipment>>().toEqualTypeOf<"order_id" | "next_attempt_at" | "step2_done" | "version">();
  });

  it("reads a row back under the domain's field names, values untouched", () => {
    const at = new Date("2026-12-02T07:00:00Z");
    const shipment = fromSnakeCaseRow<Shipment>({ order_id: "o-1", next_attempt_at: at, step2_done: true, version: 3 });
    expect(shipment).toEqual({ orderId: "o-1", nextAttemptAt: at, step2Done: true, version: 3 });
    expect(shipment.nextAttemptAt).toBe(at);
  });
});
