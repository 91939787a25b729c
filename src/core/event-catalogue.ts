// Every event type the engine knows, with its payload schema and current schema
// version. Appends are validated here; reads are upcast to these versions.
import { z } from "zod";
import { fulfilmentEvents } from "./fulfilment/events.ts";
import { inventoryEvents } from "./inventory/events.ts";
import { orderEvents } from "./orders/events.ts";
import { shopEvents } from "./shops/events.ts";
import { systemEvents } from "./system/events.ts";

export const eventCatalogue = { ...orderEvents, ...inventoryEvents, ...systemEvents, ...fulfilmentEvents, ...shopEvents };

export type EventType = keyof typeof eventCatalogue;
export type EventData<T extends EventType> = z.infer<(typeof eventCatalogue)[T]["schema"]>;
export type AnyEventData = { [T in EventType]: EventData<T> }[EventType];

export const eventTypes = Object.keys(eventCatalogue) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalogue, type);
}

/** Which work a consumer runs first in a tick: money, stock-outs and health before the rest. */
export type EventPriority = "critical" | "high" | "normal" | "low";

const priorityByType: Partial<Record<EventType, EventPriority>> = {
  "order.payment_processed": "critical",
  "inventory.low_stock_detected": "critical",
  "system.health_check_completed": "critical",
  "order.received_from_tiktok": "high",
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

export const eventMetadataSchema = z.looseObject({
  correlation_id: z.uuid().optional(),
  causation_id: z.uuid().optional(),
  request_id: z.string().max(200).optional(),
  source: z.string().max(100).optional(),
  idempotency_key: z.string().max(300).optional(),
  creator_id: z.uuid().optional(),
  user_id: z.uuid().optional(),
  priority: z.enum(["critical", "high", "normal", "low"]).optional(),
  service_version: z.string().max(50).optional(),
  environment: z.string().max(50).optional(),
  replay: z.boolean().optional(),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;
