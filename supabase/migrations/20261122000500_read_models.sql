-- Read models: tables the dashboard reads, kept by projections (src/core/projections)
-- from the event stream, each written in the same transaction as its projection's
-- checkpoint. Everything here can be rebuilt from the events.
--
-- Rows carry no wall-clock "updated_at": every value comes from the events (their
-- occurred_at, their versions), so a rebuild produces exactly what live processing did.

-- Money attribution (dashboard_metrics_*): an order's money always lives in the bucket
-- of the ORDER's received time. Gross counts as soon as the amount is known (order.validated,
-- or a webhook that already carried it); a later cancellation or refund is subtracted from
-- net in that same bucket, never in the bucket of the cancellation. So "today's net
-- revenue" means "net revenue of today's orders", net never goes below zero in a bucket,
-- and yesterday's figure may still shrink when one of yesterday's orders is cancelled.
--   gross_minor     = sum of the known order totals
--   refunded_minor  = refunds, at most the order's total (a refund without an amount is a full refund)
--   cancelled_minor = the rest of the total of cancelled orders (a cancelled and refunded order is not subtracted twice)
--   net_minor       = gross_minor - cancelled_minor - refunded_minor
-- Orders by status count the orders received in the bucket by their CURRENT status, so
-- orders_pending + shipped + delivered + cancelled + refunded = orders_received.
-- Average order value = gross_minor / orders_valued (orders whose amount is known).
-- Time to shipment (received -> first shipped) is attributed to the received bucket too:
-- sum and count give the mean; ship_hours_histogram (bins with upper bounds 1, 2, 4, 8,
-- 12, 24, 48, 72, 168 hours, then the rest) gives an approximate median per bucket, and
-- dashboard_order_facts keeps each order's times for an exact one.
-- Currency: a TikTok shop sells in one currency, so a bucket has one; if an order in
-- another currency lands in it, its amounts are still summed and mixed_currency is set
-- so the dashboard can warn instead of silently showing a wrong figure.
create table public.dashboard_metrics_hourly (
  creator_id uuid not null,
  bucket_start timestamptz not null,
  currency text,
  mixed_currency boolean not null default false,
  orders_received integer not null default 0,
  orders_valued integer not null default 0,
  orders_pending integer not null default 0,
  orders_shipped integer not null default 0,
  orders_delivered integer not null default 0,
  orders_cancelled integer not null default 0,
  orders_refunded integer not null default 0,
  gross_minor bigint not null default 0,
  cancelled_minor bigint not null default 0,
  refunded_minor bigint not null default 0,
  net_minor bigint not null default 0,
  ship_seconds_sum bigint not null default 0,
  ship_count integer not null default 0,
  ship_hours_histogram integer[] not null default '{0,0,0,0,0,0,0,0,0,0}',
  last_event_at timestamptz,
  primary key (creator_id, bucket_start)
);

create table public.dashboard_metrics_daily (like public.dashboard_metrics_hourly including all);

-- The dashboard-metrics projection's memory of each order: what it has already counted
-- where, so a later event moves the counts instead of adding them again.
create table public.dashboard_order_facts (
  creator_id uuid not null,
  order_id text not null,
  received_at timestamptz not null,
  status text not null,
  currency text,
  amount_minor bigint,
  cancelled boolean not null default false,
  refund_minor bigint not null default 0,
  refunded_in_full boolean not null default false,
  shipped_at timestamptz,
  last_version bigint not null,
  primary key (creator_id, order_id)
);
create index dashboard_order_facts_received_idx on public.dashboard_order_facts (creator_id, received_at);

create table public.order_summaries (
  creator_id uuid not null,
  order_id text not null,
  aggregate_id text not null,
  shop_id text,
  status text not null,
  tiktok_status text,
  on_hold boolean not null default false,
  items jsonb not null default '[]'::jsonb,
  item_count integer not null default 0,
  total_minor bigint,
  currency text,
  paid_minor bigint not null default 0,
  refunded_minor bigint not null default 0,
  carrier text,
  tracking_number text,
  received_at timestamptz,
  shipped_at timestamptz,
  cancelled_at timestamptz,
  -- [{type, at, version}], oldest first.
  timeline jsonb not null default '[]'::jsonb,
  last_version bigint not null,
  last_event_at timestamptz not null,
  primary key (creator_id, order_id)
);
create index order_summaries_recent_idx on public.order_summaries (creator_id, received_at desc);
create index order_summaries_status_idx on public.order_summaries (creator_id, status, received_at desc);

-- Velocity and hours to stock-out are as of the SKU's last event (not the wall clock),
-- so a rebuild reproduces them; the dashboard may age them from last_event_at.
create table public.inventory_levels (
  creator_id uuid not null,
  sku_id text not null,
  aggregate_id text not null,
  product_id text,
  available integer not null,
  reserved integer not null,
  total integer not null,
  reorder_point integer not null,
  velocity_per_hour double precision not null default 0,
  hours_to_stockout double precision,
  low_stock_severity text check (low_stock_severity in ('warning', 'critical', 'emergency')),
  last_sync_at timestamptz,
  has_open_conflict boolean not null default false,
  open_conflict_ids text[] not null default '{}',
  last_version bigint not null default 0,
  last_event_at timestamptz not null,
  -- The inventory aggregate's folded state (reservations, recent sales): the projection's working memory.
  state jsonb not null,
  primary key (creator_id, sku_id)
);
create index inventory_levels_low_stock_idx on public.inventory_levels (creator_id, low_stock_severity)
  where low_stock_severity is not null;

-- An alert's id is the id of the event that opened it, so replays and rebuilds find it again.
create table public.alerts (
  id uuid primary key,
  creator_id uuid not null,
  kind text not null check (kind in ('low_stock', 'sync_failure', 'sync_conflict', 'stuck_saga')),
  severity text not null check (severity in ('warning', 'critical', 'emergency')),
  -- What it is about: a SKU, a sync source, a conflict id, an order id.
  subject text not null,
  message text not null,
  -- The facts behind it (available, reorder point, reason...), for the dashboard.
  details jsonb not null default '{}'::jsonb,
  opened_at timestamptz not null,
  resolved_at timestamptz,
  resolved_by_event_id uuid,
  source_event_id uuid not null unique
);
create index alerts_open_idx on public.alerts (creator_id, opened_at desc) where resolved_at is null;
create index alerts_subject_idx on public.alerts (creator_id, subject) where resolved_at is null;
create index alerts_recent_idx on public.alerts (creator_id, opened_at desc);

-- The seed's event metrics, kept by a projection rather than a materialized view.
-- Latency is how long an event waited to be projected (projection time - occurred_at):
-- it is measured live only; a rebuild recounts events and keeps the measured latencies.
create table public.event_metrics_hourly (
  creator_id uuid not null,
  bucket_start timestamptz not null,
  event_type text not null,
  event_count bigint not null default 0,
  latency_count bigint not null default 0,
  latency_ms_sum double precision not null default 0,
  latency_ms_max double precision not null default 0,
  primary key (creator_id, bucket_start, event_type)
);
create index event_metrics_hourly_time_idx on public.event_metrics_hourly (bucket_start, event_type);

-- Realtime publishing: projections mark a creator dirty here, in their own transaction,
-- with what changed; the publisher sends one coalesced delta per creator at most every
-- 100 ms and bumps `sequence` in the transaction that sends it, so a client that sees a
-- gap knows it missed one and refetches (a client may read its row to learn the current
-- sequence after a refetch).
create table public.realtime_outbox (
  creator_id uuid primary key,
  sequence bigint not null default 0,
  dirty boolean not null default false,
  changed_models text[] not null default '{}',
  changed_orders text[] not null default '{}',
  changed_skus text[] not null default '{}',
  changed_days date[] not null default '{}',
  dirty_since timestamptz,
  last_sent_at timestamptz
);
create index realtime_outbox_dirty_idx on public.realtime_outbox (dirty_since) where dirty;

-- Shadow tables of a rebuild are created here (like the live ones) and swapped in.
create schema if not exists projection_rebuild;
revoke all on schema projection_rebuild from public;
grant usage, create on schema projection_rebuild to service_role;

-- Row level security: a creator reads its own rows, an admin reads every row; only server
-- code (the owner) and service_role write.
do $$
declare
  read_model text;
begin
  foreach read_model in array array[
    'dashboard_metrics_hourly', 'dashboard_metrics_daily', 'dashboard_order_facts', 'order_summaries',
    'inventory_levels', 'alerts', 'event_metrics_hourly', 'realtime_outbox'
  ] loop
    execute format('alter table public.%I enable row level security', read_model);
    execute format(
      'create policy "creators read their own rows" on public.%I for select to authenticated
         using (creator_id = (select public.requesting_creator_id()))', read_model);
    execute format(
      'create policy "admins read every row" on public.%I for select to authenticated
         using (((select auth.jwt()) -> ''app_metadata'' ->> ''role'') = ''admin'')', read_model);
    execute format('revoke all on public.%I from anon, authenticated', read_model);
    execute format('grant select on public.%I to authenticated', read_model);
    execute format('grant all on public.%I to service_role', read_model);
  end loop;
end;
$$;
