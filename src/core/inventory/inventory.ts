// The inventory aggregate, one per SKU and creator: stock on hand, what orders hold,
// how fast it sells, and the rules that keep it from being oversold.
import type { ChannelId } from "../channels/channel-id.ts";
import type { DomainEvent, EventType } from "../event-catalogue.ts";
import type { NewEvent } from "../event-store/index.ts";
import { DomainError, illegalState } from "../domain-error.ts";
import { DAY_MS, HOUR_MS } from "../durations.ts";

/** A reservation the SKU's available count cannot cover; carries the numbers so a caller can explain it. */
export class InsufficientStock extends DomainError {
  constructor(
    readonly skuId: string,
    readonly requested: number,
    readonly available: number,
  ) {
    super("illegal_state", `Cannot reserve ${requested} of ${skuId}: only ${available} available`);
    this.name = "InsufficientStock";
  }
}

export const DEFAULT_REORDER_POINT = 10;
const VELOCITY_WINDOW_MS = DAY_MS;

export type LowStockSeverity = "warning" | "critical" | "emergency";

/**
 * The shape version of InventoryState for snapshots: 2 added TikTok's holds, so a snapshot
 * taken before them (which would hide a hold reported earlier) is not used.
 */
export const INVENTORY_STATE_VERSION = 2;

/**
 * Units TikTok keeps from sale on its side that no order here holds: its creator and
 * campaign reservations, as its newest inventory report (type 27) gave them. TikTok's
 * times order its reports; an older report arriving late does not replace a newer one.
 */
export interface TikTokHolds {
  creatorReserved: number;
  campaignReserved: number;
  tiktokUpdateTime: number;
}

export interface InventoryState {
  skuId: string | null;
  productId: string | null;
  total: number;
  reserved: number;
  /** Reservations by order id: a release must match one. */
  reservations: Record<string, number>;
  reorderPoint: number;
  /** Units sold (shipped) in the last day, for the sales velocity. */
  recentSales: { at: string; quantity: number }[];
  lastSyncAt: string | null;
  lastChangeAt: string | null;
  lastChangeSource: string | null;
  lowStockSeverity: LowStockSeverity | null;
  /** Null until TikTok reports the SKU (and in states stored before holds were kept). */
  tiktokHolds?: TikTokHolds | null;
  /** A reorder was suggested and the SKU has not been restocked since (absent in older states: none). */
  reorderTriggered?: boolean;
  /** Selling far above its forecast right now. */
  salesSpike?: boolean;
  /** Selling far below its forecast (or not at all) right now. */
  salesDrop?: boolean;
  /** Days a reorder takes to arrive, as the creator set them (absent: the default). */
  leadTimeDays?: number;
}

export const initialInventoryState = (): InventoryState => ({
  skuId: null,
  productId: null,
  total: 0,
  reserved: 0,
  reservations: {},
  reorderPoint: DEFAULT_REORDER_POINT,
  recentSales: [],
  lastSyncAt: null,
  lastChangeAt: null,
  lastChangeSource: null,
  lowStockSeverity: null,
  tiktokHolds: null,
});

/** TikTok's creator and campaign holds on the SKU (0 before TikTok reported any). */
export const tiktokHeld = (state: InventoryState) => (state.tiktokHolds ? state.tiktokHolds.creatorReserved + state.tiktokHolds.campaignReserved : 0);

/** Units no order here holds: what a TikTok order may still take (TikTok may sell a held unit to its own campaign's buyer). */
export const unreserved = (state: InventoryState) => state.total - state.reserved;

/**
 * What a buyer can still buy, on both sides alike: the total less what orders hold
 * (reservations here, TikTok's `committed`) and less TikTok's own holds. It is TikTok's
 * `available` in `inventory_distribution` when the two books agree, and what a push sends.
 */
export const available = (state: InventoryState) => Math.max(0, unreserved(state) - tiktokHeld(state));

/** What the fold reads of an event: its type and payload, and when it happened. */
export type InventoryEventAt<T extends EventType = EventType> = DomainEvent<T> & { occurredAt: Date };

export function evolveInventory(state: InventoryState, event: InventoryEventAt): InventoryState {
  const next = applyInventoryEvent(state, event);
  // Back above the reorder point: the next drop raises a fresh alert.
  return next.lowStockSeverity !== null && available(next) > next.reorderPoint ? { ...next, lowStockSeverity: null } : next;
}

/** How one type of event changes the SKU's state, its payload narrowed by the catalogue; a type not listed leaves it as it was. */
type InventoryEvolvers = { [T in EventType]?: (state: InventoryState, event: InventoryEventAt<T>) => InventoryState };

const inventoryEvolvers: InventoryEvolvers = {
  "inventory.stock_updated": (state, { data, occurredAt }) => {
    const at = occurredAt.toISOString();
    const sold = data.source === "order" ? Math.max(0, data.previous_total - data.new_total) : 0;
    const cutoff = occurredAt.getTime() - VELOCITY_WINDOW_MS;
    return {
      ...state,
      skuId: data.sku_id,
      productId: data.product_id ?? state.productId,
      total: data.new_total,
      recentSales: [...state.recentSales.filter((sale) => Date.parse(sale.at) >= cutoff), ...(sold ? [{ at, quantity: sold }] : [])],
      lastChangeAt: at,
      lastChangeSource: data.source,
      lastSyncAt: data.source === "tiktok" || data.source === "reconciliation" ? at : state.lastSyncAt,
      // Restocked: the next crossing of the reorder point suggests a reorder again.
      reorderTriggered: data.source !== "order" && data.new_total > data.previous_total ? false : state.reorderTriggered,
    };
  },
  "inventory.reserved": (state, { data: { sku_id: skuId, order_id: orderId, quantity }, occurredAt }) => ({
    ...state,
    skuId,
    reserved: state.reserved + quantity,
    reservations: { ...state.reservations, [orderId]: (state.reservations[orderId] ?? 0) + quantity },
    lastChangeAt: occurredAt.toISOString(),
    lastChangeSource: "order",
  }),
  "inventory.released": (state, { data: { order_id: orderId, quantity }, occurredAt }) => {
    const { [orderId]: held = 0, ...others } = state.reservations;
    const remaining = held - quantity;
    return {
      ...state,
      reserved: state.reserved - quantity,
      reservations: remaining > 0 ? { ...others, [orderId]: remaining } : others,
      lastChangeAt: occurredAt.toISOString(),
      lastChangeSource: "order",
    };
  },
  "inventory.external_count_reported": (state, { data, occurredAt }) => {
    const newer = !state.tiktokHolds || data.tiktok_update_time >= state.tiktokHolds.tiktokUpdateTime;
    const tiktokHolds = newer
      ? { creatorReserved: data.creator_reserved, campaignReserved: data.campaign_reserved, tiktokUpdateTime: data.tiktok_update_time }
      : state.tiktokHolds;
    return { ...state, skuId: data.sku_id, productId: data.product_id, lastSyncAt: occurredAt.toISOString(), tiktokHolds };
  },
  "inventory.low_stock_detected": (state, { data }) => ({ ...state, lowStockSeverity: data.severity, reorderPoint: data.reorder_point }),
  "inventory.reorder_triggered": (state, { data }) => ({ ...state, reorderPoint: data.reorder_point, reorderTriggered: true }),
  "inventory.sales_spike_detected": (state) => ({ ...state, salesSpike: true }),
  "inventory.sales_spike_ended": (state) => ({ ...state, salesSpike: false }),
  "inventory.lead_time_changed": (state, { data }) => ({ ...state, leadTimeDays: data.lead_time_days }),
  "inventory.sales_drop_detected": (state) => ({ ...state, salesDrop: true }),
  "inventory.sales_drop_ended": (state) => ({ ...state, salesDrop: false }),
};

// Generic in the event's type, so the evolver looked up by `event.type` takes this very event.
function applyInventoryEvent<T extends EventType>(state: InventoryState, event: InventoryEventAt<T>): InventoryState {
  const apply = inventoryEvolvers[event.type];
  return apply ? apply(state, event) : state;
}

/** Units sold per hour over the last day, as of `now`. */
export function salesVelocityPerHour(state: InventoryState, now: Date): number {
  const cutoff = now.getTime() - VELOCITY_WINDOW_MS;
  const sold = state.recentSales.filter((sale) => Date.parse(sale.at) >= cutoff).reduce((sum, sale) => sum + sale.quantity, 0);
  return sold / (VELOCITY_WINDOW_MS / HOUR_MS);
}

export function hoursToStockout(state: InventoryState, now: Date): number | null {
  const velocity = salesVelocityPerHour(state, now);
  if (available(state) <= 0) return 0;
  return velocity > 0 ? available(state) / velocity : null;
}

/** Severity by how soon the SKU runs out: under 4 h an emergency, under a day critical, else a warning. */
export function lowStockSeverity(state: InventoryState, now: Date): LowStockSeverity | null {
  if (available(state) > state.reorderPoint) return null;
  const hours = hoursToStockout(state, now);
  if (hours !== null && hours < 4) return "emergency";
  if (hours !== null && hours < 24) return "critical";
  return "warning";
}

export type InventoryCommand =
  | { type: "AdjustStock"; skuId: string; productId?: string; newTotal: number; source: "manual" | "tiktok" | "reconciliation" | "system" | "shopify"; reason?: string }
  | { type: "Reserve"; skuId: string; orderId: string; quantity: number; channel?: ChannelId }
  | { type: "Release"; skuId: string; orderId: string; quantity?: number; reason: "cancelled" | "compensation" | "expired"; channel?: ChannelId }
  | { type: "ConfirmShipment"; skuId: string; orderId: string };

/** Appends a low-stock event when a change crosses into a (new) severity. */
function withLowStockCheck(state: InventoryState, events: NewEvent[], now: Date): NewEvent[] {
  let next = state;
  for (const event of events) {
    next = evolveInventory(next, { ...event, occurredAt: now });
  }
  const severity = lowStockSeverity(next, now);
  if (!severity || severity === state.lowStockSeverity) return events;
  return [
    ...events,
    {
      type: "inventory.low_stock_detected",
      data: {
        sku_id: next.skuId ?? "",
        available: Math.max(0, available(next)),
        reorder_point: next.reorderPoint,
        severity,
        hours_to_stockout: hoursToStockout(next, now),
      },
    },
  ];
}

export function decideInventory(command: InventoryCommand, state: InventoryState, now: Date): NewEvent[] {
  switch (command.type) {
    case "AdjustStock": {
      if (!Number.isInteger(command.newTotal) || command.newTotal < 0) {
        throw new DomainError("validation", `Stock of ${command.skuId} cannot be ${command.newTotal}`);
      }
      if (command.newTotal < state.reserved) {
        throw illegalState(`Stock of ${command.skuId} cannot drop to ${command.newTotal}: ${state.reserved} are reserved for orders`);
      }
      if (command.newTotal === state.total && state.skuId !== null) return [];
      return withLowStockCheck(state, [{
        type: "inventory.stock_updated",
        data: {
          sku_id: command.skuId,
          ...(command.productId ?? state.productId ? { product_id: command.productId ?? state.productId! } : {}),
          previous_total: state.total,
          new_total: command.newTotal,
          source: command.source,
          ...(command.reason ? { reason: command.reason } : {}),
        },
      }], now);
    }
    case "Reserve": {
      if (!Number.isInteger(command.quantity) || command.quantity < 1) {
        throw new DomainError("validation", `Cannot reserve ${command.quantity} of ${command.skuId}`);
      }
      // Idempotent per order: a retried saga step never reserves twice.
      if (state.reservations[command.orderId] !== undefined) return [];
      // Against the units no order holds, not less TikTok's holds: TikTok accepted the order, and
      // a campaign's order is sold from the campaign's hold (TikTok's next report lowers it).
      if (command.quantity > unreserved(state)) {
        throw new InsufficientStock(command.skuId, command.quantity, Math.max(0, unreserved(state)));
      }
      const channel = command.channel ? { channel: command.channel } : {};
      return withLowStockCheck(state, [{ type: "inventory.reserved", data: { sku_id: command.skuId, order_id: command.orderId, quantity: command.quantity, ...channel } }], now);
    }
    case "Release": {
      const held = state.reservations[command.orderId];
      if (held === undefined) return []; // already released, or never reserved: nothing to give back
      const quantity = command.quantity ?? held;
      if (quantity > held) throw illegalState(`Order ${command.orderId} holds ${held} of ${command.skuId}, cannot release ${quantity}`);
      const channel = command.channel ? { channel: command.channel } : {};
      return [{ type: "inventory.released", data: { sku_id: command.skuId, order_id: command.orderId, quantity, reason: command.reason, ...channel } }];
    }
    case "ConfirmShipment": {
      const held = state.reservations[command.orderId];
      if (held === undefined) return [];
      return withLowStockCheck(state, [
        { type: "inventory.released", data: { sku_id: command.skuId, order_id: command.orderId, quantity: held, reason: "shipped" } },
        { type: "inventory.stock_updated", data: { sku_id: command.skuId, previous_total: state.total, new_total: state.total - held, source: "order" } },
      ], now);
    }
    default: {
      const unhandled: never = command;
      throw new DomainError("validation", `Unknown inventory command ${JSON.stringify(unhandled)}`);
    }
  }
}
