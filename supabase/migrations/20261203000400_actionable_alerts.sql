-- Alerts a creator can act on: one open alert per problem (creator, kind, subject) with a
-- count and the latest time, written for the creator (title, what it means, the one thing
-- to do and a link), the technical detail apart, and what the creator did about it
-- (acknowledged, snoozed, resolved: each also an alert.* event with who and when).
alter table public.alerts
  add column title text not null default '',
  add column action text not null default '',
  add column action_href text not null default '',
  add column detail text not null default '',
  add column sku_id text,
  add column product_name text,
  add column open_causes text[] not null default '{}',
  add column occurrences integer not null default 1 check (occurrences >= 1),
  add column last_occurred_at timestamptz,
  add column acknowledged_at timestamptz,
  add column acknowledged_by text,
  add column snoozed_until timestamptz,
  add column snoozed_by text,
  add column resolved_by text,
  -- The last event folded into the alert, in consumer order: an event at or before it is not folded again.
  add column folded_transaction_id bigint not null default 0,
  add column folded_position bigint not null default 0;

-- Rows from before: their message was their title, and their one occurrence their latest.
-- An open stuck order or conflict alert waits on its subject (the order, the conflict), so
-- its recovery still resolves it; a rebuild of the projection regroups them by problem.
update public.alerts
   set title = message, detail = message, last_occurred_at = opened_at,
       sku_id = coalesce(details->>'sku_id', case when kind = 'low_stock' then subject end),
       open_causes = case when kind in ('stuck_saga', 'sync_conflict') and resolved_at is null then array[subject] else '{}' end
 where last_occurred_at is null;
alter table public.alerts alter column last_occurred_at set not null;

-- The open alert of a problem, found by its key. Not unique: one batch may resolve an alert
-- and open the next for the same problem in one upsert, whose rows are checked one by one.
create index alerts_open_key_idx on public.alerts (creator_id, kind, subject) where resolved_at is null;
-- An order that recovers (or a conflict that is settled) finds the open alerts waiting on it.
create index alerts_open_causes_idx on public.alerts using gin (open_causes) where resolved_at is null;

-- Product names as the orders gave them, so an alert names the product, not only its SKU.
create table public.product_names (
  creator_id uuid not null,
  sku_id text not null,
  product_name text not null,
  primary key (creator_id, sku_id)
);
alter table public.product_names enable row level security;
create policy "creators read their own rows" on public.product_names for select to authenticated
  using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every row" on public.product_names for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.product_names from anon, authenticated;
grant select on public.product_names to authenticated;
grant all on public.product_names to service_role;

-- A sales spike (a video going viral) is an alert too.
alter table public.alerts drop constraint if exists alerts_kind_check;
alter table public.alerts add constraint alerts_kind_check
  check (kind in ('low_stock', 'sync_failure', 'sync_conflict', 'stuck_saga', 'shop_connection', 'sales_spike'));
