import { describe, expect, it } from "vitest";
import { EventValidationError, prepareAppend, toAppendRows, validateEvent, validateEvents } from "../../../src/core/event-store/index.ts";
import { eventCatalogue, eventPriority, eventTypes } from "../../../src/core/event-catalogue.ts";
import { SERVICE_VERSION } from "../../../src/core/service-identity.ts";

const CREATOR = "00000000-0000-4000-8000-000000000001";
const fromEngine = { creatorId: CREATOR, metadata: { source: "automated_system" } } as const;

describe("the event catalogue", () => {
  it("holds every event type of the seed specification", () => {
    expect(eventTypes).toEqual(
      expect.arrayContaining([
        "order.received_from_tiktok", "order.validation_started", "order.validated", "order.inventory_allocated",
        "order.payment_processed", "order.shipped", "order.delivered", "order.completed", "order.cancelled", "order.refunded",
        "inventory.stock_updated", "inventory.reserved", "inventory.released", "inventory.low_stock_detected",
        "inventory.reorder_triggered", "inventory.sync_conflict_detected", "inventory.sync_conflict_resolved",
        "system.health_check_completed", "system.performance_threshold_exceeded", "system.api_rate_limit_approached",
        "system.sync_failure_detected", "system.recovery_completed",
      ]),
    );
    // <aggregate>.<past-tense fact>, over the seed's aggregates, the shops a creator connects and
    // the alerts a creator acts on.
    for (const type of eventTypes) expect(type).toMatch(/^(order|inventory|system|shop|alert)\.[a-z_]+$/);
  });

  it("puts payments, low stock and health first", () => {
    expect(eventPriority("order.payment_processed")).toBe("critical");
    expect(eventPriority("inventory.low_stock_detected")).toBe("critical");
    expect(eventPriority("system.health_check_completed")).toBe("critical");
    expect(eventPriority("order.delivered")).toBe("normal");
    expect(eventPriority("something.unknown")).toBe("low");
  });
});

describe("validateEvent", () => {
  it("returns the parsed payload and the type's current schema version", () => {
    const valid = validateEvent({ type: "inventory.reserved", data: { sku_id: "sku-1", order_id: "576684019603311365", quantity: 2 } }, fromEngine);
    expect(valid).toEqual({
      type: "inventory.reserved",
      data: { sku_id: "sku-1", order_id: "576684019603311365", quantity: 2 },
      metadata: { source: "automated_system", creator_id: CREATOR, priority: "high", service_version: SERVICE_VERSION, environment: "unspecified" },
      schemaVersion: eventCatalogue["inventory.reserved"].version,
    });
  });

  it("names every bad field", () => {
    let error: unknown;
    try {
      validateEvent({ type: "inventory.reserved", data: { sku_id: "", order_id: 42, quantity: 0 } }, fromEngine);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).fields).toEqual(["event_data.sku_id", "event_data.order_id", "event_data.quantity"]);
    expect((error as Error).message).toMatch(/^Invalid inventory\.reserved: event_data\.sku_id: /);
  });

  it("refuses quantities and amounts the read models' columns could not sum, naming the field", () => {
    const huge = () => validateEvent({ type: "inventory.stock_updated", data: { sku_id: "sku-1", previous_total: 1, new_total: 3_000_000_000, source: "tiktok" } }, fromEngine);
    expect(huge).toThrow(EventValidationError);
    expect(huge).toThrow("event_data.new_total: must be at most 10000000 units");
    expect(() => validateEvent({ type: "inventory.reserved", data: { sku_id: "sku-1", order_id: "1", quantity: 10_000_000 } }, fromEngine)).not.toThrow();
    expect(() => validateEvent({ type: "inventory.reserved", data: { sku_id: "sku-1", order_id: "1", quantity: 1e308 } }, fromEngine)).toThrow(/event_data\.quantity/);
  });

  it("rejects unknown types and inherited property names", () => {
    expect(() => validateEvent({ type: "order.vanished", data: {} }, fromEngine)).toThrow('Unknown event type "order.vanished"');
    expect(() => validateEvent({ type: "toString", data: {} }, fromEngine)).toThrow(/Unknown event type/);
  });

  it("keeps unknown metadata keys but checks the known ones", () => {
    const valid = validateEvent({ type: "order.validation_started", data: { order_id: "1" }, metadata: { component: "test", trace: "abc" } }, fromEngine);
    expect(valid.metadata).toMatchObject({ source: "automated_system", component: "test", trace: "abc" });
    expect(() => validateEvent({ type: "order.validation_started", data: { order_id: "1" }, metadata: { priority: "urgent" as never } }, fromEngine)).toThrow(/metadata\.priority/);
  });
});

describe("validateEvents", () => {
  const reserved = { type: "inventory.reserved", data: { sku_id: "sku-1", order_id: "576684019603311365", quantity: 2 } };
  const updated = { type: "inventory.stock_updated", data: { sku_id: "sku-1", previous_total: 1, new_total: 3, source: "manual" } };

  it("builds the append's metadata once per priority and shares it among the events without their own", () => {
    const [first, second, third, own] = validateEvents([reserved, reserved, updated, { ...updated, metadata: { request_id: "req-1" } }], fromEngine);
    expect(second.metadata).toBe(first.metadata);
    expect(first.metadata).toEqual(validateEvent(reserved, fromEngine).metadata);
    expect(third.metadata).not.toBe(first.metadata);
    expect(third.metadata).toEqual(validateEvent(updated, fromEngine).metadata);
    expect(own.metadata).toEqual({ ...validateEvent(updated, fromEngine).metadata, request_id: "req-1" });
  });

  it("still checks every payload and every event's own metadata", () => {
    const badPayload = () => validateEvents([reserved, { ...reserved, data: { ...reserved.data, quantity: 0 } }], fromEngine);
    expect(badPayload).toThrow(EventValidationError);
    expect(badPayload).toThrow(/event_data\.quantity/);
    const badOwn = () => validateEvents([reserved, { ...reserved, metadata: { correlation_id: "not-a-uuid" } }], fromEngine);
    expect(badOwn).toThrow(/metadata\.correlation_id/);
  });

  it("refuses bad shared metadata at the first event that uses it", () => {
    const noSource = () => validateEvents([reserved, reserved], { creatorId: CREATOR, metadata: {} as never });
    expect(noSource).toThrow(/^Invalid inventory\.reserved: metadata\.source: /);
    const badTrace = () => validateEvents([reserved], fromEngine, { traceparent: "00-nothex" });
    expect(badTrace).toThrow(/metadata\.traceparent/);
  });
});

describe("prepareAppend", () => {
  const reserved = { type: "inventory.reserved", data: { sku_id: "sku-1", order_id: "576684019603311365", quantity: 2 } } as const;
  const updated = { type: "inventory.stock_updated", data: { sku_id: "sku-1", previous_total: 1, new_total: 3, source: "manual" } } as const;

  it("sends the first event's metadata once and a row's own only where it differs", () => {
    const { metadata, rows } = prepareAppend(fromEngine, [reserved, reserved, updated]);
    expect(metadata).toEqual(validateEvent(reserved, fromEngine).metadata);
    expect(rows.map((row) => row.metadata)).toEqual([undefined, undefined, validateEvent(updated, fromEngine).metadata]);
    expect(new Set(rows.map((row) => row.id)).size).toBe(3);
  });

  it("gives whole rows, each with its metadata and ids, to the paths that take them that way", () => {
    const causationId = "00000000-0000-4000-8000-0000000000c1";
    const rows = toAppendRows(fromEngine, [reserved, { ...updated, metadata: { causation_id: causationId } }]);
    expect(rows.map((row) => [row.metadata.priority, row.causation_id])).toEqual([["high", undefined], ["normal", causationId]]);
    expect(toAppendRows(fromEngine, [])).toEqual([]);
    expect(() => prepareAppend(fromEngine, [])).toThrow(EventValidationError);
  });
});
