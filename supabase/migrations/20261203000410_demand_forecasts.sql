-- Each SKU's demand forecast, kept by the demand forecasts projection from the orders that
-- sell it: the model's state (folded an hour at a time), the forecast for the next 7 days
-- by hour and by day with an 80% interval, and the latest spike or drop judged against it.
-- Derived data: a rebuild recomputes every row from the events.
create table public.demand_forecasts (
  creator_id uuid not null,
  sku_id text not null,
  state jsonb not null,
  hours_seen integer not null,
  expected_per_hour double precision not null,
  next_24h double precision not null,
  next_7d double precision not null,
  next_7d_lower double precision not null,
  next_7d_upper double precision not null,
  -- [{at, expected, lower, upper}] per day, and [[expected, lower, upper]] per hour from the hour in progress.
  forecast_daily jsonb not null,
  forecast_hourly jsonb not null,
  -- Units expected by the end of each hour ahead, for the stock-out time (src/core/analytics/demand-model.ts, FORECAST_STOCKOUT_SQL).
  cumulative_expected double precision[] not null,
  recent_units integer not null,
  anomaly_kind text check (anomaly_kind in ('spike', 'drop')),
  anomaly_score double precision,
  last_sale_at timestamptz not null,
  folded_transaction_id bigint not null,
  folded_position bigint not null,
  primary key (creator_id, sku_id)
);
alter table public.demand_forecasts enable row level security;
create policy "creators read their own rows" on public.demand_forecasts for select to authenticated
  using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every row" on public.demand_forecasts for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.demand_forecasts from anon, authenticated;
grant select on public.demand_forecasts to authenticated;
grant all on public.demand_forecasts to service_role;

-- A creator's reorder terms per SKU: how long a reorder takes to arrive and how sure they
-- want to be of not running out meanwhile. A SKU without a row gets 7 days and 95%.
create table public.reorder_settings (
  creator_id uuid not null,
  sku_id text not null,
  lead_time_days numeric not null check (lead_time_days > 0 and lead_time_days <= 365),
  service_level numeric not null default 0.95 check (service_level > 0.5 and service_level < 1),
  primary key (creator_id, sku_id)
);
alter table public.reorder_settings enable row level security;
create policy "creators read their own rows" on public.reorder_settings for select to authenticated
  using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every row" on public.reorder_settings for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.reorder_settings from anon, authenticated;
grant select on public.reorder_settings to authenticated;
grant all on public.reorder_settings to service_role;

