// One row per order: status, items, amounts, on-hold flag, shipping, timeline. The
// order aggregate's own evolve function does the folding, so the summary never
// disagrees with what the command side decides on. Pure: the table it is kept in is
// declared in order-summaries-projection.ts.
import type { StoredEvent } from "../event-store/index.ts";
import { evolveOrder, initialOrderState, type OrderState } from "../orders/order.ts";
import { webhookDeliveryKeyOf } from "../webhooks/webhook-delivery.ts";
import { foldEntities } from "./entity-fold.ts";
import { eventsByOrder, type Folded } from "./projection.ts";

export interface OrderSummary {
  creatorId: string;
  orderId: string;
  aggregateId: string;
  order: OrderState;
  refundedMinor: number;
  cancelledAt: Date | null;
  lastVersion: number;
  lastEventAt: Date;
}

function newSummary(creatorId: string, orderId: string, aggregateId: string, firstEventAt: Date): OrderSummary {
  const order = { ...initialOrderState(), orderId };
  return { creatorId, orderId, aggregateId, order, refundedMinor: 0, cancelledAt: null, lastVersion: 0, lastEventAt: firstEventAt };
}

/** Moves `summary` (a copy) by one event. */
function applyToSummary(summary: OrderSummary, event: StoredEvent): void {
  summary.order = evolveOrder(summary.order, event);
  if (event.type === "order.refunded") {
    const amount = event.data.amount_minor;
    summary.refundedMinor = typeof amount === "number" ? summary.refundedMinor + amount : (summary.order.totalMinor ?? summary.refundedMinor);
  }
  if (event.type === "order.cancelled") summary.cancelledAt ??= event.occurredAt;
  summary.lastVersion = event.version;
  summary.lastEventAt = event.occurredAt;
}

/** Order summaries by `creator|order`: the whole read model in a spec, the orders a batch touches live. */
export type OrderSummaries = ReadonlyMap<string, OrderSummary>;

export interface ChangedSummary {
  summary: OrderSummary;
  /** The first TikTok webhook among the events that moved the order: how long the dashboard took to show it. */
  webhookDelivery: string | null;
}

/** The summaries with the batch folded in; writes are the orders it moved. */
export function foldOrderSummaries(summaries: OrderSummaries, events: readonly StoredEvent[]): Folded<OrderSummaries, ChangedSummary[]> {
  const { state, moves } = foldEntities(summaries, eventsByOrder(events), {
    start: (order, event) => newSummary(order.creatorId, order.orderId, event.aggregateId, event.occurredAt),
    apply: applyToSummary,
    hasFolded: (summary, event) => event.version <= summary.lastVersion,
  });
  const changed = moves.map(({ after, events: moved }) => ({
    summary: after,
    webhookDelivery: moved.reduce<string | null>((first, event) => first ?? webhookDeliveryKeyOf(event.metadata), null),
  }));
  return { state, writes: changed };
}
