// The events the rebuild and shard benchmarks fold, seeded through append_to_stream itself
// (the same function every append goes through), one multi-event append per stream, many
// streams per statement: fast enough to seed 200,000 events in seconds without bypassing
// the store's bookkeeping.
import type { Sql } from "postgres";

const ORDERS = 25_000; // 6 events each: 150,000 order events
const SKUS = 50;
const EVENTS_PER_SKU = 1_000; // 50,000 inventory events
const STREAMS_PER_STATEMENT = 500;
const SEED_WRITERS = 4;

export const SEEDED_EVENTS = ORDERS * 6 + SKUS * EVENTS_PER_SKU;

/** Every event says where it came from (the database refuses rows without): here, the benchmark's seed. */
function seedMetadata(sql: Sql) {
  return sql.json({ source: "automated_system", component: "bench-seed", priority: "normal", service_version: "bench", environment: "bench" });
}

/** `orders` orders of 6 events each, spread round-robin over the creators. */
export async function seedOrders(sql: Sql, creatorIds: readonly string[], runId: string, orders = ORDERS): Promise<void> {
  const chunks = Math.ceil(orders / STREAMS_PER_STATEMENT);
  let nextChunk = 0;
  const writer = async () => {
    for (let chunk = nextChunk++; chunk < chunks; chunk = nextChunk++) {
      const first = chunk * STREAMS_PER_STATEMENT;
      const last = Math.min(orders, first + STREAMS_PER_STATEMENT) - 1;
      await sql`
        select count(*) from generate_series(${first}::int, ${last}::int) as g(n),
        lateral (select ${runId} || g.n::text as order_id,
                        timestamptz '2026-10-01' + g.n * interval '41 seconds' as received_at,
                        1000 + (g.n % 40) * 250 as total) o,
        lateral (select (${creatorIds as string[]}::uuid[])[1 + g.n % ${creatorIds.length}] as creator_id) c,
        lateral public.append_to_stream(c.creator_id, 'order-' || o.order_id, 'order', 'no_stream', (select jsonb_agg(e.value || jsonb_build_object('metadata', ${seedMetadata(sql)}::jsonb || jsonb_build_object('creator_id', c.creator_id)) order by e.ordinality) from jsonb_array_elements(jsonb_build_array(
          jsonb_build_object('event_type', 'order.received_from_tiktok', 'occurred_at', o.received_at, 'event_data', jsonb_build_object(
            'order_id', o.order_id, 'shop_id', '7494726673780148744', 'tiktok_status', 'AWAITING_SHIPMENT', 'is_on_hold', false,
            'tiktok_update_time', extract(epoch from o.received_at)::bigint)),
          jsonb_build_object('event_type', 'order.validation_started', 'occurred_at', o.received_at + interval '5 seconds',
            'event_data', jsonb_build_object('order_id', o.order_id)),
          jsonb_build_object('event_type', 'order.validated', 'occurred_at', o.received_at + interval '20 seconds', 'event_data', jsonb_build_object(
            'order_id', o.order_id, 'subtotal_minor', o.total - 300, 'shipping_minor', 300, 'total_minor', o.total, 'currency', 'USD',
            'items', jsonb_build_array(jsonb_build_object('sku_id', 'SKU' || (g.n % ${SKUS}), 'product_id', 'P' || (g.n % ${SKUS}), 'quantity', 1, 'unit_price_minor', o.total - 300)))),
          jsonb_build_object('event_type', 'order.payment_processed', 'occurred_at', o.received_at + interval '1 minute', 'event_data', jsonb_build_object(
            'order_id', o.order_id, 'amount_minor', o.total, 'currency', 'USD', 'payment_reference', 'pay-' || o.order_id)),
          case when g.n % 10 = 0
            then jsonb_build_object('event_type', 'order.cancelled', 'occurred_at', o.received_at + interval '10 minutes',
                   'event_data', jsonb_build_object('order_id', o.order_id, 'cancelled_by', 'buyer'))
            else jsonb_build_object('event_type', 'order.shipped', 'occurred_at', o.received_at + (1 + g.n % 30) * interval '1 hour',
                   'event_data', jsonb_build_object('order_id', o.order_id, 'carrier', 'USPS'))
          end,
          case when g.n % 10 = 0
            then jsonb_build_object('event_type', 'order.refunded', 'occurred_at', o.received_at + interval '1 day',
                   'event_data', jsonb_build_object('order_id', o.order_id))
            else jsonb_build_object('event_type', 'order.delivered', 'occurred_at', o.received_at + interval '3 days',
                   'event_data', jsonb_build_object('order_id', o.order_id))
          end)) with ordinality e), null) a`;
    }
  };
  await Promise.all(Array.from({ length: SEED_WRITERS }, writer));
}

/** SKUS inventory streams of EVENTS_PER_SKU events each, spread round-robin over the creators. */
export async function seedInventory(sql: Sql, creatorIds: readonly string[], runId: string): Promise<void> {
  await sql`
    select count(*) from generate_series(0, ${SKUS - 1}) as s(n),
    lateral (select (${creatorIds as string[]}::uuid[])[1 + s.n % ${creatorIds.length}] as creator_id) c,
    lateral public.append_to_stream(c.creator_id, 'inventory-' || ${runId} || 'SKU' || s.n, 'inventory', 'no_stream', (
      select jsonb_agg(jsonb_build_object('metadata', ${seedMetadata(sql)}::jsonb || jsonb_build_object('creator_id', c.creator_id)) || case
        when e.i = 0 then jsonb_build_object('event_type', 'inventory.stock_updated', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'previous_total', 0, 'new_total', 100000, 'source', 'manual'))
        when e.i % 100 = 50 then jsonb_build_object('event_type', 'inventory.low_stock_detected', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'available', 9, 'reorder_point', 10,
            'severity', (array['warning', 'critical', 'emergency'])[1 + (e.i / 100) % 3], 'hours_to_stockout', 12))
        when e.i % 2 = 1 then jsonb_build_object('event_type', 'inventory.reserved', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'order_id', 'o' || e.i, 'quantity', 1))
        else jsonb_build_object('event_type', 'inventory.released', 'occurred_at', timestamptz '2026-10-01' + e.i * interval '1 minute',
          'event_data', jsonb_build_object('sku_id', ${runId} || 'SKU' || s.n, 'order_id', 'o' || (e.i - 1), 'quantity', 1, 'reason', 'cancelled'))
        end order by e.i)
        from generate_series(0, ${EVENTS_PER_SKU - 1}) as e(i)), null) a`;
}
