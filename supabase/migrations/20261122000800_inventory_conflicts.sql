-- Inventory sync conflicts: each creator's rules for settling them automatically, and
-- the conflicts read model (the admin panel's queue), kept by the sync-conflicts projection.

create table public.inventory_sync_rules (
  creator_id uuid primary key,
  auto_resolve boolean not null default true,
  tolerance_units integer not null default 0 check (tolerance_units >= 0),
  tolerance_percent numeric(5, 2) not null default 0 check (tolerance_percent between 0 and 100),
  source_of_truth text not null default 'tiktok' check (source_of_truth in ('local', 'tiktok')),
  oversell_protection boolean not null default false,
  auto_resolve_pending_reservations boolean not null default true,
  concurrent_window_seconds integer not null default 10 check (concurrent_window_seconds between 1 and 3600),
  -- Differences above this always go to a person; null: no limit.
  review_above_units integer check (review_above_units > 0),
  updated_by text,
  updated_at timestamptz not null default now()
);

create table public.sync_conflicts (
  creator_id uuid not null,
  conflict_id uuid not null,
  sku_id text not null,
  product_id text,
  conflict_type text not null check (conflict_type in ('quantity_mismatch', 'concurrent_update', 'stale_data')),
  status text not null check (status in ('open', 'resolved')),
  local_value integer not null,
  external_value integer not null,
  source text not null,
  external_update_time bigint,
  detected_at timestamptz not null,
  detected_event_id uuid not null,
  resolved_at timestamptz,
  method text,
  winner text,
  winning_value integer,
  losing_value integer,
  resolved_by text,
  reason text,
  resolved_event_id uuid,
  primary key (creator_id, conflict_id)
);
-- The queue: open conflicts oldest first, per creator and across creators.
create index sync_conflicts_queue_idx on public.sync_conflicts (status, detected_at, conflict_id);
create index sync_conflicts_creator_idx on public.sync_conflicts (creator_id, status, detected_at);
create index sync_conflicts_sku_idx on public.sync_conflicts (creator_id, sku_id, detected_at);
-- Conflict ids are unique across creators (derived from event ids); an admin action looks one up by id.
create unique index sync_conflicts_conflict_id_idx on public.sync_conflicts (conflict_id);

alter table public.inventory_sync_rules enable row level security;
alter table public.sync_conflicts enable row level security;

create policy "creators read their own rules" on public.inventory_sync_rules
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every creator's rules" on public.inventory_sync_rules
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "creators read their own conflicts" on public.sync_conflicts
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every conflict" on public.sync_conflicts
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.inventory_sync_rules, public.sync_conflicts from anon, authenticated;
grant select on public.inventory_sync_rules, public.sync_conflicts to authenticated;
grant all on public.inventory_sync_rules, public.sync_conflicts to service_role;
