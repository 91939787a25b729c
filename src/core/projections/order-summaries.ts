// One row per order: status, items, amounts, on-hold flag, shipping, timeline. The
// order aggregate's own evolve function does the folding, so the summary never
// disagrees with what the command side decides on. Pure: the table it is kept in is
// declared in order-summaries-projection.ts.
import type { StoredEvent } from "../event-store/index.ts";
import { evolveOrder, initialOrderState, type OrderState } from "../orders/order.ts";
import { webhookDeliveryKeyOf } from "../webhooks/webhook-delivery.ts";
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

function foldSummary(existing: OrderSummary | undefined, event: StoredEvent, orderId: string): OrderSummary {
  const summary: OrderSummary = existing
    ? { ...existing }
    : {
        creatorId: event.creatorId,
        orderId,
        aggregateId: event.aggregateId,
        order: { ...initialOrderState(), orderId },
        refundedMinor: 0,
        cancelledAt: null,
        lastVersion: 0,
        lastEventAt: event.occurredAt,
      };
  summary.order = evolveOrder(summary.order, event);
  if (event.type === "order.refunded") {
    const amount = event.data.amount_minor;
    summary.refundedMinor = typeof amount === "number" ? summary.refundedMinor + amount : (summary.order.totalMinor ?? summary.refundedMinor);
  }
  if (event.type === "order.cancelled") summary.cancelledAt ??= event.occurredAt;
  summary.lastVersion = event.version;
  summary.lastEventAt = event.occurredAt;
  return summary;
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
  const next = new Map(summaries);
  const changed: ChangedSummary[] = [];
  for (const [key, entry] of eventsByOrder(events)) {
    let summary = next.get(key);
    let moved = false;
    let webhookDelivery: string | null = null;
    for (const event of entry.events) {
      if (summary && event.version <= summary.lastVersion) continue;
      summary = foldSummary(summary, event, entry.orderId);
      moved = true;
      webhookDelivery ??= webhookDeliveryKeyOf(event.metadata);
    }
    if (summary && moved) {
      changed.push({ summary, webhookDelivery });
      next.set(key, summary);
    }
  }
  return { state: next, writes: changed };
}
