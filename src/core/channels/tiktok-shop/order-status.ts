// TikTok Shop order statuses: the webhook and the Orders API spell some of them
// differently, and deliveries arrive out of order, so every status is normalised and
// ranked before it is applied.
import { tiktokOrderStatus, type TiktokOrderStatus } from "../../orders/events.ts";

export { tiktokOrderStatus, type TiktokOrderStatus };

/** The webhook says `CANCEL`; the Orders API says `CANCELLED`. */
const statusAliases: Readonly<Record<string, TiktokOrderStatus>> = {
  CANCEL: "CANCELLED",
};

/** Normalises a status from either a webhook or the Orders API; undefined if it is not one TikTok documents. */
export function normalizeOrderStatus(raw: string): TiktokOrderStatus | undefined {
  const upper = raw.trim().toUpperCase();
  const aliased = statusAliases[upper] ?? upper;
  const parsed = tiktokOrderStatus.safeParse(aliased);
  return parsed.success ? parsed.data : undefined;
}

// The order in which a healthy order moves. CANCELLED ranks highest so that, at the same
// update_time, a cancellation is the final word.
const rankByStatus: Readonly<Record<TiktokOrderStatus, number>> = {
  UNPAID: 0,
  ON_HOLD: 1,
  AWAITING_SHIPMENT: 2,
  PARTIALLY_SHIPPING: 3,
  AWAITING_COLLECTION: 4,
  IN_TRANSIT: 5,
  DELIVERED: 6,
  COMPLETED: 7,
  CANCELLED: 8,
};

export function orderStatusRank(status: TiktokOrderStatus): number {
  return rankByStatus[status];
}

/** Statuses an order never leaves: anything reported after them is a late or stray delivery. */
export function isTerminalOrderStatus(status: TiktokOrderStatus): boolean {
  return status === "CANCELLED" || status === "COMPLETED";
}

export interface AppliedOrderStatus {
  status: TiktokOrderStatus;
  /** TikTok's `update_time`, seconds since the epoch. */
  updateTime: number;
}

/**
 * Whether `incoming` should replace `current`: a newer update_time wins; at the same
 * update_time the higher rank wins; nothing replaces an identical status.
 */
export function isNewerStatus(current: AppliedOrderStatus | undefined, incoming: AppliedOrderStatus): boolean {
  if (current === undefined) return true;
  if (incoming.updateTime !== current.updateTime) return incoming.updateTime > current.updateTime;
  return orderStatusRank(incoming.status) > orderStatusRank(current.status);
}
