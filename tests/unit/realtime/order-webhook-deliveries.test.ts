// Which webhook delivery an order's live change is measured from, before anything is stored.
import { describe, expect, it } from "vitest";
import { MAX_CHANGED_KEYS, RealtimeChanges } from "../../../src/core/realtime/realtime-changes.ts";
import { TIKTOK_WEBHOOK_SOURCE, webhookDeliveryKeyOf, webhookEventMetadata } from "../../../src/core/webhooks/webhook-delivery.ts";

const CREATOR = "00000000-0000-4000-8000-000000000001";
const correlationId = "00000000-0000-4000-8000-0000000000aa";

describe("the webhook delivery behind an event", () => {
  it("is the inbox key the ingestion stamped on it", () => {
    const stored = { ...webhookEventMetadata({ dedupeKey: "7327112393057191727", correlationId }), creator_id: CREATOR, priority: "high", service_version: "0.1.0", environment: "test" } as const;
    expect(webhookDeliveryKeyOf(stored)).toBe("7327112393057191727");
  });

  it("is unknown for events from anywhere else, even with a request id", () => {
    const stamps = { creator_id: CREATOR, priority: "normal", service_version: "0.1.0", environment: "test" } as const;
    expect(webhookDeliveryKeyOf({ ...stamps, source: "automated_system", component: "fulfilment_saga", request_id: "7327112393057191727" })).toBeNull();
    expect(webhookDeliveryKeyOf({ ...stamps, source: "api_call", request_id: "7327112393057191727" })).toBeNull();
    expect(webhookDeliveryKeyOf({ ...stamps, source: TIKTOK_WEBHOOK_SOURCE })).toBeNull();
    expect(webhookDeliveryKeyOf(undefined)).toBeNull();
  });
});

describe("an order's webhook delivery among a batch's realtime changes", () => {
  it("keeps the first delivery named for an order, and none for a change no webhook brought", () => {
    const changes = new RealtimeChanges();
    changes.order(CREATOR, "A", "first");
    changes.order(CREATOR, "A", "second");
    changes.order(CREATOR, "B", null);
    changes.order(CREATOR, "C");
    expect([...changes.byCreator.get(CREATOR)!.orderDeliveries]).toEqual([["A", "first"]]);
  });

  it("names no delivery for an order the message will not list", () => {
    const changes = new RealtimeChanges();
    for (let index = 0; index <= MAX_CHANGED_KEYS + 5; index += 1) changes.order(CREATOR, `order-${index}`, `delivery-${index}`);
    const creator = changes.byCreator.get(CREATOR)!;
    expect(creator.orders.size).toBe(MAX_CHANGED_KEYS + 1);
    expect([...creator.orderDeliveries.keys()]).toEqual([...creator.orders]);
  });
});
