// The journey page's read, against real Postgres: an order's events, the delivery behind
// them, what followed on other streams, a consumer's failed attempt and the realtime delta
// that named the order, whichever event the admin starts from.
import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/core/domain-error.ts";
import { createEventStore } from "../../../src/core/event-store/index.ts";
import { webhookEventMetadata } from "../../../src/core/webhooks/webhook-delivery.ts";
import { readEventJourney } from "../../../src/server/admin/event-journey.ts";
import { uniqueNumericId } from "../../test-data.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";

const sql = connectTestDatabase();
const store = createEventStore({ sql });

async function orderWithItsJourney() {
  const creatorId = newCreatorId();
  const orderId = uniqueNumericId("58");
  const skuId = uniqueNumericId("39");
  const dedupeKey = `journey-${orderId}`;
  const correlationId = crypto.randomUUID();
  const receivedAt = new Date(Date.now() - 5_000);
  await sql`insert into public.webhook_inbox (dedupe_key, notification_type, shop_id, creator_id, raw_body, status, request_received_at, stored_at)
            values (${dedupeKey}, 1, '7494726673780148744', ${creatorId}::uuid, ${new TextEncoder().encode(JSON.stringify({ timestamp: Math.floor(receivedAt.getTime() / 1000) - 3 }))},
                    'processed', ${receivedAt}, ${new Date(receivedAt.getTime() + 9)})`;
  const [received] = (
    await store.appendToStream({
      creatorId,
      aggregateId: `order-${orderId}`,
      aggregateType: "order",
      events: [{ type: "order.received_from_tiktok", data: { order_id: orderId, shop_id: "7494726673780148744", tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 1764000000 } }],
      metadata: webhookEventMetadata({ dedupeKey, correlationId }),
    })
  ).events;
  const [reserved] = (
    await store.appendToStream({
      creatorId,
      aggregateId: `inventory-${skuId}`,
      aggregateType: "inventory",
      events: [{ type: "inventory.reserved", data: { sku_id: skuId, order_id: orderId, quantity: 1 } }],
      metadata: { source: "automated_system", component: "fulfilment_saga", correlation_id: correlationId, causation_id: received.id },
    })
  ).events;
  await sql`insert into public.consumer_attempt_log (consumer, event_id, attempt, outcome, error) values ('projection-alerts', ${reserved.id}::uuid, 1, 'failed', 'boom')`;
  await sql`select realtime.send(${sql.json({ seq: 7, sentAt: new Date().toISOString(), changed: ["orders"], orders: [{ orderId }] })}, 'delta', ${`creator:${creatorId}`}, true)`;
  return { creatorId, orderId, received, reserved, dedupeKey };
}

describe("readEventJourney", () => {
  it("reads an order's hops: received, stored, its event, the saga's reservation on another stream, a failed attempt and the realtime delta", async () => {
    const { orderId, creatorId, received, reserved, dedupeKey } = await orderWithItsJourney();
    const journey = await readEventJourney(sql, { orderId });
    expect(journey).toMatchObject({ orderId, creatorId, rootEventId: received.id, truncated: false });
    expect(journey.hops.map((hop) => hop.kind)).toEqual(["received", "stored", "appended", "saga_step", "consumer_attempt", "realtime_delta"]);
    expect(journey.hops.find((hop) => hop.kind === "stored")?.tookMs).toBe(9);
    expect(journey.hops.find((hop) => hop.kind === "saga_step")).toMatchObject({ eventId: reserved.id, after: { eventId: received.id } });
    expect(journey.hops.find((hop) => hop.kind === "consumer_attempt")?.label).toBe("projection-alerts: attempt 1 failed");
    expect(journey.tiktokToReceiptMs).toEqual([{ dedupeKey, ms: expect.any(Number) }]);
    expect(journey.tiktokToReceiptMs[0].ms).toBeGreaterThanOrEqual(2_000);
  });

  it("starts from any event of the order: the order's journey", async () => {
    const { orderId, reserved, received } = await orderWithItsJourney();
    const fromOrderEvent = await readEventJourney(sql, { eventId: received.id });
    expect(fromOrderEvent.orderId).toBe(orderId);
    // An event on no order's stream: its journey with the conversation it belongs to (its correlation), the webhook's delivery included.
    const fromInventoryEvent = await readEventJourney(sql, { eventId: reserved.id });
    expect(fromInventoryEvent).toMatchObject({ orderId: null, rootEventId: reserved.id });
    expect(fromInventoryEvent.hops.map((hop) => hop.kind)).toEqual(["received", "stored", "appended", "saga_step", "consumer_attempt"]);
  });

  it("says what is wrong with a bad or unknown start, reading nothing", async () => {
    await expect(readEventJourney(sql, { orderId: "no such order" })).rejects.toMatchObject({ code: "validation" });
    await expect(readEventJourney(sql, { orderId: uniqueNumericId("58") })).rejects.toBeInstanceOf(DomainError);
    await expect(readEventJourney(sql, { eventId: crypto.randomUUID() })).rejects.toMatchObject({ code: "not_found" });
    await expect(readEventJourney(sql, { eventId: "not-a-uuid" })).rejects.toMatchObject({ code: "not_found" });
  });
});
