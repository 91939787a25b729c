// One order's journey: given the facts the store holds, the hops in order, what each
// followed from, and how long each took.
import { describe, expect, it } from "vitest";
import { buildJourney, type JourneyFacts } from "../../../src/core/journey/event-journey.ts";

const t0 = Date.parse("2026-12-03T10:00:00.000Z");
const at = (ms: number) => new Date(t0 + ms);

function orderFacts(): JourneyFacts {
  return {
    deliveries: [{ dedupeKey: "7327112393057191727", requestReceivedAt: at(0), storedAt: at(12), tiktokTimestamp: at(-2_000) }],
    events: [
      { id: "e1", type: "order.received_from_tiktok", aggregateId: "order-57", version: 1, occurredAt: at(10), causationId: null, source: "tiktok_webhook", deliveryKey: "7327112393057191727" },
      { id: "e2", type: "order.validation_started", aggregateId: "order-57", version: 2, occurredAt: at(150), causationId: "e1", source: "automated_system", component: "fulfilment_saga" },
      { id: "e3", type: "inventory.reserved", aggregateId: "inventory-SKU1", version: 4, occurredAt: at(180), causationId: "e2", source: "automated_system", component: "fulfilment_saga" },
      { id: "e4", type: "inventory.sync_conflict_detected", aggregateId: "inventory-SKU1", version: 5, occurredAt: at(400), causationId: "e3", source: "automated_system", component: "sync-conflicts" },
    ],
    attempts: [{ consumer: "projection-alerts", eventId: "e3", attempt: 1, outcome: "failed", recordedAt: at(300) }],
    deltas: [{ sequence: 8, sentAt: at(260) }],
    consumers: [
      { consumer: "projection-order-summaries", position: 104 },
      { consumer: "fulfilment-saga", position: 101 },
    ],
    positions: { e1: 101, e2: 102, e3: 103, e4: 104 },
  };
}

describe("an order's journey", () => {
  it("lists every hop in time order, each with the hop it followed from and how long it took", () => {
    const journey = buildJourney(orderFacts());
    expect(journey.hops.map((hop) => [hop.kind, hop.sinceStartMs, hop.after?.label ?? null, hop.tookMs])).toEqual([
      ["received", 0, null, null],
      ["appended", 10, "webhook delivery 7327112393057191727 received", 10],
      ["stored", 12, "webhook delivery 7327112393057191727 received", 12],
      ["saga_step", 150, "order.received_from_tiktok", 140],
      ["saga_step", 180, "order.validation_started", 30],
      ["realtime_delta", 260, "inventory.reserved", 80],
      ["consumer_attempt", 300, "inventory.reserved", 120],
      ["reaction", 400, "inventory.reserved", 220],
    ]);
    expect(journey.totalMs).toBe(400);
    expect(journey.startedAt).toEqual(at(0));
  });

  it("names who appended each event and links each hop to its cause", () => {
    const hops = buildJourney(orderFacts()).hops;
    expect(hops.find((hop) => hop.eventId === "e4")).toMatchObject({ label: "inventory.sync_conflict_detected on inventory-SKU1 v5, by sync-conflicts (automated_system)", after: { eventId: "e3" } });
    expect(hops.find((hop) => hop.kind === "consumer_attempt")?.label).toBe("projection-alerts: attempt 1 failed");
    expect(hops.find((hop) => hop.kind === "realtime_delta")?.label).toBe("realtime delta #8 sent");
  });

  it("reports TikTok's side apart, and never lets it start the journey", () => {
    const journey = buildJourney(orderFacts());
    expect(journey.tiktokToReceiptMs).toEqual([{ dedupeKey: "7327112393057191727", ms: 2_000 }]);
    const replayed = buildJourney({ ...orderFacts(), deliveries: [{ ...orderFacts().deliveries[0], tiktokTimestamp: new Date("2025-01-01T00:00:00Z") }] });
    expect(replayed.totalMs).toBe(400);
    const fromTheFuture = buildJourney({ ...orderFacts(), deliveries: [{ ...orderFacts().deliveries[0], tiktokTimestamp: at(60_000) }] });
    expect(fromTheFuture.tiktokToReceiptMs[0].ms).toBe(0);
  });

  it("shows two clocks a hair apart as 0 ms, not negative time", () => {
    const facts = orderFacts();
    facts.deliveries[0].requestReceivedAt = at(20);
    const appended = buildJourney(facts).hops.find((hop) => hop.eventId === "e1");
    expect(appended?.tookMs).toBe(0);
  });

  it("names the consumers that have not handled the whole journey yet", () => {
    expect(buildJourney(orderFacts()).consumersBehind).toEqual(["fulfilment-saga"]);
  });

  it("is empty for no facts", () => {
    expect(buildJourney({ events: [], deliveries: [], attempts: [], deltas: [], consumers: [], positions: {} })).toEqual({ hops: [], startedAt: null, totalMs: 0, tiktokToReceiptMs: [], consumersBehind: [] });
  });
});
