// What a projection batch changed, per creator, recorded in the realtime outbox in the
// projection's own transaction: the publisher later turns it into one coalesced delta.
import type { Sql } from "postgres";

export type ReadModel = "metrics" | "orders" | "inventory" | "alerts";

/** Keys kept per creator until the next send; more than this and the client is told to refetch. */
export const MAX_CHANGED_KEYS = 20;
/** Traces a delta joins at most: past a burst's first deliveries, the others' traces end at the projection. */
export const MAX_TRACED_DELIVERIES = 20;

interface CreatorChanges {
  models: Set<ReadModel>;
  orders: Set<string>;
  skus: Set<string>;
  days: Set<string>;
  /** Order id -> inbox key of the first TikTok webhook delivery among the order's changes. */
  orderDeliveries: Map<string, string>;
  /** The trace contexts of the events behind the changes: the delta is a span in each of their traces. */
  traceparents: Set<string>;
}

export class RealtimeChanges {
  readonly byCreator = new Map<string, CreatorChanges>();

  private of(creatorId: string): CreatorChanges {
    let changes = this.byCreator.get(creatorId);
    if (!changes) {
      changes = { models: new Set(), orders: new Set(), skus: new Set(), days: new Set(), orderDeliveries: new Map(), traceparents: new Set() };
      this.byCreator.set(creatorId, changes);
    }
    return changes;
  }

  metrics(creatorId: string, day: string): void {
    const changes = this.of(creatorId);
    changes.models.add("metrics");
    if (changes.days.size <= MAX_CHANGED_KEYS) changes.days.add(day);
  }

  /**
   * `webhookDelivery`: the inbox key of the TikTok webhook delivery behind the change, if
   * one was; the first one named for an order is kept, as the earliest of its changes is
   * the one that has waited longest to reach the screen.
   */
  order(creatorId: string, orderId: string, webhookDelivery?: string | null): void {
    const changes = this.of(creatorId);
    changes.models.add("orders");
    if (changes.orders.size <= MAX_CHANGED_KEYS) changes.orders.add(orderId);
    if (webhookDelivery && changes.orders.has(orderId) && !changes.orderDeliveries.has(orderId)) {
      changes.orderDeliveries.set(orderId, webhookDelivery);
    }
  }

  sku(creatorId: string, skuId: string): void {
    const changes = this.of(creatorId);
    changes.models.add("inventory");
    if (changes.skus.size <= MAX_CHANGED_KEYS) changes.skus.add(skuId);
  }

  alerts(creatorId: string): void {
    this.of(creatorId).models.add("alerts");
  }

  /** Remembers the trace context of each event of a creator whose read models this batch changed. */
  causedBy(events: readonly { creatorId: string; metadata?: Readonly<Record<string, unknown>> | null }[]): void {
    for (const event of events) {
      const traceparent = event.metadata?.traceparent;
      const changes = typeof traceparent === "string" ? this.byCreator.get(event.creatorId) : undefined;
      if (changes && changes.traceparents.size < MAX_TRACED_DELIVERIES) changes.traceparents.add(traceparent as string);
    }
  }

  get size(): number {
    return this.byCreator.size;
  }
}

/**
 * Marks the creators dirty in `<schema>.realtime_outbox`, merging what changed with what
 * is already waiting. Rows are written in creator order so that two projections'
 * transactions touching the same creators never deadlock.
 *
 * For orders changed by a TikTok webhook, it also keeps when our endpoint accepted that
 * delivery (webhook_inbox.received_at), the earliest per order until the next send: the
 * publisher turns it into the order's `sinceWebhookMs`. The inbox is looked up here, in
 * the same statement, so it costs no extra round trip; a delivery whose inbox row is gone
 * simply has no figure.
 */
export async function recordRealtimeChanges(sql: Sql, schema: string, changes: RealtimeChanges): Promise<void> {
  if (changes.size === 0) return;
  const rows = [...changes.byCreator.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([creatorId, change]) => ({
      creator_id: creatorId,
      changed_models: [...change.models],
      changed_orders: [...change.orders],
      changed_skus: [...change.skus],
      changed_days: [...change.days],
      order_deliveries: [...change.orderDeliveries].map(([orderId, delivery]) => ({ order_id: orderId, delivery })),
      trace_parents: [...change.traceparents],
    }));
  // One more key than a message lists tells the publisher the list is incomplete.
  const keep = MAX_CHANGED_KEYS + 1;
  await sql`
    insert into ${sql(`${schema}.realtime_outbox`)} as o
           (creator_id, dirty, changed_models, changed_orders, changed_skus, changed_days, trace_parents, order_webhook_accepted_at, dirty_since)
    select r.creator_id, true, r.changed_models, r.changed_orders, r.changed_skus, r.changed_days, r.trace_parents,
           coalesce((select jsonb_object_agg(d.order_id, w.received_at)
                       from jsonb_to_recordset(r.order_deliveries) as d(order_id text, delivery text)
                       join public.webhook_inbox w on w.dedupe_key = d.delivery and w.creator_id = r.creator_id), '{}'::jsonb),
           clock_timestamp()
      from jsonb_to_recordset(${sql.json(rows as never)})
           as r(creator_id uuid, changed_models text[], changed_orders text[], changed_skus text[], changed_days date[], order_deliveries jsonb,
                trace_parents text[])
    on conflict (creator_id) do update set
      dirty = true,
      dirty_since = coalesce(o.dirty_since, excluded.dirty_since),
      changed_models = array(select distinct m from unnest(o.changed_models || excluded.changed_models) m order by m),
      changed_orders = (array(select distinct k from unnest(o.changed_orders || excluded.changed_orders) k order by k))[1:${keep}],
      changed_skus = (array(select distinct k from unnest(o.changed_skus || excluded.changed_skus) k order by k))[1:${keep}],
      changed_days = (array(select distinct k from unnest(o.changed_days || excluded.changed_days) k order by k desc))[1:${keep}],
      -- The first deliveries waiting keep their place (nothing to merge, the usual case with tracing off).
      trace_parents = case when cardinality(excluded.trace_parents) = 0 then o.trace_parents
                           else (array(select t from unnest(o.trace_parents || excluded.trace_parents) with ordinality u(t, n)
                                        group by t order by min(n)))[1:${MAX_TRACED_DELIVERIES}] end,
      -- Only for orders either side lists (at most twice the cap), so the map stays bounded.
      order_webhook_accepted_at = (
        select coalesce(jsonb_object_agg(a.order_id, a.accepted_at), '{}'::jsonb)
          from (select e.key as order_id, min((e.value #>> '{}')::timestamptz) as accepted_at
                  from (select key, value from jsonb_each(o.order_webhook_accepted_at)
                        union all
                        select key, value from jsonb_each(excluded.order_webhook_accepted_at)) e
                 where e.key = any(o.changed_orders || excluded.changed_orders)
                 group by e.key) a)`;
}
