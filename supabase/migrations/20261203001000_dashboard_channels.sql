-- The dashboard by channel: sales of each day per channel (TikTok Shop, Shopify) beside the
-- day's totals, and what each channel shows of every SKU beside the pool's count.
--
-- Sales: the dashboard-metrics projection keeps each order's channel in its order facts
-- and adds the order's contribution to its channel's day, by the same money rules as
-- dashboard_metrics_daily (20261122000500_read_models.sql): everything about an order
-- counts in the day it was received. So the channels' rows of a day add up to that day's row.
alter table public.dashboard_order_facts
  add column if not exists channel text not null default 'tiktok_shop';

create table public.dashboard_metrics_channel_daily (
  creator_id uuid not null,
  bucket_start timestamptz not null,
  channel text not null,
  currency text,
  orders_received integer not null default 0,
  orders_valued integer not null default 0,
  orders_cancelled integer not null default 0,
  gross_minor bigint not null default 0,
  net_minor bigint not null default 0,
  last_event_at timestamptz,
  primary key (creator_id, bucket_start, channel)
);

-- Orders recorded before this: a Shopify order's id says so (src/core/channels/shopify/webhook-mapping.ts),
-- every other one came from TikTok Shop. Their days are filled from the facts as the projection would.
update public.dashboard_order_facts set channel = 'shopify' where order_id like 'shopify-%';
insert into public.dashboard_metrics_channel_daily
       (creator_id, bucket_start, channel, currency, orders_received, orders_valued, orders_cancelled, gross_minor, net_minor)
select creator_id, date_bin('1 day', received_at, timestamptz '2000-01-01 00:00:00+00'), channel, min(currency),
       count(*), count(amount_minor), count(*) filter (where cancelled),
       coalesce(sum(amount_minor), 0),
       coalesce(sum(case when amount_minor is null then 0
                         when refunded_in_full or cancelled then 0
                         else greatest(0, amount_minor - refund_minor) end), 0)
  from public.dashboard_order_facts
 group by 1, 2, 3;

-- Stock: the newest count each channel was told or reported for the SKU, by channel
-- ({"tiktok_shop": 12, "shopify": 12}), beside the pool's own `available`.
alter table public.inventory_levels
  add column if not exists channel_available jsonb not null default '{}'::jsonb;

alter table public.dashboard_metrics_channel_daily enable row level security;
create policy "creators read their own rows" on public.dashboard_metrics_channel_daily for select to authenticated
  using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every row" on public.dashboard_metrics_channel_daily for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.dashboard_metrics_channel_daily from anon, authenticated;
grant select on public.dashboard_metrics_channel_daily to authenticated;
grant all on public.dashboard_metrics_channel_daily to service_role;
