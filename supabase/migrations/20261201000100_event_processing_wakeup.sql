-- Event processing is woken by the appends themselves, within milliseconds, through
-- pg_net: the same mechanism on hosted Supabase and locally (where the bootstrap's
-- stand-ins of pg_net, pg_cron and Vault take the extensions' place).
--
-- Consumers run in lanes, each its own process-events call, so the dashboard's
-- projections ('live') never wait behind the fulfilment saga's external calls
-- ('fulfilment'). Per lane, a flag debounces the wake-ups: the first append after a call
-- has released the lane posts one request; later appends see the flag and post nothing.
-- Why nothing is lost: a call clears the flag only when it is about to stop, then reads
-- the event sequence and the transaction horizon, and drains again once every
-- transaction that could have seen the flag still set has ended (see
-- src/core/processing/lane-call.ts).
--
-- Hosted projects keep the function URL and the service-role key in Vault first:
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');

do $$
begin
  -- Hosted Supabase ships both; the local stack's bootstrap provides stand-ins instead.
  if exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
  end if;
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
  end if;
end
$$;

create table public.event_processing_lanes (
  lane text primary key,
  wakeup_requested boolean not null default false,
  wakeup_requested_at timestamptz,
  budget_ms integer not null check (budget_ms between 100 and 25000)
);
insert into public.event_processing_lanes (lane, budget_ms) values ('live', 5000), ('fulfilment', 5000);
alter table public.event_processing_lanes enable row level security;
revoke all on public.event_processing_lanes from anon, authenticated;

-- Posts one process-events request per lane not already woken (or every named lane, with
-- p_force: the safety net, and a call handing its unfinished work to a successor).
-- Returns how many requests were queued; none where Vault lacks the two secrets.
create function public.request_event_processing(p_lanes text[] default null, p_force boolean default false)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  woken record;
  project_url text;
  service_role_key text;
  posted integer := 0;
begin
  for woken in
    update public.event_processing_lanes
       set wakeup_requested = true, wakeup_requested_at = clock_timestamp()
     where (p_force or not wakeup_requested) and (p_lanes is null or lane = any (p_lanes))
    returning lane, budget_ms
  loop
    if project_url is null then
      select decrypted_secret into project_url from vault.decrypted_secrets where name = 'project_url';
      select decrypted_secret into service_role_key from vault.decrypted_secrets where name = 'service_role_key';
      -- Without the secrets the flag stays set and nothing is sent: appends pay nothing more,
      -- and once the secrets exist the safety net's forced call starts the cycle.
      if project_url is null or service_role_key is null then
        return 0;
      end if;
    end if;
    perform net.http_post(
      url := rtrim(project_url, '/') || '/functions/v1/process-events',
      params := jsonb_build_object('lane', woken.lane, 'budget_ms', woken.budget_ms),
      headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || service_role_key),
      body := jsonb_build_object('lane', woken.lane),
      timeout_milliseconds := woken.budget_ms + 5000);
    posted := posted + 1;
  end loop;
  return posted;
end;
$$;

-- After any insert into the event store: at most one look per transaction, and a lock on
-- a lane row only when that lane is not yet woken (once per call), so appends do not
-- queue behind one another.
create function public.wake_event_processing() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if current_setting('creatorflow.event_processing_woken', true) is distinct from 'on' then
    perform set_config('creatorflow.event_processing_woken', 'on', true);
    if exists (select 1 from public.event_processing_lanes where not wakeup_requested) then
      perform public.request_event_processing();
    end if;
  end if;
  return null;
end;
$$;

create trigger wake_event_processing after insert on public.event_store
  for each statement execute function public.wake_event_processing();

-- A lane call clears its flag when it is about to stop; later appends wake a new call.
create function public.release_event_processing_lane(p_lane text) returns void
language sql
security definer
set search_path = ''
as $$
  update public.event_processing_lanes set wakeup_requested = false where lane = p_lane
$$;

-- What a lane call compares to know whether everything appended has been seen: the last
-- position handed out (moves with every insert, committed or not) and the transaction
-- horizon (every transaction below xmin has ended; every one that exists is below xmax).
create function public.event_processing_probe(out head bigint, out xmin xid8, out xmax xid8)
language sql
security definer
set search_path = ''
as $$
  select s.last_value, pg_snapshot_xmin(pg_current_snapshot()), pg_snapshot_xmax(pg_current_snapshot())
    from public.event_store_position_seq s
$$;

revoke execute on function public.request_event_processing(text[], boolean), public.release_event_processing_lane(text),
  public.event_processing_probe() from public, anon, authenticated;
grant execute on function public.request_event_processing(text[], boolean), public.release_event_processing_lane(text),
  public.event_processing_probe() to service_role;

-- The safety net: every few seconds each lane is called whatever its flag says, so a
-- lost wake-up (a failed request, a call that died holding the flag) costs seconds at
-- most. It replaces the earlier fixed-interval schedule.
do $$
begin
  if exists (select 1 from cron.job where jobname = 'process-events') then
    perform cron.unschedule('process-events');
  end if;
end
$$;
select cron.schedule('process-events-safety-net', '5 seconds', $job$ select public.request_event_processing(p_force => true) $job$);
select cron.schedule('maintain-event-store-partitions', '17 3 * * *', $job$ select public.maintain_event_store_partitions(3) $job$);
