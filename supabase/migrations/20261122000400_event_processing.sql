-- Event processing: where each consumer stands in the global stream, who holds it,
-- the retries of the event it is stuck on, and the events it gave up on.

create table public.consumer_checkpoints (
  consumer text primary key check (consumer ~ '^[a-z][a-z0-9_-]*$'),
  -- The last (transaction, position) handled; the global stream is read after it.
  transaction_id xid8 not null default '0'::xid8,
  position bigint not null default 0,
  -- A lease row rather than an advisory lock: session locks break behind Supavisor.
  lease_owner text,
  lease_expires_at timestamptz,
  events_processed bigint not null default 0,
  last_run_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  rebuild_started_at timestamptz,
  rebuild_progress jsonb,
  updated_at timestamptz not null default now()
);

-- Retries of the event a consumer is blocked on (events of one consumer stay in order).
create table public.consumer_retries (
  consumer text not null references public.consumer_checkpoints (consumer) on delete cascade,
  event_id uuid not null,
  event_position bigint not null,
  attempts integer not null check (attempts >= 1),
  last_error text not null,
  next_attempt_at timestamptz not null,
  first_failed_at timestamptz not null,
  primary key (consumer, event_id)
);

-- Every handler failure, kept for the error-rate figures and for the admin's inspection.
create table public.consumer_attempt_log (
  id bigint generated always as identity primary key,
  consumer text not null,
  event_id uuid not null,
  attempt integer not null,
  outcome text not null check (outcome in ('failed', 'succeeded', 'dead_lettered')),
  error text,
  recorded_at timestamptz not null default now()
);
create index consumer_attempt_log_event_idx on public.consumer_attempt_log (consumer, event_id);
create index consumer_attempt_log_time_idx on public.consumer_attempt_log (recorded_at);

create table public.dead_letters (
  id uuid primary key default gen_random_uuid(),
  consumer text not null,
  event_id uuid not null,
  event_position bigint not null,
  event_type text not null,
  creator_id uuid not null,
  -- A full copy of the event, so an admin can inspect it without joining partitions.
  event jsonb not null,
  error text not null,
  attempts integer not null,
  status text not null default 'pending' check (status in ('pending', 'retried', 'discarded')),
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by text,
  unique (consumer, event_id)
);
create index dead_letters_pending_idx on public.dead_letters (created_at) where status = 'pending';

alter table public.consumer_checkpoints enable row level security;
alter table public.consumer_retries enable row level security;
alter table public.consumer_attempt_log enable row level security;
alter table public.dead_letters enable row level security;

-- Operational tables: admins read them (the admin panel); nobody but server code writes.
create policy "admins read checkpoints" on public.consumer_checkpoints for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read retries" on public.consumer_retries for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read attempts" on public.consumer_attempt_log for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read dead letters" on public.dead_letters for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.consumer_checkpoints, public.consumer_retries, public.consumer_attempt_log, public.dead_letters
  from anon, authenticated;
grant select on public.consumer_checkpoints, public.consumer_retries, public.consumer_attempt_log, public.dead_letters
  to authenticated;
grant all on public.consumer_checkpoints, public.consumer_retries, public.consumer_attempt_log, public.dead_letters
  to service_role;
