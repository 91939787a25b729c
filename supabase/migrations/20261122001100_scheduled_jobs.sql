-- Periodic jobs that are not event consumers (inventory reconciliation against TikTok):
-- when each last ran, so that any number of process-events callers run it once per period.
create table public.scheduled_jobs (
  name text primary key,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_report jsonb,
  last_error text
);
alter table public.scheduled_jobs enable row level security;
create policy "admins read scheduled jobs" on public.scheduled_jobs for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.scheduled_jobs from anon, authenticated;
grant select on public.scheduled_jobs to authenticated;
grant all on public.scheduled_jobs to service_role;
