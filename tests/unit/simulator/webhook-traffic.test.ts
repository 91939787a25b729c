import { describe, expect, it } from "vitest";
import { eventCatalogue } from "../../../src/core/event-catalogue.ts";
import type { AppliedOrderStatus } from "../../../src/core/channels/tiktok-shop/order-status.ts";
import { parseWebhook } from "../../../src/core/channels/tiktok-shop/webhook-envelope.ts";
import { appliedOrderStatusAfter, mapWebhookToEvents, orderIdOfWebhook } from "../../../src/core/channels/tiktok-shop/webhook-mapping.ts";
import { createWebhookVerifier, signWebhook } from "../../../src/core/channels/tiktok-shop/webhook-signature.ts";
import { createWebhookTraffic, type WebhookDelivery, type WebhookTrafficOptions } from "../../../src/simulator/webhook-traffic.ts";

const baseOptions: WebhookTrafficOptions = { seed: 20251124, creators: 3, startTime: 1764000000, duplicateRate: 0.05, reorderRate: 0.1 };

function take(options: WebhookTrafficOptions, count: number): WebhookDelivery[] {
  const traffic = createWebhookTraffic(options);
  return Array.from({ length: count }, () => traffic.next());
}

interface Body {
  type: number;
  tts_notification_id: string;
  shop_id: string;
  timestamp: number;
  data: Record<string, unknown> & { order_id?: string; order_status?: string; update_time?: number };
}
const bodyOf = (delivery: WebhookDelivery) => JSON.parse(delivery.body) as Body;

describe("simulated webhook traffic", () => {
  it("produces the identical sequence of bodies for the same seed", () => {
    const first = take(baseOptions, 800).map((delivery) => delivery.body);
    const second = take(baseOptions, 800).map((delivery) => delivery.body);
    expect(second).toEqual(first);
  });

  it("produces a different sequence for another seed", () => {
    const first = take(baseOptions, 50).map((delivery) => delivery.body);
    const other = take({ ...baseOptions, seed: baseOptions.seed + 1 }, 50).map((delivery) => delivery.body);
    expect(other).not.toEqual(first);
  });

  it("generates bodies that verify under the app's credentials and parse as valid webhooks", async () => {
    const verify = createWebhookVerifier({ appKey: "test_app_key", appSecret: "test_app_secret" });
    const encoder = new TextEncoder();
    for (const delivery of take(baseOptions, 400)) {
      const rawBody = encoder.encode(delivery.body);
      const authorization = await signWebhook({ appKey: "test_app_key", appSecret: "test_app_secret", rawBody });
      await expect(verify(rawBody, authorization)).resolves.toBe(true);
      const parsed = await parseWebhook(rawBody);
      expect(parsed.kind, delivery.body).toBe("valid");
      if (parsed.kind === "valid") expect(parsed.envelope.topic).not.toBe("unknown");
    }
  });

  it("covers the lifecycle, the hold, cancellations, returns, package updates and inventory alerts", () => {
    const traffic = createWebhookTraffic(baseOptions);
    const bodies = Array.from({ length: 3000 }, () => bodyOf(traffic.next()));
    const types = new Set(bodies.map((body) => body.type));
    expect([...types].sort((a, b) => a - b)).toEqual([1, 4, 11, 12, 27]);
    const statuses = new Set(bodies.filter((body) => body.type === 1).map((body) => body.data.order_status));
    for (const status of ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCEL"]) expect(statuses).toContain(status);
    expect(bodies.some((body) => body.type === 12 && body.data.return_status === "RETURN_OR_REFUND_REQUEST_COMPLETE")).toBe(true);
    expect(traffic.stats.inventory.disagreements).toBeGreaterThan(0);
    expect(new Set(bodies.map((body) => body.shop_id)).size).toBe(3);
  });

  it("keeps an order on hold for exactly one hour before it awaits shipment", () => {
    const bodies = take({ ...baseOptions, duplicateRate: 0, reorderRate: 0 }, 1500).map(bodyOf);
    const holds = new Map<string, number>();
    let checked = 0;
    for (const body of bodies.filter((candidate) => candidate.type === 1)) {
      const orderId = body.data.order_id as string;
      if (body.data.order_status === "ON_HOLD") holds.set(orderId, body.data.update_time as number);
      if (body.data.order_status === "AWAITING_SHIPMENT" && holds.has(orderId)) {
        expect((body.data.update_time as number) - (holds.get(orderId) as number)).toBe(3600);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("reports inventory distributions that add up to the total", () => {
    for (const body of take(baseOptions, 3000).map(bodyOf).filter((candidate) => candidate.type === 27)) {
      const distribution = body.data.inventory_distribution as Record<string, number>;
      expect(distribution.total).toBe((distribution.available ?? 0) + (distribution.creator_reserved ?? 0) + (distribution.campaign_reserved ?? 0) + (distribution.committed ?? 0));
    }
  });

  it("delivers in update_time order, each notification once, when duplicates and reordering are off", () => {
    const bodies = take({ ...baseOptions, duplicateRate: 0, reorderRate: 0 }, 1000).map(bodyOf);
    expect(new Set(bodies.map((body) => body.tts_notification_id)).size).toBe(bodies.length);
    const lastUpdate = new Map<string, number>();
    for (const body of bodies.filter((candidate) => candidate.type === 1)) {
      const orderId = body.data.order_id as string;
      expect(body.data.update_time as number).toBeGreaterThanOrEqual(lastUpdate.get(orderId) ?? 0);
      lastUpdate.set(orderId, body.data.update_time as number);
    }
  });

  it("duplicates and reorders deliveries at the configured rates", () => {
    const traffic = createWebhookTraffic({ ...baseOptions, duplicateRate: 0.2, reorderRate: 0.2 });
    const deliveries = Array.from({ length: 2000 }, () => traffic.next());
    const duplicates = deliveries.filter((delivery) => delivery.isDuplicate);
    expect(duplicates.length).toBe(traffic.stats.duplicates);
    expect(duplicates.length / deliveries.length).toBeGreaterThan(0.1);
    expect(duplicates.length / deliveries.length).toBeLessThan(0.3);
    const copiesById = new Map<string, number>();
    for (const delivery of deliveries) copiesById.set(delivery.notificationId, (copiesById.get(delivery.notificationId) ?? 0) + 1);
    expect([...copiesById.values()].some((copies) => copies > 1)).toBe(true);
    expect(traffic.stats.reordered / deliveries.length).toBeGreaterThan(0.1);
  });

  it("maps, through the core, to events that validate and never record an order twice", async () => {
    const applied = new Map<string, AppliedOrderStatus | undefined>();
    const seen = new Set<string>();
    const received = new Map<string, number>();
    for (const delivery of take({ ...baseOptions, duplicateRate: 0.2, reorderRate: 0.3 }, 2000)) {
      const parsed = await parseWebhook(new TextEncoder().encode(delivery.body));
      if (parsed.kind !== "valid") throw new Error(parsed.reason);
      // The inbox drops a notification it has already stored.
      if (seen.has(parsed.dedupeKey)) continue;
      seen.add(parsed.dedupeKey);
      const orderId = orderIdOfWebhook(parsed.envelope);
      const current = orderId === undefined ? undefined : applied.get(orderId);
      const events = mapWebhookToEvents(parsed.envelope, current);
      if (orderId !== undefined) applied.set(orderId, appliedOrderStatusAfter(current, events));
      for (const event of events) {
        expect(eventCatalogue[event.type].schema.safeParse(event.data).success).toBe(true);
        if (event.type === "order.received_from_tiktok") received.set(event.aggregateId, (received.get(event.aggregateId) ?? 0) + 1);
      }
    }
    expect(received.size).toBeGreaterThan(100);
    expect([...received.values()].every((count) => count === 1)).toBe(true);
  });
});
