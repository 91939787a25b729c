-- Consumers split into shards by creator, so several process-events calls share one
-- consumer's work (see src/core/processing/consumer-shards.ts and docs/SCALING.md).
--
-- Shard i of n handles the events of the creators whose creator_shard(creator_id, n) = i,
-- in stream order, under a lease and checkpoint of its own: a consumer_checkpoints row
-- named '<consumer>-shard-<i>-of-<n>' (a consumer of one shard keeps its plain name, so an
-- unsharded consumer is what it always was).
--
-- Changing n (set_consumer_shards) never skips an event nor handles one twice, and keeps
-- each creator's order: the shards of the running generation get a barrier (the furthest
-- checkpoint among them); each goes on up to the barrier and no further (the barrier is on
-- its checkpoint row, so a batch that would move past it fails and rolls back, even one
-- already in flight); once all of them stand at the barrier, the new generation's shards
-- start from it (finish_consumer_resharding). Until then the new shards do not run.

create function public.creator_shard(p_creator_id uuid, p_shard_count integer) returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
  -- uuid_hash_extended is the hash that hash partitioning relies on: stable across releases.
  select (((pg_catalog.uuid_hash_extended(p_creator_id, 0) % p_shard_count) + p_shard_count) % p_shard_count)::integer
$$;

create function public.consumer_shard_name(p_consumer text, p_shard integer, p_shard_count integer) returns text
language sql
immutable
set search_path = ''
as $$
  select case when p_shard_count = 1 then p_consumer else p_consumer || '-shard-' || p_shard || '-of-' || p_shard_count end
$$;

-- The checkpoint rows of a generation of p_shard_count shards.
create function public.consumer_shard_names(p_consumer text, p_shard_count integer) returns text[]
language sql
immutable
set search_path = ''
as $$
  select array(select public.consumer_shard_name(p_consumer, s, p_shard_count) from generate_series(0, p_shard_count - 1) s)
$$;

alter table public.consumer_checkpoints
  add column barrier_transaction_id xid8,
  add column barrier_position bigint;

-- One row per sharded consumer; a consumer without one runs as a single shard.
create table public.consumer_shard_settings (
  consumer text primary key,
  -- The process-events lane that runs it: a wake-up posts one call per shard of the lane.
  lane text not null,
  -- How many shards are wanted, and how many run now (they differ while resharding).
  shard_count integer not null check (shard_count between 1 and 64),
  active_shard_count integer not null check (active_shard_count between 1 and 64),
  updated_at timestamptz not null default now()
);
alter table public.consumer_shard_settings enable row level security;
revoke all on public.consumer_shard_settings from anon, authenticated;
grant select on public.consumer_shard_settings to authenticated;
create policy "admins read shard settings" on public.consumer_shard_settings for select to authenticated
  using (coalesce((select auth.jwt()) -> 'app_metadata' ->> 'role', '') = 'admin');

-- Wake-up flags per lane and shard: shard k's call serves shard k of every consumer of the
-- lane that has more than k shards (shard 0 also every unsharded consumer).
alter table public.event_processing_lanes add column shard integer not null default 0 check (shard between 0 and 63);
alter table public.event_processing_lanes drop constraint event_processing_lanes_pkey;
alter table public.event_processing_lanes add primary key (lane, shard);

-- Keeps one wake-up row per shard a lane needs (the most shards any of its consumers runs or wants).
create function public.fit_event_processing_shards(p_lane text) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  needed integer;
begin
  select greatest(1, coalesce(max(greatest(shard_count, active_shard_count)), 1)) into needed
    from public.consumer_shard_settings where lane = p_lane;
  insert into public.event_processing_lanes (lane, shard, budget_ms)
  select p_lane, s, l.budget_ms
    from generate_series(0, needed - 1) s, public.event_processing_lanes l
   where l.lane = p_lane and l.shard = 0
  on conflict (lane, shard) do nothing;
  delete from public.event_processing_lanes where lane = p_lane and shard >= needed;
end;
$$;

-- Starts the move of the consumer to p_shard_count shards (a no-op when it runs so many).
-- The running generation's shards get their barrier now; the move completes when they reach it.
create function public.set_consumer_shards(p_consumer text, p_lane text, p_shard_count integer) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  setting public.consumer_shard_settings;
  running text[];
  barrier record;
begin
  if p_shard_count is null or p_shard_count not between 1 and 64 then
    raise exception 'shard count must be between 1 and 64, got %', p_shard_count using errcode = '22023';
  end if;
  if not exists (select 1 from public.event_processing_lanes where lane = p_lane) then
    raise exception 'unknown lane %', p_lane using errcode = '22023';
  end if;
  insert into public.consumer_shard_settings (consumer, lane, shard_count, active_shard_count)
  values (p_consumer, p_lane, 1, 1) on conflict (consumer) do nothing;
  select * into setting from public.consumer_shard_settings where consumer = p_consumer for update;
  update public.consumer_shard_settings set shard_count = p_shard_count, lane = p_lane, updated_at = now() where consumer = p_consumer;

  running := public.consumer_shard_names(p_consumer, setting.active_shard_count);
  insert into public.consumer_checkpoints (consumer) select unnest(running) on conflict do nothing;
  -- Locking the running shards' rows waits for their batches in flight, so the furthest
  -- checkpoint read next is final; from then on their batches are fenced by the barrier.
  perform 1 from public.consumer_checkpoints where consumer = any (running) order by consumer for update;
  if p_shard_count <> setting.active_shard_count
     and exists (select 1 from public.consumer_checkpoints where consumer = any (running) and barrier_transaction_id is null) then
    select transaction_id, position into barrier from public.consumer_checkpoints
     where consumer = any (running) order by transaction_id desc, position desc limit 1;
    update public.consumer_checkpoints
       set barrier_transaction_id = barrier.transaction_id, barrier_position = barrier.position
     where consumer = any (running);
  end if;
  perform public.fit_event_processing_shards(p_lane);
  perform public.finish_consumer_resharding(p_consumer);
end;
$$;

-- Completes a move once every shard of the running generation stands at its barrier: the
-- new generation's rows start from the barrier. True when the consumer runs as wanted.
create function public.finish_consumer_resharding(p_consumer text) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  setting public.consumer_shard_settings;
  running text[];
  barrier record;
begin
  select * into setting from public.consumer_shard_settings where consumer = p_consumer for update;
  if not found then
    return true;
  end if;
  running := public.consumer_shard_names(p_consumer, setting.active_shard_count);
  select barrier_transaction_id as transaction_id, barrier_position as position into barrier
    from public.consumer_checkpoints where consumer = any (running) and barrier_transaction_id is not null limit 1;
  if barrier.transaction_id is null then
    return setting.shard_count = setting.active_shard_count;
  end if;
  if exists (select 1 from public.consumer_checkpoints where consumer = any (running)
              and (transaction_id, position) <> (barrier.transaction_id, barrier.position)) then
    return false;
  end if;
  if setting.shard_count = setting.active_shard_count then
    -- Moved back to the running count before the move completed: it simply goes on.
    update public.consumer_checkpoints set barrier_transaction_id = null, barrier_position = null where consumer = any (running);
  else
    insert into public.consumer_checkpoints (consumer, transaction_id, position)
    select name, barrier.transaction_id, barrier.position from unnest(public.consumer_shard_names(p_consumer, setting.shard_count)) name
    on conflict (consumer) do update
      set transaction_id = excluded.transaction_id, position = excluded.position, barrier_transaction_id = null, barrier_position = null,
          lease_owner = null, lease_expires_at = null, updated_at = now();
    -- The old generation's rows keep their barrier: they can never move again.
    update public.consumer_checkpoints set lease_owner = null, lease_expires_at = null where consumer = any (running);
    update public.consumer_shard_settings set active_shard_count = shard_count, updated_at = now() where consumer = p_consumer;
  end if;
  perform public.fit_event_processing_shards(setting.lane);
  return true;
end;
$$;

-- Takes or renews the lease of the shard a call serves (p_shard of the consumer's running
-- generation): no row when the consumer runs fewer shards; a row with leased = false when
-- another instance holds it. Creates the checkpoint row on first use.
create function public.acquire_consumer_shard(p_consumer text, p_shard integer, p_owner text, p_lease_ms integer)
returns table (shard_name text, shard_count integer, leased boolean, transaction_id xid8, "position" bigint, barrier_transaction_id xid8, barrier_position bigint)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  running integer;
  v_name text;
begin
  select s.active_shard_count into running from public.consumer_shard_settings s where s.consumer = p_consumer;
  running := coalesce(running, 1);
  if p_shard >= running then
    return;
  end if;
  v_name := public.consumer_shard_name(p_consumer, p_shard, running);
  insert into public.consumer_checkpoints (consumer) values (v_name) on conflict do nothing;
  return query
    update public.consumer_checkpoints c
       set lease_owner = p_owner, lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
     where c.consumer = v_name and (c.lease_owner is null or c.lease_owner = p_owner or c.lease_expires_at < now())
    returning c.consumer, running, true, c.transaction_id, c.position, c.barrier_transaction_id, c.barrier_position;
  if not found then
    return query select v_name, running, false, null::xid8, null::bigint, null::xid8, null::bigint;
  end if;
end;
$$;

-- Every wake-up posts one call per lane and shard whose flag is clear (every one named,
-- with p_force); p_shard narrows it to one shard (a call handing its work on).
drop function public.request_event_processing(text[], boolean);
create function public.request_event_processing(p_lanes text[] default null, p_force boolean default false, p_shard integer default null)
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
     where (p_force or not wakeup_requested) and (p_lanes is null or lane = any (p_lanes)) and (p_shard is null or shard = p_shard)
    returning lane, shard, budget_ms
  loop
    if project_url is null then
      select decrypted_secret into project_url from vault.decrypted_secrets where name = 'project_url';
      select decrypted_secret into service_role_key from vault.decrypted_secrets where name = 'service_role_key';
      -- Without the secrets the flag stays set and nothing is sent (see 20261201000100).
      if project_url is null or service_role_key is null then
        return 0;
      end if;
    end if;
    perform net.http_post(
      url := rtrim(project_url, '/') || '/functions/v1/process-events',
      params := jsonb_build_object('lane', woken.lane, 'shard', woken.shard::text, 'budget_ms', woken.budget_ms),
      headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || service_role_key),
      body := jsonb_build_object('lane', woken.lane, 'shard', woken.shard),
      timeout_milliseconds := woken.budget_ms + 5000);
    posted := posted + 1;
  end loop;
  return posted;
end;
$$;

drop function public.release_event_processing_lane(text);
create function public.release_event_processing_lane(p_lane text, p_shard integer default 0) returns void
language sql
security definer
set search_path = ''
as $$
  update public.event_processing_lanes set wakeup_requested = false where lane = p_lane and shard = p_shard
$$;

revoke execute on function public.request_event_processing(text[], boolean, integer), public.release_event_processing_lane(text, integer),
  public.set_consumer_shards(text, text, integer), public.finish_consumer_resharding(text), public.fit_event_processing_shards(text),
  public.acquire_consumer_shard(text, integer, text, integer), public.creator_shard(uuid, integer),
  public.consumer_shard_name(text, integer, integer), public.consumer_shard_names(text, integer) from public, anon, authenticated;
grant execute on function public.request_event_processing(text[], boolean, integer), public.release_event_processing_lane(text, integer),
  public.set_consumer_shards(text, text, integer), public.finish_consumer_resharding(text), public.fit_event_processing_shards(text),
  public.acquire_consumer_shard(text, integer, text, integer), public.creator_shard(uuid, integer),
  public.consumer_shard_name(text, integer, integer), public.consumer_shard_names(text, integer) to service_role;
