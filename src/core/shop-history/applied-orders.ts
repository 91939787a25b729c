// Loading what the engine already applied to a page of orders (one query), and shaping
// the appends an observed page implies, for backfill and reconciliation alike.
import type { Sql } from "postgres";
import type { DomainEvent, EventOrigin } from "../event-catalogue.ts";
import { toAppendRows } from "../event-store/index.ts";
import { orderAggregateId } from "../orders/events.ts";
import type { TikTokOrderDetail } from "../channels/tiktok-shop/api-client.ts";
import type { AppliedOrderStatus } from "../channels/tiktok-shop/order-status.ts";
import { evolveAppliedOrderStatus, type DomainEventToAppend } from "../channels/tiktok-shop/webhook-mapping.ts";
import { decideOnObservedOrder, type OrderDrift } from "./observations.ts";

export interface AppliedOrder {
  creatorId: string;
  status: AppliedOrderStatus | undefined;
  version: number;
}

export async function loadAppliedOrders(sql: Sql, orderIds: readonly string[]): Promise<Map<string, AppliedOrder>> {
  const applied = new Map<string, AppliedOrder>();
  if (orderIds.length === 0) return applied;
  // Payloads as every append stored them: parsed with the catalogue (see the event store's EventRow).
  const rows = await sql<(DomainEvent & { aggregate_id: string; creator_id: string; version: string })[]>`
    select aggregate_id, creator_id::text as creator_id, event_type as type, event_data as data, version::text
      from public.event_store
     where aggregate_id = any(${orderIds.map(orderAggregateId)}::text[])
     order by aggregate_id, version`;
  for (const row of rows) {
    const current = applied.get(row.aggregate_id);
    applied.set(row.aggregate_id, {
      creatorId: row.creator_id,
      status: evolveAppliedOrderStatus(current?.status, row),
      version: Number(row.version),
    });
  }
  return applied;
}

export interface ObservedOrderAppend {
  orderId: string;
  drift: OrderDrift;
  applied: AppliedOrderStatus | undefined;
  observedStatus: string;
  events: DomainEventToAppend[];
  append: { aggregate_id: string; aggregate_type: string; expected: string; events: ReturnType<typeof toAppendRows> };
}

export interface ObservedPage {
  appends: ObservedOrderAppend[];
  /** Orders whose stream belongs to another creator: never written to. */
  foreign: string[];
}

/** The appends a page of orders read from TikTok implies for `creatorId`, each at the version it was decided on. */
export function decideOnObservedPage(orders: readonly TikTokOrderDetail[], shopId: string, creatorId: string, applied: Map<string, AppliedOrder>, metadata: EventOrigin): ObservedPage {
  const page: ObservedPage = { appends: [], foreign: [] };
  const seen = new Set<string>();
  for (const order of orders) {
    if (seen.has(order.id)) continue;
    seen.add(order.id);
    const current = applied.get(orderAggregateId(order.id));
    if (current && current.creatorId !== creatorId) {
      page.foreign.push(order.id);
      continue;
    }
    const decision = decideOnObservedOrder(order, shopId, current?.status);
    if (decision.drift === null) continue;
    page.appends.push({
      orderId: order.id,
      drift: decision.drift,
      applied: current?.status,
      observedStatus: decision.observedStatus,
      events: decision.events,
      append: {
        aggregate_id: orderAggregateId(order.id),
        aggregate_type: "order",
        expected: current ? String(current.version) : "no_stream",
        events: toAppendRows({ creatorId, metadata }, decision.events),
      },
    });
  }
  return page;
}
