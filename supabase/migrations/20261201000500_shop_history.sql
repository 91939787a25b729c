-- A shop's history: the import (backfill) that starts when a shop is linked, and the
-- periodic reconciliation of orders and stock against TikTok, with its runs and the drift
-- each run found (what the webhooks had not delivered, and what was done about it).

-- One row per import of a shop's products, stock and recent orders. Progress (phase,
-- page token, counts) is saved in the same transaction as the page's events
-- (save_shop_import_page), so a crash resumes at the page after the last one saved.
create table public.shop_imports (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null,
  shop_id text not null,
  status text not null default 'running' check (status in ('running', 'completed', 'failed')),
  phase text not null default 'products' check (phase in ('products', 'orders', 'done')),
  page_token text,
  -- Pages saved so far: the fence a save checks, so two runners never save the same page.
  pages integer not null default 0,
  orders_since timestamptz not null,
  orders_until timestamptz not null,
  products_imported integer not null default 0,
  skus_imported integer not null default 0,
  orders_imported integer not null default 0,
  products_total integer,
  orders_total integer,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index shop_imports_one_running_idx on public.shop_imports (shop_id) where status = 'running';
create index shop_imports_creator_idx on public.shop_imports (creator_id, started_at desc);

-- p_appends: [{aggregate_id, aggregate_type, expected, events, idempotency_key?}] as
-- append_to_stream takes them. Returns false (and writes nothing) when another runner
-- saved this page first; a version conflict (CF409) rolls everything back.
create or replace function public.save_shop_import_page(
  p_import_id uuid,
  p_expected_pages integer,
  p_phase text,
  p_page_token text,
  p_status text,
  p_products integer,
  p_skus integer,
  p_orders integer,
  p_products_total integer,
  p_orders_total integer,
  p_appends jsonb
) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  import_creator uuid;
  append jsonb;
begin
  update public.shop_imports
     set phase = p_phase,
         page_token = p_page_token,
         status = p_status,
         pages = pages + 1,
         products_imported = products_imported + p_products,
         skus_imported = skus_imported + p_skus,
         orders_imported = orders_imported + p_orders,
         products_total = coalesce(p_products_total, products_total),
         orders_total = coalesce(p_orders_total, orders_total),
         attempts = 0,
         last_error = null,
         next_attempt_at = null,
         updated_at = now(),
         finished_at = case when p_status = 'running' then null else now() end
   where id = p_import_id and pages = p_expected_pages and status = 'running'
  returning creator_id into import_creator;
  if import_creator is null then
    return false;
  end if;
  for append in select value from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) loop
    perform public.append_to_stream(
      import_creator, append ->> 'aggregate_id', append ->> 'aggregate_type', append ->> 'expected', append -> 'events', append ->> 'idempotency_key');
  end loop;
  return true;
end;
$$;

-- Reconciliation (orders and stock, one schedule): one row per run, whoever asked for it.
create table public.reconciliation_runs (
  id uuid primary key default gen_random_uuid(),
  trigger text not null check (trigger in ('scheduled', 'manual')),
  -- Null: every linked shop.
  creator_id uuid,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  report jsonb,
  error text
);
create index reconciliation_runs_time_idx on public.reconciliation_runs (started_at desc);

-- Per shop: up to when its orders have been checked, so the next run asks only for orders
-- updated since then (less an overlap).
create table public.shop_reconciliation_marks (
  shop_id text primary key,
  creator_id uuid not null,
  orders_checked_until timestamptz not null,
  last_run_id uuid,
  last_checked_at timestamptz not null default now()
);

-- What a run found that the webhooks had not delivered, and what it did.
create table public.reconciliation_drift (
  id bigint generated always as identity primary key,
  run_id uuid not null references public.reconciliation_runs (id) on delete cascade,
  creator_id uuid not null,
  shop_id text not null,
  kind text not null check (kind in ('order_missing', 'order_status', 'stock_count')),
  reference text not null,
  -- What the engine had applied, and what TikTok reported.
  applied text,
  observed text not null,
  action text not null,
  event_ids uuid[] not null default '{}',
  found_at timestamptz not null default now()
);
create index reconciliation_drift_creator_idx on public.reconciliation_drift (creator_id, found_at desc);
create index reconciliation_drift_time_idx on public.reconciliation_drift (found_at desc);

-- The admin panel's "reconcile now": the next fulfilment call runs the job whatever its period.
alter table public.scheduled_jobs add column requested_at timestamptz;

alter table public.shop_imports enable row level security;
alter table public.reconciliation_runs enable row level security;
alter table public.shop_reconciliation_marks enable row level security;
alter table public.reconciliation_drift enable row level security;

create policy "creators read their own imports" on public.shop_imports
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every import" on public.shop_imports
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read reconciliation runs" on public.reconciliation_runs
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "creators read their own marks" on public.shop_reconciliation_marks
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every mark" on public.shop_reconciliation_marks
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "creators read their own drift" on public.reconciliation_drift
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every drift" on public.reconciliation_drift
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.shop_imports, public.reconciliation_runs, public.shop_reconciliation_marks, public.reconciliation_drift from anon, authenticated;
grant select on public.shop_imports, public.reconciliation_runs, public.shop_reconciliation_marks, public.reconciliation_drift to authenticated;
grant all on public.shop_imports, public.reconciliation_runs, public.shop_reconciliation_marks, public.reconciliation_drift to service_role;
revoke execute on function public.save_shop_import_page(uuid, integer, text, text, text, integer, integer, integer, integer, integer, jsonb) from public, anon, authenticated;
grant execute on function public.save_shop_import_page(uuid, integer, text, text, text, integer, integer, integer, integer, integer, jsonb) to service_role;

-- A delivery kept as unlinked_shop, decided again once its shop is linked: the inbox row
-- takes its outcome and the events it maps to are appended, together. False when another
-- replay got there first.
create or replace function public.replay_webhook_delivery(
  p_inbox_id uuid,
  p_creator_id uuid,
  p_status text,
  p_reason text,
  p_appends jsonb
) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  append jsonb;
begin
  update public.webhook_inbox
     set creator_id = p_creator_id,
         status = p_status,
         reason = p_reason,
         event_ids = array(select (e.value ->> 'id')::uuid
                             from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) a,
                                  jsonb_array_elements(a.value -> 'events') e)
   where id = p_inbox_id and status = 'unlinked_shop';
  if not found then
    return false;
  end if;
  for append in select value from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) loop
    perform public.append_to_stream(
      p_creator_id, append ->> 'aggregate_id', append ->> 'aggregate_type', append ->> 'expected', append -> 'events');
  end loop;
  return true;
end;
$$;

revoke execute on function public.replay_webhook_delivery(uuid, uuid, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.replay_webhook_delivery(uuid, uuid, text, text, jsonb) to service_role;
