import { describe, expect, it } from "vitest";
import { eventCatalogue } from "../../../src/core/event-catalogue.ts";
import type { AppliedOrderStatus } from "../../../src/core/channels/tiktok-shop/order-status.ts";
import { parseWebhook, type WebhookEnvelope } from "../../../src/core/channels/tiktok-shop/webhook-envelope.ts";
import { appliedOrderStatusAfter, mapWebhookToEvents, orderIdOfWebhook, type DomainEventToAppend } from "../../../src/core/channels/tiktok-shop/webhook-mapping.ts";
import { fixture, signedFixtures } from "../../fixtures/signed-webhooks.ts";

const shopId = "7494726673780148744";
const orderId = "576684019603311365";

async function envelopeOf(rawBody: Uint8Array): Promise<WebhookEnvelope> {
  const parsed = await parseWebhook(rawBody);
  if (parsed.kind !== "valid") throw new Error(`fixture did not parse: ${parsed.reason}`);
  return parsed.envelope;
}

function statusWebhook(status: string, updateTime: number, extra: Record<string, unknown> = {}): Promise<WebhookEnvelope> {
  const body = { type: 1, tts_notification_id: `n-${status}-${updateTime}`, shop_id: shopId, timestamp: updateTime + 5, data: { order_id: orderId, order_status: status, is_on_hold_order: status === "ON_HOLD", update_time: updateTime, ...extra } };
  return envelopeOf(new TextEncoder().encode(JSON.stringify(body)));
}

/** Applies webhooks one after another the way the inbox does, keeping each order's applied status. */
function applyInOrder(envelopes: readonly WebhookEnvelope[]): { events: DomainEventToAppend[]; statusByOrder: Map<string, AppliedOrderStatus | undefined> } {
  const statusByOrder = new Map<string, AppliedOrderStatus | undefined>();
  const events: DomainEventToAppend[] = [];
  for (const envelope of envelopes) {
    const id = orderIdOfWebhook(envelope);
    const current = id === undefined ? undefined : statusByOrder.get(id);
    const produced = mapWebhookToEvents(envelope, current);
    if (id !== undefined) statusByOrder.set(id, appliedOrderStatusAfter(current, produced));
    events.push(...produced);
  }
  return { events, statusByOrder };
}

function expectValidAgainstCatalogue(events: readonly DomainEventToAppend[]) {
  for (const event of events) {
    const result = eventCatalogue[event.type].schema.safeParse(event.data);
    expect(result.success, `${event.type}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    expect(event.aggregateType).toMatch(/^[a-z][a-z_]*$/);
  }
}

describe("mapping the shared fixtures", () => {
  it("maps the fixtures, delivered in manifest order, to the expected events", async () => {
    const envelopes = await Promise.all(signedFixtures.map((signed) => envelopeOf(signed.rawBody)));
    const { events, statusByOrder } = applyInOrder(envelopes);

    expect(events.map((event) => [event.type, event.aggregateId])).toEqual([
      ["order.received_from_tiktok", "order-576684019603311365"], // order-awaiting-shipment
      ["order.received_from_tiktok", "order-576684019603311366"], // order-on-hold
      ["order.shipped", "order-576684019603311365"], // order-in-transit
      ["order.delivered", "order-576684019603311365"], // order-delivered
      ["order.cancelled", "order-576684019603311366"], // order-cancel; the type 11 after it adds nothing
      ["order.refunded", "order-576684019603311365"], // return-refund; package-update adds nothing
      ["inventory.external_count_reported", "inventory-1729582718312445659"], // inventory-low-stock; unknown-type adds nothing
    ]);
    expect(events[0]?.data).toEqual({ order_id: orderId, shop_id: shopId, tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 1763999990 });
    expect(events[1]?.data).toMatchObject({ tiktok_status: "ON_HOLD", is_on_hold: true });
    expect(events[2]?.data).toEqual({ order_id: orderId, tiktok_status: "IN_TRANSIT", tiktok_update_time: 1764003590 });
    expect(events[4]?.data).toMatchObject({ order_id: "576684019603311366", cancelled_by: "platform", tiktok_update_time: 1764000890 });
    expect(events[5]?.data).toEqual({ order_id: orderId, return_id: "4035236790781825572", tiktok_update_time: 1764199990 });
    expect(events[6]?.data).toEqual({
      sku_id: "1729582718312445659",
      product_id: "1729582718312380123",
      inventory_status: "LOW_STOCK",
      total: 9,
      available: 6,
      creator_reserved: 1,
      campaign_reserved: 0,
      committed: 2,
      low_stock_threshold: 10,
      tiktok_update_time: 1764004990,
      shop_id: "7494726673780148744",
    });
    expect(statusByOrder.get(orderId)).toEqual({ status: "DELIVERED", updateTime: 1764089990 });
    expect(statusByOrder.get("576684019603311366")).toEqual({ status: "CANCELLED", updateTime: 1764000890 });
    expectValidAgainstCatalogue(events);
  });

  it.each([
    ["order-awaiting-shipment.json", ["order.received_from_tiktok"]],
    ["order-on-hold.json", ["order.received_from_tiktok"]],
    ["order-in-transit.json", ["order.received_from_tiktok", "order.shipped"]],
    ["order-delivered.json", ["order.received_from_tiktok", "order.shipped", "order.delivered"]],
    ["order-cancel.json", ["order.received_from_tiktok", "order.cancelled"]],
    ["cancellation-status.json", ["order.received_from_tiktok", "order.cancelled"]],
    ["return-refund.json", ["order.refunded"]],
    ["package-update.json", []],
    ["inventory-low-stock.json", ["inventory.external_count_reported"]],
    ["unknown-type.json", []],
  ])("maps %s, for an order never seen, to %j", async (file, expectedTypes) => {
    const events = mapWebhookToEvents(await envelopeOf(fixture(file).rawBody), undefined);
    expect(events.map((event) => event.type)).toEqual(expectedTypes);
    expectValidAgainstCatalogue(events);
  });

  it("maps seller deauthorisation (6) and upcoming authorisation expiration (7) to the shop's stream", async () => {
    const notice = (type: number) => envelopeOf(new TextEncoder().encode(JSON.stringify({ type, tts_notification_id: `n-${type}`, shop_id: shopId, timestamp: 1_790_000_000, data: {} })));
    const deauthorized = mapWebhookToEvents(await notice(6), undefined);
    const expiring = mapWebhookToEvents(await notice(7), undefined);
    expect(deauthorized).toEqual([{ type: "shop.deauthorized", data: { shop_id: shopId, tiktok_timestamp: 1_790_000_000 }, aggregateId: `shop-${shopId}`, aggregateType: "shop" }]);
    expect(expiring).toEqual([{ type: "shop.authorization_expiring", data: { shop_id: shopId, tiktok_timestamp: 1_790_000_000 }, aggregateId: `shop-${shopId}`, aggregateType: "shop" }]);
    expectValidAgainstCatalogue([...deauthorized, ...expiring]);
    expect(orderIdOfWebhook(await notice(6))).toBeUndefined();
  });

  it("maps an authorisation notice that names only the seller to nothing (it stays in the inbox)", async () => {
    const envelope = await envelopeOf(new TextEncoder().encode(JSON.stringify({ type: 6, tts_notification_id: "n-s", seller_open_id: "seller-1", timestamp: 1, data: {} })));
    expect(mapWebhookToEvents(envelope, undefined)).toEqual([]);
  });

  it("records who cancelled and the cancel id from a type 11 cancellation", async () => {
    const events = mapWebhookToEvents(await envelopeOf(fixture("cancellation-status.json").rawBody), { status: "ON_HOLD", updateTime: 1764000095 });
    expect(events).toEqual([
      {
        type: "order.cancelled",
        aggregateId: "order-576684019603311366",
        aggregateType: "order",
        data: { order_id: "576684019603311366", cancelled_by: "buyer", cancel_id: "4035236790781825571", tiktok_update_time: 1764000700 },
      },
    ]);
  });

  it("records one cancellation when the type 11 arrives before the CANCEL status", async () => {
    const envelopes = await Promise.all(["order-on-hold.json", "cancellation-status.json", "order-cancel.json"].map((file) => envelopeOf(fixture(file).rawBody)));
    expect(applyInOrder(envelopes).events.map((event) => event.type)).toEqual(["order.received_from_tiktok", "order.cancelled"]);
  });
});

describe("order status transitions", () => {
  it("records the end of the one-hour hold as a status change, not a milestone", async () => {
    const events = mapWebhookToEvents(await statusWebhook("AWAITING_SHIPMENT", 4000), { status: "ON_HOLD", updateTime: 400 });
    expect(events).toEqual([
      {
        type: "order.tiktok_status_changed",
        aggregateId: `order-${orderId}`,
        aggregateType: "order",
        data: { order_id: orderId, previous_status: "ON_HOLD", tiktok_status: "AWAITING_SHIPMENT", is_on_hold: false, tiktok_update_time: 4000 },
      },
    ]);
    expectValidAgainstCatalogue(events);
  });

  it("records a shipment once, whether TikTok says awaiting collection or in transit", async () => {
    const collection = await statusWebhook("AWAITING_COLLECTION", 200);
    const transit = await statusWebhook("IN_TRANSIT", 300);
    expect(applyInOrder([await statusWebhook("AWAITING_SHIPMENT", 100), collection, transit]).events.map((event) => event.type)).toEqual([
      "order.received_from_tiktok",
      "order.shipped",
      "order.tiktok_status_changed",
    ]);
  });

  it("records the skipped milestones when a status jumps ahead", async () => {
    const events = mapWebhookToEvents(await statusWebhook("COMPLETED", 900), { status: "AWAITING_SHIPMENT", updateTime: 100 });
    expect(events.map((event) => event.type)).toEqual(["order.shipped", "order.delivered", "order.completed"]);
  });

  it("records nothing for a status older than the one applied", async () => {
    expect(mapWebhookToEvents(await statusWebhook("AWAITING_SHIPMENT", 100), { status: "IN_TRANSIT", updateTime: 300 })).toEqual([]);
    expect(mapWebhookToEvents(await statusWebhook("CANCEL", 100), { status: "IN_TRANSIT", updateTime: 300 })).toEqual([]);
  });

  it("records nothing after a cancellation or completion, even for a later status", async () => {
    expect(mapWebhookToEvents(await statusWebhook("AWAITING_SHIPMENT", 500), { status: "CANCELLED", updateTime: 300 })).toEqual([]);
    expect(mapWebhookToEvents(await statusWebhook("CANCEL", 500), { status: "COMPLETED", updateTime: 300 })).toEqual([]);
  });

  it("records nothing for a newer status of lower rank", async () => {
    expect(mapWebhookToEvents(await statusWebhook("AWAITING_COLLECTION", 500), { status: "DELIVERED", updateTime: 300 })).toEqual([]);
  });

  it("records nothing for a refund that is still pending or a return that gives a replacement", async () => {
    const refund = JSON.parse(new TextDecoder().decode(fixture("return-refund.json").rawBody)) as { data: Record<string, unknown> };
    for (const change of [{ return_status: "RETURN_OR_REFUND_REQUEST_PENDING" }, { return_type: "REPLACEMENT" }]) {
      const envelope = await envelopeOf(new TextEncoder().encode(JSON.stringify({ ...refund, data: { ...refund.data, ...change } })));
      expect(mapWebhookToEvents(envelope, { status: "DELIVERED", updateTime: 1 })).toEqual([]);
    }
  });
});

describe("out-of-order and duplicated deliveries", () => {
  const lifecycle = [
    ["UNPAID", 1000],
    ["ON_HOLD", 1100],
    ["AWAITING_SHIPMENT", 4700],
    ["AWAITING_COLLECTION", 20000],
    ["IN_TRANSIT", 30000],
    ["DELIVERED", 200000],
    ["COMPLETED", 800000],
  ] as const;
  const milestoneOrder = ["order.received_from_tiktok", "order.shipped", "order.delivered", "order.completed"];

  function permutations<T>(items: readonly T[]): T[][] {
    if (items.length <= 1) return [[...items]];
    return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
  }

  it("never records a milestone twice or out of order, in any delivery order, with duplicates", async () => {
    const envelopes = await Promise.all(lifecycle.map(([status, time]) => statusWebhook(status, time)));
    for (const order of permutations(envelopes)) {
      const withDuplicates = order.flatMap((envelope, index) => (index % 2 === 0 ? [envelope, envelope] : [envelope]));
      const { events, statusByOrder } = applyInOrder(withDuplicates);
      const milestonesRecorded = events.map((event) => event.type).filter((type) => milestoneOrder.includes(type));
      expect(new Set(milestonesRecorded).size).toBe(milestonesRecorded.length);
      const positions = milestonesRecorded.map((type) => milestoneOrder.indexOf(type));
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(milestonesRecorded[0]).toBe("order.received_from_tiktok");
      expect(events.some((event) => event.type === "order.cancelled")).toBe(false);
      // Every status was delivered in the end, so every milestone is recorded exactly once.
      expect(milestonesRecorded).toEqual(milestoneOrder);
      expect(statusByOrder.get(orderId)).toEqual({ status: "COMPLETED", updateTime: 800000 });
    }
  });

  it("records only forward moves when part of the lifecycle arrives, in any order", async () => {
    const envelopes = await Promise.all(lifecycle.slice(0, 5).map(([status, time]) => statusWebhook(status, time)));
    for (const order of permutations(envelopes)) {
      const { statusByOrder, events } = applyInOrder(order);
      expect(statusByOrder.get(orderId)).toEqual({ status: "IN_TRANSIT", updateTime: 30000 });
      expect(events.filter((event) => event.type === "order.shipped")).toHaveLength(1);
      expect(events.some((event) => event.type === "order.delivered" || event.type === "order.completed")).toBe(false);
    }
  });

  it("never un-cancels an order when the cancellation arrives before older statuses", async () => {
    const envelopes = await Promise.all([statusWebhook("CANCEL", 5000), statusWebhook("ON_HOLD", 1100), statusWebhook("AWAITING_SHIPMENT", 4700)]);
    const { events, statusByOrder } = applyInOrder(envelopes);
    expect(events.map((event) => event.type)).toEqual(["order.received_from_tiktok", "order.cancelled"]);
    expect(statusByOrder.get(orderId)).toEqual({ status: "CANCELLED", updateTime: 5000 });
  });
});
