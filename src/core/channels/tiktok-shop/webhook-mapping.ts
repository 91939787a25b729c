// Maps a verified, parsed TikTok Shop webhook to the domain events it implies, given the
// TikTok status already applied to the order. Pure: no clock, no I/O. Deliveries arrive
// duplicated and out of order, so a status only ever moves an order forward, and each
// fulfilment milestone is recorded once.
import type { DomainEvent, EventData, EventType } from "../../event-catalogue.ts";
import { inventoryAggregateId } from "../../inventory/events.ts";
import { orderAggregateId } from "../../orders/events.ts";
import { SHOP_AGGREGATE_TYPE, shopAggregateId } from "../../shops/events.ts";
import type { WebhookEnvelope, WebhookOf } from "./webhook-envelope.ts";
import {
  isNewerStatus,
  isTerminalOrderStatus,
  orderStatusRank,
  type AppliedOrderStatus,
  type TiktokOrderStatus,
} from "./order-status.ts";

export type AggregateType = "order" | "inventory" | typeof SHOP_AGGREGATE_TYPE;

/** A catalogued event with the stream it is to be appended to. */
export type DomainEventToAppend<T extends EventType = EventType> = DomainEvent<T> & { aggregateId: string; aggregateType: AggregateType };

function orderEvent<T extends EventType>(type: T, orderId: string, data: EventData<T>): DomainEventToAppend<T> {
  return { type, data, aggregateId: orderAggregateId(orderId), aggregateType: "order" };
}

/** The order a webhook is about, so its last applied status can be loaded; undefined for non-order topics. */
export function orderIdOfWebhook(envelope: WebhookEnvelope): string | undefined {
  switch (envelope.topic) {
    case "order_status_change":
    case "recipient_address_update":
    case "cancellation_status_change":
    case "return_status_change":
      return envelope.data.order_id;
    case "package_update":
    case "product_status_change":
    case "inventory_status_change":
    case "seller_deauthorization":
    case "upcoming_authorization_expiration":
    case "unknown":
      return undefined;
    default:
      return exhaustive(envelope);
  }
}

// Fulfilment milestones, in order. Statuses within one milestone (AWAITING_COLLECTION and
// IN_TRANSIT are both "shipped") never record it twice: a move inside a milestone is
// recorded as a plain TikTok status change.
const milestones = ["placed", "shipped", "delivered", "completed"] as const;
type Milestone = (typeof milestones)[number];

function milestoneOf(status: Exclude<TiktokOrderStatus, "CANCELLED">): Milestone {
  switch (status) {
    case "UNPAID":
    case "ON_HOLD":
    case "AWAITING_SHIPMENT":
    case "PARTIALLY_SHIPPING":
      return "placed";
    case "AWAITING_COLLECTION":
    case "IN_TRANSIT":
      return "shipped";
    case "DELIVERED":
      return "delivered";
    case "COMPLETED":
      return "completed";
    default:
      return exhaustive(status);
  }
}

interface IncomingStatus extends AppliedOrderStatus {
  orderId: string;
  isOnHold: boolean;
}

/**
 * The milestone events between two statuses, including any skipped because a delivery
 * was lost or is still to come late (DELIVERED straight after AWAITING_SHIPMENT also
 * records the shipment).
 */
function milestoneEvents(from: Milestone, incoming: IncomingStatus): DomainEventToAppend[] {
  if (incoming.status === "CANCELLED") return [];
  const reached = milestones.indexOf(milestoneOf(incoming.status));
  const { orderId, updateTime } = incoming;
  const events: DomainEventToAppend[] = [];
  for (let index = milestones.indexOf(from) + 1; index <= reached; index++) {
    const milestone = milestones[index];
    if (milestone === "shipped") {
      events.push(orderEvent("order.shipped", orderId, { order_id: orderId, tiktok_status: incoming.status, tiktok_update_time: updateTime }));
    } else if (milestone === "delivered") {
      events.push(orderEvent("order.delivered", orderId, { order_id: orderId, tiktok_update_time: updateTime }));
    } else if (milestone === "completed") {
      events.push(orderEvent("order.completed", orderId, { order_id: orderId, tiktok_update_time: updateTime }));
    }
  }
  return events;
}

function receivedEvent(incoming: IncomingStatus, shopId: string): DomainEventToAppend {
  return orderEvent("order.received_from_tiktok", incoming.orderId, {
    order_id: incoming.orderId,
    shop_id: shopId,
    tiktok_status: incoming.status,
    is_on_hold: incoming.isOnHold,
    tiktok_update_time: incoming.updateTime,
  });
}

type CancelledBy = EventData<"order.cancelled">["cancelled_by"];

function cancelledEvent(orderId: string, cancelledBy: CancelledBy, updateTime: number, extra: { reason?: string; cancel_id?: string } = {}): DomainEventToAppend {
  return orderEvent("order.cancelled", orderId, { order_id: orderId, cancelled_by: cancelledBy, tiktok_update_time: updateTime, ...extra });
}

/** The events for a status the order reaches: first sight records the order, later ones only move it forward. */
function statusEvents(current: AppliedOrderStatus | undefined, incoming: IncomingStatus, shopId: string, cancelledBy: CancelledBy, cancelDetails: { reason?: string; cancel_id?: string }): DomainEventToAppend[] {
  if (current === undefined) {
    const first = [receivedEvent(incoming, shopId)];
    if (incoming.status === "CANCELLED") return [...first, cancelledEvent(incoming.orderId, cancelledBy, incoming.updateTime, cancelDetails)];
    return [...first, ...milestoneEvents("placed", incoming)];
  }
  if (isTerminalOrderStatus(current.status)) return [];
  if (incoming.status === "CANCELLED") return [cancelledEvent(incoming.orderId, cancelledBy, incoming.updateTime, cancelDetails)];
  // A newer update_time with a lower rank would move the order backwards: TikTok's
  // statuses do not do that, so it is kept in the inbox and nothing is recorded.
  if (orderStatusRank(incoming.status) <= orderStatusRank(current.status)) return [];
  const currentMilestone = milestoneOf(current.status as Exclude<TiktokOrderStatus, "CANCELLED">);
  if (milestoneOf(incoming.status) === currentMilestone) {
    return [
      orderEvent("order.tiktok_status_changed", incoming.orderId, {
        order_id: incoming.orderId,
        previous_status: current.status,
        tiktok_status: incoming.status,
        is_on_hold: incoming.isOnHold,
        tiktok_update_time: incoming.updateTime,
      }),
    ];
  }
  return milestoneEvents(currentMilestone, incoming);
}

function mapOrderStatusChange(envelope: WebhookOf<"order_status_change">, current: AppliedOrderStatus | undefined, shopId: string): DomainEventToAppend[] {
  const { order_id, order_status, is_on_hold_order, update_time } = envelope.data;
  const incoming: IncomingStatus = {
    orderId: order_id,
    status: order_status,
    updateTime: update_time,
    isOnHold: is_on_hold_order ?? order_status === "ON_HOLD",
  };
  if (!isNewerStatus(current, incoming)) return [];
  // Order status webhooks do not say who cancelled; type 11 does, and may come later.
  return statusEvents(current, incoming, shopId, "platform", { reason: "TikTok Shop reported the order as cancelled" });
}

/** Cancellation statuses after which the order is cancelled for good. */
const completedCancelStatuses = new Set(["CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"]);

const cancelledByRole: Readonly<Record<string, CancelledBy>> = { BUYER: "buyer", SELLER: "seller", SYSTEM: "system" };

function mapCancellation(envelope: WebhookOf<"cancellation_status_change">, current: AppliedOrderStatus | undefined, shopId: string): DomainEventToAppend[] {
  const { order_id, cancel_status, cancellations_role, cancel_id, create_time, update_time } = envelope.data;
  if (!completedCancelStatuses.has(cancel_status)) return [];
  // A completed cancellation is final whatever its timestamp says (create_time is when
  // the request was made, not when it completed), so no staleness check applies here.
  const incoming: IncomingStatus = {
    orderId: order_id,
    status: "CANCELLED",
    updateTime: update_time ?? create_time ?? envelope.timestamp,
    isOnHold: false,
  };
  const cancelledBy = cancelledByRole[cancellations_role.toUpperCase()] ?? "platform";
  return statusEvents(current, incoming, shopId, cancelledBy, cancel_id === undefined ? {} : { cancel_id });
}

/** Return types that give the buyer money back. */
const refundingReturnTypes = new Set(["REFUND", "RETURN_AND_REFUND"]);

function mapReturn(envelope: WebhookOf<"return_status_change">): DomainEventToAppend[] {
  const { order_id, return_type, return_status, return_id, update_time } = envelope.data;
  if (!refundingReturnTypes.has(return_type) || return_status !== "RETURN_OR_REFUND_REQUEST_COMPLETE") return [];
  // Recorded even for an order not seen yet: a refund is money that left, and the
  // dashboard's revenue must not wait for a lost status webhook.
  return [orderEvent("order.refunded", order_id, { order_id, return_id, tiktok_update_time: update_time })];
}

function mapInventoryStatus(envelope: WebhookOf<"inventory_status_change">): DomainEventToAppend[] {
  const { product_id, sku_id, current_inventory_status, inventory_distribution, trigger_reason, update_time } = envelope.data;
  const data: EventData<"inventory.external_count_reported"> = {
    sku_id,
    product_id,
    inventory_status: current_inventory_status,
    total: inventory_distribution.total,
    available: inventory_distribution.available,
    creator_reserved: inventory_distribution.creator_reserved,
    campaign_reserved: inventory_distribution.campaign_reserved,
    committed: inventory_distribution.committed,
    tiktok_update_time: update_time,
  };
  if (trigger_reason?.low_stock_threshold !== undefined) data.low_stock_threshold = trigger_reason.low_stock_threshold;
  if (envelope.shop_id !== undefined) data.shop_id = envelope.shop_id;
  return [{ type: "inventory.external_count_reported", data, aggregateId: inventoryAggregateId(sku_id), aggregateType: "inventory" }];
}

/**
 * Types 6 and 7 name a shop: the seller removed the app (calls for the shop stop), or the
 * authorisation ends soon (the fulfilment lane refreshes it, or asks the creator to reconnect).
 */
function mapAuthorizationNotice(envelope: WebhookOf<"seller_deauthorization" | "upcoming_authorization_expiration">): DomainEventToAppend[] {
  if (envelope.shop_id === undefined) return [];
  const data = { shop_id: envelope.shop_id, tiktok_timestamp: envelope.timestamp };
  const aggregate = { aggregateId: shopAggregateId(envelope.shop_id), aggregateType: SHOP_AGGREGATE_TYPE } as const;
  return envelope.topic === "seller_deauthorization"
    ? [{ type: "shop.deauthorized", data, ...aggregate }]
    : [{ type: "shop.authorization_expiring", data, ...aggregate }];
}

/**
 * The domain events a webhook implies. `lastApplied` is the TikTok status the order
 * already has (undefined when the order was never seen); for non-order topics it is ignored.
 * Address (3), package (4) and product (5) updates and unknown types record nothing: they
 * stay in the inbox.
 */
export function mapWebhookToEvents(envelope: WebhookEnvelope, lastApplied: AppliedOrderStatus | undefined): DomainEventToAppend[] {
  switch (envelope.topic) {
    case "order_status_change":
      return envelope.shop_id === undefined ? [] : mapOrderStatusChange(envelope, lastApplied, envelope.shop_id);
    case "cancellation_status_change":
      return envelope.shop_id === undefined ? [] : mapCancellation(envelope, lastApplied, envelope.shop_id);
    case "return_status_change":
      return mapReturn(envelope);
    case "inventory_status_change":
      return mapInventoryStatus(envelope);
    case "seller_deauthorization":
    case "upcoming_authorization_expiration":
      return mapAuthorizationNotice(envelope);
    case "recipient_address_update":
    case "package_update":
    case "product_status_change":
    case "unknown":
      return [];
    default:
      return exhaustive(envelope);
  }
}

/**
 * Folds an order event into the TikTok status applied to the order, so the status can be
 * rebuilt from the order's own stream. Events that carry no TikTok status leave it as it is.
 */
export function evolveAppliedOrderStatus(state: AppliedOrderStatus | undefined, event: DomainEvent): AppliedOrderStatus | undefined {
  const updateTime = "tiktok_update_time" in event.data ? (event.data.tiktok_update_time ?? 0) : 0;
  const at = (status: TiktokOrderStatus): AppliedOrderStatus => ({
    status,
    updateTime: Math.max(state?.updateTime ?? 0, updateTime),
  });
  switch (event.type) {
    case "order.received_from_tiktok":
    case "order.tiktok_status_changed":
      return at(event.data.tiktok_status);
    case "order.shipped":
      return at(event.data.tiktok_status ?? "AWAITING_COLLECTION");
    case "order.delivered":
      return at("DELIVERED");
    case "order.completed":
      return at("COMPLETED");
    case "order.cancelled":
      return at("CANCELLED");
    default:
      return state;
  }
}

/** The status the order has once these events are appended (undefined if still never seen). */
export function appliedOrderStatusAfter(lastApplied: AppliedOrderStatus | undefined, events: readonly DomainEventToAppend[]): AppliedOrderStatus | undefined {
  return events.reduce<AppliedOrderStatus | undefined>((state, event) => (event.aggregateType === "order" ? evolveAppliedOrderStatus(state, event) : state), lastApplied);
}

function exhaustive(value: never): never {
  throw new Error(`unhandled value ${JSON.stringify(value)}`);
}
