// Every event type the engine knows, with its payload schema and current schema
// version. Appends are validated here; reads are upcast to these versions.
import { z } from "zod";
import { alertEvents } from "./alerts/events.ts";
import { channelEvents } from "./channels/events.ts";
import { fulfilmentEvents } from "./fulfilment/events.ts";
import { inventoryEvents } from "./inventory/events.ts";
import { orderEvents } from "./orders/events.ts";
import { shopEvents } from "./shops/events.ts";
import type { EventPriority } from "./event-metadata.ts";
import { systemEvents } from "./system/events.ts";

export const eventCatalogue = { ...orderEvents, ...inventoryEvents, ...systemEvents, ...fulfilmentEvents, ...shopEvents, ...channelEvents, ...alertEvents };

export type EventType = keyof typeof eventCatalogue;
type EventDataByType = { [T in EventType]: z.infer<(typeof eventCatalogue)[T]["schema"]> };
export type EventData<T extends EventType> = EventDataByType[T];
export type AnyEventData = EventData<EventType>;

/**
 * A catalogued event, discriminated on `type` (as Emmett's `Event<Type, Data>`): checking
 * `type` narrows `data` to that type's payload, and a misspelt type or field does not
 * compile. `DomainEvent` is the union of every event; `DomainEvent<"order.shipped" | ...>`
 * the union of some.
 */
export type DomainEvent<T extends EventType = EventType> = { [K in T]: { type: K; data: EventData<K> } }[T];

/** The order an event is about, for any event whose payload names one. */
export function orderIdOf(event: DomainEvent): string | undefined {
  return "order_id" in event.data ? event.data.order_id : undefined;
}

/** The SKU an event is about, for any event whose payload names one. */
export function skuIdOf(event: DomainEvent): string | undefined {
  return "sku_id" in event.data ? event.data.sku_id : undefined;
}

/** The catalogue seen per type, so a generic `T` keeps its schema's payload type. */
const catalogueByType: { [T in EventType]: { version: number; schema: z.ZodType<EventData<T>> } } = eventCatalogue;

/** Parses a payload with its type's schema (throws a ZodError when it does not fit). */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T> {
  return catalogueByType[type].schema.parse(data);
}

export const eventTypes = Object.keys(eventCatalogue) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalogue, type);
}

/** Which work a consumer runs first in a tick: money, stock-outs and health before the rest. */
const priorityByType: Partial<Record<EventType, EventPriority>> = {
  "order.payment_processed": "critical",
  "inventory.low_stock_detected": "critical",
  "system.health_check_completed": "critical",
  "order.received_from_tiktok": "high",
  "order.received_from_channel": "high",
  "order.cancelled": "high",
  "order.refunded": "high",
  "inventory.reserved": "high",
  "inventory.released": "high",
  "inventory.sync_conflict_detected": "high",
  "system.sync_failure_detected": "high",
  // Calls for the shop stop until the creator acts: tell them first.
  "shop.deauthorized": "high",
  "shop.reconnection_required": "high",
  "shop.authorization_expiring": "high",
};

export function eventPriority(type: string): EventPriority {
  return isEventType(type) ? (priorityByType[type] ?? "normal") : "low";
}

export * from "./event-metadata.ts";
