// The order aggregate: its state folded from events, and the rules that decide what
// may happen next. Pure: the clock arrives in the command's metadata.
import type { DomainEvent, EventType } from "../event-catalogue.ts";
import type { NewEvent, StoredEvent } from "../event-store/index.ts";
import { DomainError, illegalState } from "../domain-error.ts";
import { orderStatusRank } from "../channels/tiktok-shop/order-status.ts";
import type { OrderItem, TiktokOrderStatus } from "./events.ts";

export type OrderStatus =
  | "none"
  | "received"
  | "validating"
  | "validated"
  | "allocated"
  | "paid"
  | "shipped"
  | "delivered"
  | "completed"
  | "cancelled"
  | "refunded";

// Forward progress only; cancelled and refunded are terminal branches.
const progressRank: Record<OrderStatus, number> = {
  none: 0, received: 1, validating: 2, validated: 3, allocated: 4, paid: 5, shipped: 6, delivered: 7, completed: 8,
  cancelled: 9, refunded: 10,
};

export interface OrderState {
  status: OrderStatus;
  orderId: string | null;
  shopId: string | null;
  items: OrderItem[];
  totalMinor: number | null;
  currency: string | null;
  onHold: boolean;
  tiktokStatus: TiktokOrderStatus | null;
  tiktokUpdateTime: number;
  allocations: { sku_id: string; quantity: number }[];
  paid: boolean;
  paidMinor: number;
  shipping: { carrier: string | null; trackingNumber: string | null };
  receivedAt: Date | null;
  shippedAt: Date | null;
  timeline: { type: string; at: Date; version: number }[];
}

export const initialOrderState = (): OrderState => ({
  status: "none",
  orderId: null,
  shopId: null,
  items: [],
  totalMinor: null,
  currency: null,
  onHold: false,
  tiktokStatus: null,
  tiktokUpdateTime: 0,
  allocations: [],
  paid: false,
  paidMinor: 0,
  shipping: { carrier: null, trackingNumber: null },
  receivedAt: null,
  shippedAt: null,
  timeline: [],
});

function advance(current: OrderStatus, status: OrderStatus): OrderStatus {
  return progressRank[status] > progressRank[current] ? status : current;
}

function tiktokTime(state: OrderState, event: DomainEvent): number {
  const time = "tiktok_update_time" in event.data ? event.data.tiktok_update_time : undefined;
  return typeof time === "number" ? Math.max(state.tiktokUpdateTime, time) : state.tiktokUpdateTime;
}

/** How one type of event moves the order's status; a type not listed leaves it where it was. */
const statusAfterByType: { [T in EventType]?: (status: OrderStatus) => OrderStatus } = {
  "order.received_from_tiktok": (status) => advance(status, "received"),
  "order.received_from_channel": (status) => advance(status, "received"),
  "order.validation_started": (status) => advance(status, "validating"),
  "order.validated": (status) => advance(status, "validated"),
  "order.inventory_allocated": (status) => advance(status, "allocated"),
  "order.payment_processed": (status) => advance(status, "paid"),
  "order.shipped": (status) => advance(status, "shipped"),
  "order.delivered": (status) => advance(status, "delivered"),
  "order.completed": (status) => advance(status, "completed"),
  "order.cancelled": (status) => (status === "refunded" ? "refunded" : "cancelled"),
  "order.refunded": () => "refunded",
};

/**
 * The order's status after an event of `type`: the status evolveOrder gives it, for a fold
 * that needs the status alone (the dashboard's order facts) without copying a whole order.
 */
export function orderStatusAfter(status: OrderStatus, type: EventType): OrderStatus {
  const next = statusAfterByType[type];
  return next ? next(status) : status;
}

/**
 * The fields one type of event changes apart from the status, its payload narrowed by the
 * catalogue; a type not listed changes none. Only the changes: evolveOrder makes the one
 * copy of the order they go into.
 */
type OrderEvolvers = { [T in EventType]?: (state: OrderState, event: StoredEvent<T>) => Partial<OrderState> };

const orderEvolvers: OrderEvolvers = {
  "order.received_from_tiktok": (state, { data, occurredAt }) => ({
    orderId: data.order_id,
    shopId: data.shop_id,
    onHold: data.is_on_hold,
    tiktokStatus: data.tiktok_status,
    items: data.items ?? state.items,
    totalMinor: data.total_minor ?? state.totalMinor,
    currency: data.currency ?? state.currency,
    receivedAt: occurredAt,
  }),
  // An order from another channel (Shopify): its items and total come with it.
  "order.received_from_channel": (_, { data, occurredAt }) => ({
    orderId: data.order_id, shopId: data.shop_id, items: data.items, totalMinor: data.total_minor, currency: data.currency, receivedAt: occurredAt,
  }),
  // The end of TikTok's one-hour hold arrives this way (ON_HOLD → AWAITING_SHIPMENT).
  "order.tiktok_status_changed": (_, { data }) => ({ onHold: data.is_on_hold, tiktokStatus: data.tiktok_status }),
  "order.validated": (_, { data }) => ({
    items: data.items,
    totalMinor: data.total_minor,
    currency: data.currency,
  }),
  "order.inventory_allocated": (_, { data }) => ({ allocations: data.allocations }),
  "order.payment_processed": (_, { data }) => ({ paid: true, paidMinor: data.amount_minor }),
  "order.shipped": (state, { data, occurredAt }) => ({
    shipping: { carrier: data.carrier ?? state.shipping.carrier, trackingNumber: data.tracking_number ?? state.shipping.trackingNumber },
    shippedAt: state.shippedAt ?? occurredAt,
    tiktokStatus: data.tiktok_status ?? tiktokStatusAtLeast(state.tiktokStatus, "AWAITING_COLLECTION"),
  }),
  // The milestones are TikTok statuses too: the order's TikTok status must not stay at the last plain status change.
  "order.delivered": (state) => ({ tiktokStatus: tiktokStatusAtLeast(state.tiktokStatus, "DELIVERED") }),
  "order.completed": (state) => ({ tiktokStatus: tiktokStatusAtLeast(state.tiktokStatus, "COMPLETED") }),
  "order.cancelled": () => ({ tiktokStatus: "CANCELLED" }),
};

// Generic in the event's type, so the evolver looked up by `event.type` takes this very event.
function changesOf<T extends EventType>(state: OrderState, event: StoredEvent<T>): Partial<OrderState> | undefined {
  return orderEvolvers[event.type]?.(state, event);
}

export function evolveOrder(current: OrderState, event: StoredEvent): OrderState {
  return {
    ...current,
    timeline: [...current.timeline, { type: event.type, at: event.occurredAt, version: event.version }],
    tiktokUpdateTime: tiktokTime(current, event),
    status: orderStatusAfter(current.status, event.type),
    ...changesOf(current, event),
  };
}

function tiktokStatusAtLeast(current: TiktokOrderStatus | null, reached: TiktokOrderStatus): TiktokOrderStatus {
  return current !== null && orderStatusRank(current) >= orderStatusRank(reached) ? current : reached;
}

export type OrderCommand =
  | { type: "StartValidation"; orderId: string }
  | { type: "RecordValidation"; orderId: string; items: OrderItem[]; subtotalMinor: number; shippingMinor: number; currency: string }
  | { type: "RecordAllocation"; orderId: string; allocations: { sku_id: string; quantity: number }[] }
  | { type: "RecordPayment"; orderId: string; amountMinor: number; currency: string; paymentReference: string; collectedByTikTok?: { paidTime: number; taxMinor: number; buyerTotalMinor: number } }
  | { type: "Ship"; orderId: string; carrier: string; trackingNumber: string }
  | { type: "Cancel"; orderId: string; cancelledBy: "buyer" | "seller" | "system" | "platform"; reason?: string }
  | { type: "Refund"; orderId: string; amountMinor: number; reason?: string };

const isClosed = (state: OrderState) => state.status === "cancelled" || state.status === "refunded";

type CommandOf<Type extends OrderCommand["type"]> = Extract<OrderCommand, { type: Type }>;

/** The validated items must add up to the subtotal the order was received with. */
function decideValidation(command: CommandOf<"RecordValidation">, state: OrderState): NewEvent[] {
  if (isClosed(state)) throw illegalState(`Order ${command.orderId} is ${state.status}`);
  if (progressRank[state.status] >= progressRank.validated) return [];
  if (command.items.length === 0) throw new DomainError("validation", `Order ${command.orderId} has no items`);
  const subtotal = command.items.reduce((sum, item) => sum + item.quantity * item.unit_price_minor, 0);
  if (subtotal !== command.subtotalMinor) {
    throw new DomainError("validation", `Order ${command.orderId} items add up to ${subtotal}, not ${command.subtotalMinor}`);
  }
  return [{
    type: "order.validated",
    data: {
      order_id: command.orderId,
      items: command.items,
      subtotal_minor: command.subtotalMinor,
      shipping_minor: command.shippingMinor,
      total_minor: command.subtotalMinor + command.shippingMinor,
      currency: command.currency,
    },
  }];
}

/** A payment must be of the order's total, in its currency; TikTok's own collection carries its figures along. */
function decidePayment(command: CommandOf<"RecordPayment">, state: OrderState): NewEvent[] {
  if (isClosed(state)) throw illegalState(`Cannot take payment for ${state.status} order ${command.orderId}`);
  if (state.paid) return [];
  if (state.totalMinor !== null && command.amountMinor !== state.totalMinor) {
    throw new DomainError("validation", `Payment of ${command.amountMinor} does not match the order total ${state.totalMinor}`);
  }
  if (state.currency !== null && command.currency !== state.currency) {
    throw new DomainError("validation", `Payment in ${command.currency} does not match the order's currency ${state.currency}`);
  }
  return [{
    type: "order.payment_processed",
    data: {
      order_id: command.orderId,
      amount_minor: command.amountMinor,
      currency: command.currency,
      payment_reference: command.paymentReference,
      ...(command.collectedByTikTok
        ? { collected_by: "tiktok", paid_time: command.collectedByTikTok.paidTime, tax_minor: command.collectedByTikTok.taxMinor, buyer_total_minor: command.collectedByTikTok.buyerTotalMinor }
        : {}),
    },
  }];
}

export function decideOrder(command: OrderCommand, state: OrderState): NewEvent[] {
  if (state.status === "none") throw new DomainError("not_found", `Order ${command.orderId} has not been received`);
  switch (command.type) {
    case "StartValidation":
      if (isClosed(state)) throw illegalState(`Order ${command.orderId} is ${state.status}`);
      if (progressRank[state.status] >= progressRank.validating) return [];
      return [{ type: "order.validation_started", data: { order_id: command.orderId } }];
    case "RecordValidation":
      return decideValidation(command, state);
    case "RecordAllocation":
      if (isClosed(state)) throw illegalState(`Cannot allocate stock to ${state.status} order ${command.orderId}`);
      if (progressRank[state.status] >= progressRank.allocated) return [];
      if (state.status !== "validated") throw illegalState(`Order ${command.orderId} must be validated before allocation`);
      return [{ type: "order.inventory_allocated", data: { order_id: command.orderId, allocations: command.allocations } }];
    case "RecordPayment":
      return decidePayment(command, state);
    case "Ship":
      if (isClosed(state)) throw illegalState(`Cannot ship ${state.status} order ${command.orderId}`);
      // The buyer may still cancel during TikTok's one-hour hold.
      if (state.onHold) throw illegalState(`Cannot ship order ${command.orderId} during its hold`);
      if (progressRank[state.status] >= progressRank.shipped) return [];
      if (!state.paid) throw illegalState(`Cannot ship unpaid order ${command.orderId}`);
      return [{ type: "order.shipped", data: { order_id: command.orderId, carrier: command.carrier, tracking_number: command.trackingNumber } }];
    case "Cancel":
      if (isClosed(state)) return [];
      if (progressRank[state.status] >= progressRank.shipped) throw illegalState(`Cannot cancel order ${command.orderId}: it has shipped`);
      return [{
        type: "order.cancelled",
        data: { order_id: command.orderId, cancelled_by: command.cancelledBy, ...(command.reason ? { reason: command.reason } : {}) },
      }];
    case "Refund":
      if (state.status === "refunded") return [];
      if (!state.paid) throw illegalState(`Cannot refund order ${command.orderId}: it was never paid`);
      if (command.amountMinor > state.paidMinor) {
        throw new DomainError("validation", `Refund of ${command.amountMinor} exceeds the ${state.paidMinor} paid`);
      }
      return [{
        type: "order.refunded",
        data: { order_id: command.orderId, amount_minor: command.amountMinor, ...(state.currency ? { currency: state.currency } : {}), ...(command.reason ? { reason: command.reason } : {}) },
      }];
    default: {
      const unhandled: never = command;
      throw new DomainError("validation", `Unknown order command ${JSON.stringify(unhandled)}`);
    }
  }
}

/** The stock this order took: what a cancellation or a compensation gives back (the inventory aggregate knows what is still held). */
export function allocatedStock(state: OrderState): { sku_id: string; quantity: number }[] {
  return state.allocations;
}
