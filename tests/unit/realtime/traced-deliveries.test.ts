// Which traces a creator's next realtime delta joins: those of the events behind its changes.
import { describe, expect, it } from "vitest";
import { MAX_TRACED_DELIVERIES, RealtimeChanges } from "../../../src/core/realtime/realtime-changes.ts";

const CREATOR = "00000000-0000-4000-8000-000000000001";
const OTHER = "00000000-0000-4000-8000-000000000002";
const traceparent = (n: number) => `00-${n.toString(16).padStart(32, "0")}-${"b".repeat(16)}-01`;

describe("the traces a delta joins", () => {
  it("are the distinct trace contexts of the batch's events, for creators whose read models changed", () => {
    const changes = new RealtimeChanges();
    changes.order(CREATOR, "576684019603311365");
    changes.causedBy([
      { creatorId: CREATOR, metadata: { traceparent: traceparent(1) } },
      { creatorId: CREATOR, metadata: { traceparent: traceparent(1) } },
      { creatorId: CREATOR, metadata: { source: "admin_panel" } },
      { creatorId: OTHER, metadata: { traceparent: traceparent(2) } },
    ]);
    expect([...changes.byCreator.get(CREATOR)!.traceparents]).toEqual([traceparent(1)]);
    expect(changes.byCreator.has(OTHER)).toBe(false);
  });

  it("stop at the first deliveries of a burst", () => {
    const changes = new RealtimeChanges();
    changes.alerts(CREATOR);
    changes.causedBy(Array.from({ length: MAX_TRACED_DELIVERIES + 5 }, (_, n) => ({ creatorId: CREATOR, metadata: { traceparent: traceparent(n + 1) } })));
    expect([...changes.byCreator.get(CREATOR)!.traceparents]).toEqual(Array.from({ length: MAX_TRACED_DELIVERIES }, (_, n) => traceparent(n + 1)));
  });
});
