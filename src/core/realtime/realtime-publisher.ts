// Sends the coalesced realtime deltas: every creator marked dirty in the outbox gets at
// most one message per interval (100 ms: about 10 per second), whatever the burst,
// because hosted Realtime bills every message delivered to every client.
//
// The message, on the private topic `creator:<creator_id>`, event "delta":
//   {
//     "seq": 42,                       // per creator, +1 per message: a gap means one was missed -> refetch
//     "sentAt": "2026-11-22T10:00:00.123Z",
//     "changed": ["alerts", "inventory", "metrics", "orders"],   // the read models that moved
//     "refetch": false,                // true: more changed than listed (or a rebuild): refetch those models
//     "metrics": {                     // when "metrics" changed: today's (UTC) KPIs from dashboard_metrics_daily
//       "day": "2026-11-22", "currency": "USD", "grossMinor": 0, "netMinor": 0, "cancelledMinor": 0,
//       "refundedMinor": 0, "ordersReceived": 0, "ordersValued": 0, "averageOrderMinor": null,
//       "ordersPending": 0, "ordersShipped": 0, "ordersDelivered": 0, "ordersCancelled": 0,
//       "ordersRefunded": 0, "shipSecondsAvg": null,
//       "changedDays": ["2026-11-22"], // days whose figures moved (an old order cancelled moves its day)
//       "byChannel": [{ "channel": "shopify", "ordersReceived", "ordersCancelled", "grossMinor", "netMinor" }]
//                                      // today's orders split by channel (channels with none today left out)
//     },
//     "orders": [{ "orderId", "status", "tiktokStatus", "onHold", "totalMinor", "currency",
//                  "receivedAt", "shippedAt",                         // up to 20 changed orders
//                  "sinceWebhookMs" }],    // only when a TikTok webhook changed the order since the last message:
//                                          // ms from our endpoint accepting the (earliest such) delivery to this
//                                          // message's sentAt, both by the database clock, so no clock skew
//                                          // between machines enters it; the browser adds its own part
//     "inventory": [{ "skuId", "available", "reserved", "total", "reorderPoint", "velocityPerHour",
//                     "hoursToStockout", "severity", "hasOpenConflict", "version",
//                     "channelAvailable": { "tiktok_shop": 12, "shopify": 12 } }],   // up to 20 SKUs
//     "alerts": { "open": 3, "warning": 1, "critical": 2, "emergency": 0 }   // open alerts now (not snoozed)
//   }
// Keys are present only for the models in "changed", and null values are left out. A payload
// stays around a few KB. Rows carry the dashboard snapshot's own field names (camelCase, as
// src/lib/dashboard/dashboard-types.ts has them), so the page merges them without renaming.
import type { Fragment, Helper, Sql } from "postgres";
import { FORECAST_STOCKOUT_SQL } from "../analytics/demand-model.ts";
import { traceRealtimeDeltas, type SentDelta } from "../tracing.ts";
import { MAX_CHANGED_KEYS } from "./realtime-changes.ts";

export const REALTIME_EVENT = "delta";
export const DEFAULT_MIN_INTERVAL_MS = 100;

export interface PublishResult {
  sent: number;
  /** Creators still dirty, waiting for their interval to pass. */
  waiting: number;
  /** When the next of those is due, in ms from now; null when none waits. */
  nextDueInMs: number | null;
}

export function topicFor(creatorId: string): string {
  return `creator:${creatorId}`;
}

/** The model's part of the delta, only when it changed (the outbox row is `s`). */
function whenChanged(sql: Sql, model: "metrics" | "orders" | "inventory" | "alerts", part: Fragment): Fragment {
  // `model` is one of four constants: spliced as a literal, as the statement had it before.
  return sql`case when ${sql.unsafe(`'${model}'`)} = any(s.changed_models) then (${part}) end`;
}

/** A table of the publisher's schema. */
type TableIn = (name: string) => Helper<string>;

/** Today's (UTC) KPIs from dashboard_metrics_daily, with the days whose figures moved. */
function metricsPayload(sql: Sql, table: TableIn): Fragment {
  return whenChanged(sql, "metrics", sql`
    select jsonb_build_object(
             'day', to_char(today, 'YYYY-MM-DD'),
             'currency', m.currency,
             'grossMinor', coalesce(m.gross_minor, 0), 'netMinor', coalesce(m.net_minor, 0),
             'cancelledMinor', coalesce(m.cancelled_minor, 0), 'refundedMinor', coalesce(m.refunded_minor, 0),
             'ordersReceived', coalesce(m.orders_received, 0), 'ordersValued', coalesce(m.orders_valued, 0),
             'averageOrderMinor', case when m.orders_valued > 0 then round(m.gross_minor::numeric / m.orders_valued) end,
             'ordersPending', coalesce(m.orders_pending, 0), 'ordersShipped', coalesce(m.orders_shipped, 0),
             'ordersDelivered', coalesce(m.orders_delivered, 0), 'ordersCancelled', coalesce(m.orders_cancelled, 0),
             'ordersRefunded', coalesce(m.orders_refunded, 0),
             'shipSecondsAvg', case when m.ship_count > 0 then round(m.ship_seconds_sum::numeric / m.ship_count) end,
             'changedDays', (select jsonb_agg(to_char(d, 'YYYY-MM-DD')) from unnest(s.changed_days[1:${MAX_CHANGED_KEYS}]) d),
             'byChannel', (select coalesce(jsonb_agg(jsonb_build_object(
                              'channel', c.channel, 'ordersReceived', c.orders_received, 'ordersCancelled', c.orders_cancelled,
                              'grossMinor', c.gross_minor, 'netMinor', c.net_minor) order by c.channel), '[]'::jsonb)
                             from ${table("dashboard_metrics_channel_daily")} c
                            where c.creator_id = s.creator_id and c.bucket_start = t.today and c.orders_received > 0))
      from (select (date_trunc('day', clock_timestamp() at time zone 'UTC') at time zone 'UTC') as today) t
      left join ${table("dashboard_metrics_daily")} m on m.creator_id = s.creator_id and m.bucket_start = t.today`);
}

/** Up to MAX_CHANGED_KEYS changed orders, newest first, each with its webhook-to-message time where a delivery changed it. */
function ordersPayload(sql: Sql, table: TableIn): Fragment {
  return whenChanged(sql, "orders", sql`
    select coalesce(jsonb_agg(jsonb_build_object(
             'orderId', os.order_id, 'status', os.status, 'tiktokStatus', os.tiktok_status, 'onHold', os.on_hold,
             'totalMinor', os.total_minor, 'currency', os.currency,
             'receivedAt', os.received_at, 'shippedAt', os.shipped_at,
             'sinceWebhookMs', case when s.order_webhook_accepted_at ? os.order_id then greatest(0, round(
               extract(epoch from s.last_sent_at - (s.order_webhook_accepted_at ->> os.order_id)::timestamptz) * 1000))::bigint end
           ) order by os.received_at desc), '[]'::jsonb)
      from ${table("order_summaries")} os
     where os.creator_id = s.creator_id and os.order_id = any(s.changed_orders[1:${MAX_CHANGED_KEYS}])`);
}

/** Up to MAX_CHANGED_KEYS changed SKUs with their levels and forecast stock-out. */
function inventoryPayload(sql: Sql, table: TableIn): Fragment {
  return whenChanged(sql, "inventory", sql`
    select coalesce(jsonb_agg(jsonb_build_object(
             'skuId', il.sku_id, 'available', il.available, 'reserved', il.reserved, 'total', il.total,
             'reorderPoint', il.reorder_point, 'velocityPerHour', il.velocity_per_hour,
             'hoursToStockout', ${sql.unsafe(FORECAST_STOCKOUT_SQL)},
             'severity', il.low_stock_severity,
             'hasOpenConflict', il.has_open_conflict, 'channelAvailable', il.channel_available,
             'version', il.last_version) order by il.sku_id), '[]'::jsonb)
      from ${table("inventory_levels")} il
      left join ${table("demand_forecasts")} df on df.creator_id = il.creator_id and df.sku_id = il.sku_id
     where il.creator_id = s.creator_id and il.sku_id = any(s.changed_skus[1:${MAX_CHANGED_KEYS}])`);
}

/** The open alerts now (not snoozed), by severity. */
function alertsPayload(sql: Sql, table: TableIn): Fragment {
  return whenChanged(sql, "alerts", sql`
    select jsonb_build_object('open', count(*),
             'warning', count(*) filter (where a.severity = 'warning'),
             'critical', count(*) filter (where a.severity = 'critical'),
             'emergency', count(*) filter (where a.severity = 'emergency'))
      from ${table("alerts")} a
     where a.creator_id = s.creator_id and a.resolved_at is null and (a.snoozed_until is null or a.snoozed_until <= now())`);
}

/** The creators still dirty after a run, and when the first of them is due. */
async function stillWaiting(sql: Sql, table: TableIn, interval: number): Promise<Omit<PublishResult, "sent">> {
  const [waiting] = await sql<{ waiting: number; next_due_ms: number | null }[]>`
    select count(*)::int as waiting,
           greatest(0, extract(epoch from (min(last_sent_at) + ${interval} * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 as next_due_ms
      from ${table("realtime_outbox")} where dirty`;
  return { waiting: waiting.waiting, nextDueInMs: waiting.waiting ? (waiting.next_due_ms ?? 0) : null };
}

export function createRealtimePublisher(options: { sql: Sql; schema?: string; minIntervalMs?: number; maxPerRun?: number }) {
  const { sql } = options;
  const schema = options.schema ?? "public";
  const interval = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  const maxPerRun = options.maxPerRun ?? 1_000;
  const table = (name: string) => sql(`${schema}.${name}`);

  /**
   * Sends one delta to every creator that is due. The sequence moves in the same
   * transaction as realtime.send() inserts the message, so sequence numbers and
   * messages never disagree; SKIP LOCKED lets two publishers share the work.
   */
  async function publishDue(): Promise<PublishResult> {
    const startedAt = new Date();
    const [result] = await sql<{ sent: number; traced: SentDelta[] }[]>`
      with due as (
        select creator_id, changed_models, changed_orders, changed_skus, changed_days, order_webhook_accepted_at, trace_parents
          from ${table("realtime_outbox")}
         where dirty and (last_sent_at is null or last_sent_at <= clock_timestamp() - ${interval} * interval '1 millisecond')
         order by dirty_since
         limit ${maxPerRun}
           for update skip locked
      ),
      sent as (
        update ${table("realtime_outbox")} o
           set sequence = o.sequence + 1, dirty = false, dirty_since = null, last_sent_at = clock_timestamp(),
               changed_models = '{}', changed_orders = '{}', changed_skus = '{}', changed_days = '{}',
               order_webhook_accepted_at = '{}', trace_parents = '{}'
          from due
         where o.creator_id = due.creator_id
        returning o.creator_id, o.sequence, o.last_sent_at, due.changed_models, due.changed_orders, due.changed_skus, due.changed_days,
                  due.order_webhook_accepted_at, due.trace_parents
      ),
      payloads as (
        select s.creator_id, s.sequence, s.trace_parents, jsonb_strip_nulls(jsonb_build_object(
                 'seq', s.sequence,
                 -- The same instant sinceWebhookMs is measured to.
                 'sentAt', to_char(s.last_sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                 'changed', to_jsonb(s.changed_models),
                 'refetch', (cardinality(s.changed_orders) > ${MAX_CHANGED_KEYS} or cardinality(s.changed_skus) > ${MAX_CHANGED_KEYS}
                             or cardinality(s.changed_days) > ${MAX_CHANGED_KEYS}
                             or ('orders' = any(s.changed_models) and cardinality(s.changed_orders) = 0)
                             or ('inventory' = any(s.changed_models) and cardinality(s.changed_skus) = 0)),
                 'metrics', ${metricsPayload(sql, table)},
                 'orders', ${ordersPayload(sql, table)},
                 'inventory', ${inventoryPayload(sql, table)},
                 'alerts', ${alertsPayload(sql, table)}
               )) as payload
          from sent s
      )
      select count(realtime.send(p.payload, ${REALTIME_EVENT}, 'creator:' || p.creator_id, true)::text)::int as sent,
             coalesce(jsonb_agg(jsonb_build_object('topic', 'creator:' || p.creator_id, 'sequence', p.sequence, 'traceparents', p.trace_parents))
                        filter (where cardinality(p.trace_parents) > 0), '[]'::jsonb) as traced
        from payloads p`;
    traceRealtimeDeltas(result?.traced ?? [], startedAt, new Date());
    return { sent: result?.sent ?? 0, ...(await stillWaiting(sql, table, interval)) };
  }

  return { publishDue };
}

export type RealtimePublisher = ReturnType<typeof createRealtimePublisher>;
