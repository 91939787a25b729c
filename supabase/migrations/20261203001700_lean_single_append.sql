-- A leaner single-event append (issue 14, docs/BENCHMARKS.md "store": "Where one append's
-- server time goes"). A profile of append_to_stream (perf, one event per call) put a fifth of
-- the backend's CPU in ExecConstraints, and nearly all of that in reading the CHECK
-- constraints' stored expressions back from text (stringToNode) and simplifying them, which
-- PostgreSQL does once per INSERT statement, however few rows it writes. The metadata check
-- was 8.6 kB of node text, three times all the other checks of event_store together. Another
-- tenth went to starting the plan of the statement's idempotency-key CTE, which the common
-- call (no key) never needs. Same checks, same answers; only where the work is done changes.

-- 1. The metadata check, evaluated by a function rather than spelled inline. The stored
-- expression is then a call with two columns (about 0.4 kB to read back per statement);
-- PL/pgSQL compiles the body once per session and keeps its plan, so a row costs one call.
-- Deliberately without `set search_path`: a function with settings runs through the
-- security-definer path (a GUC save and restore) on every row, and this body names only
-- built-in operators, which resolve in pg_catalog whatever the path. Not SQL: a SQL function
-- would be inlined, that is parsed again, on every statement. Immutable: it reads only its
-- arguments.
create function public.event_metadata_says_where_from(p_metadata jsonb, p_creator_id uuid) returns boolean
language plpgsql
immutable
parallel safe
as $$
begin
  return coalesce(p_metadata ->> 'source' in ('tiktok_webhook', 'shopify_webhook', 'admin_panel', 'automated_system', 'api_call'), false)
    and coalesce(lower(p_metadata ->> 'creator_id') = p_creator_id::text, false)
    and coalesce(p_metadata ->> 'priority' in ('critical', 'high', 'normal', 'low'), false)
    and coalesce(length(p_metadata ->> 'service_version') between 1 and 50, false)
    and coalesce(length(p_metadata ->> 'environment') between 1 and 50, false);
end;
$$;
-- The check calls it as whoever inserts the row: the service role (append_to_stream runs as
-- its caller) or the owner. The API roles insert nothing into event_store and run only what
-- RLS policies call (tests/integration/security/database-grants.test.ts).
revoke execute on function public.event_metadata_says_where_from(jsonb, uuid) from public, anon, authenticated;
grant execute on function public.event_metadata_says_where_from(jsonb, uuid) to service_role;

-- The constraint keeps its name (errors and tests name it). A database migrated before the
-- squash exempts the positions written before metadata was required ("position <= N or
-- ..."); that exemption is carried over as it was. Added NOT VALID and then validated, as the
-- first version was: every row is checked again, writers wait only for this transaction.
do $migration$
declare
  old_check text;
  exempt_through text;
begin
  select pg_get_constraintdef(oid) into old_check from pg_constraint
   where conrelid = 'public.event_store'::regclass and conname = 'event_store_metadata_says_where_from';
  exempt_through := substring(old_check from '^CHECK \(\(\(?"?position"? <= \(?([0-9]+)');
  alter table public.event_store drop constraint event_store_metadata_says_where_from;
  execute format(
    'alter table public.event_store add constraint event_store_metadata_says_where_from check (%s) not valid',
    case when exempt_through is null then 'public.event_metadata_says_where_from(metadata, creator_id)'
         else format('position <= %s or public.event_metadata_says_where_from(metadata, creator_id)', exempt_through) end);
end;
$migration$;
alter table public.event_store validate constraint event_store_metadata_says_where_from;

-- 2. append_to_stream: as in the baseline (same arguments, checks, locks, errors and
-- answers), but an append without an idempotency key, the common call, inserts with a plain
-- INSERT ... RETURNING: no CTE, no sort, no UPDATE of idempotency_keys to plan and start.
-- Its rows come back in insertion order, which is the order of p_events, that is of versions
-- (the INSERT reads jsonb_array_elements in order and returns each row as it writes it), and
-- positions are drawn in that same order. A keyed append keeps the baseline's statement,
-- which records the rows for the key in the same statement.
create or replace function public.append_to_stream(
  p_creator_id uuid,
  p_aggregate_id text,
  p_aggregate_type text,
  p_expected text,
  p_events jsonb,
  p_idempotency_key text default null,
  p_metadata jsonb default null
) returns table (event_id uuid, event_position bigint, event_version bigint, duplicate boolean)
language plpgsql
set search_path = ''
as $$
declare
  event_count integer := jsonb_array_length(p_events);
  new_version bigint;
  current_version bigint;
  current_creator uuid;
  stored public.idempotency_keys%rowtype;
begin
  if event_count = 0 then
    raise exception 'nothing to append' using errcode = '22023';
  end if;

  -- The stream's order lock, before anything here is written (see "Stream order locks" in the baseline).
  perform pg_advisory_xact_lock(1414, hashtext(p_aggregate_id));

  if p_idempotency_key is not null then
    insert into public.idempotency_keys (creator_id, key, aggregate_id)
    values (p_creator_id, p_idempotency_key, p_aggregate_id)
    on conflict do nothing;
    if not found then
      -- A concurrent first writer holds the row lock until it commits; we get its result.
      select * into stored from public.idempotency_keys
       where creator_id = p_creator_id and key = p_idempotency_key;
      return query
        select e.id, e.pos, stored.first_version + e.ord - 1, true
          from unnest(stored.event_ids, stored.positions) with ordinality as e(id, pos, ord);
      return;
    end if;
  end if;

  if p_expected = 'any' then
    insert into public.streams as s (aggregate_id, aggregate_type, creator_id, version)
    values (p_aggregate_id, p_aggregate_type, p_creator_id, event_count)
    on conflict (aggregate_id) do update
      set version = s.version + event_count, updated_at = now()
      where s.creator_id = excluded.creator_id
    returning s.version into new_version;
  elsif p_expected = 'no_stream' or p_expected = '0' then
    insert into public.streams (aggregate_id, aggregate_type, creator_id, version)
    values (p_aggregate_id, p_aggregate_type, p_creator_id, event_count)
    on conflict (aggregate_id) do nothing
    returning version into new_version;
  elsif p_expected = 'stream_exists' then
    update public.streams s set version = s.version + event_count, updated_at = now()
     where s.aggregate_id = p_aggregate_id and s.creator_id = p_creator_id
    returning s.version into new_version;
  elsif p_expected ~ '^[0-9]+$' then
    update public.streams s set version = s.version + event_count, updated_at = now()
     where s.aggregate_id = p_aggregate_id and s.creator_id = p_creator_id
       and s.version = p_expected::bigint
    returning s.version into new_version;
  else
    raise exception 'expected version must be any, no_stream, stream_exists or a number, got %', p_expected
      using errcode = '22023';
  end if;

  if new_version is null then
    select s.version, s.creator_id into current_version, current_creator
      from public.streams s where s.aggregate_id = p_aggregate_id;
    if current_creator is not null and current_creator <> p_creator_id then
      raise exception 'stream % belongs to another creator', p_aggregate_id using errcode = 'CF403';
    end if;
    raise exception 'version conflict on stream %', p_aggregate_id
      using errcode = 'CF409',
            detail = jsonb_build_object(
              'expected', p_expected,
              'actual', case when current_version is null then 'no_stream' else current_version::text end
            )::text;
  end if;

  if p_idempotency_key is null then
    return query
      insert into public.event_store (
        id, creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata,
        schema_version, version, occurred_at, correlation_id, causation_id, user_id
      )
      select coalesce((e.value ->> 'id')::uuid, gen_random_uuid()),
             p_creator_id, p_aggregate_id, p_aggregate_type,
             e.value ->> 'event_type',
             e.value -> 'event_data',
             m.metadata,
             coalesce((e.value ->> 'schema_version')::integer, 1),
             new_version - event_count + e.ordinality,
             coalesce((e.value ->> 'occurred_at')::timestamptz, now()),
             coalesce(e.value ->> 'correlation_id', m.metadata ->> 'correlation_id')::uuid,
             coalesce(e.value ->> 'causation_id', m.metadata ->> 'causation_id')::uuid,
             coalesce(e.value ->> 'user_id', m.metadata ->> 'user_id')::uuid
        from jsonb_array_elements(p_events) with ordinality as e(value, ordinality)
             cross join lateral (select coalesce(e.value -> 'metadata', p_metadata, '{}'::jsonb) as metadata) m
      returning id, position, version, false;
    return;
  end if;

  return query
    with inserted as (
      insert into public.event_store (
        id, creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata,
        schema_version, version, occurred_at, correlation_id, causation_id, user_id
      )
      select coalesce((e.value ->> 'id')::uuid, gen_random_uuid()),
             p_creator_id, p_aggregate_id, p_aggregate_type,
             e.value ->> 'event_type',
             e.value -> 'event_data',
             m.metadata,
             coalesce((e.value ->> 'schema_version')::integer, 1),
             new_version - event_count + e.ordinality,
             coalesce((e.value ->> 'occurred_at')::timestamptz, now()),
             coalesce(e.value ->> 'correlation_id', m.metadata ->> 'correlation_id')::uuid,
             coalesce(e.value ->> 'causation_id', m.metadata ->> 'causation_id')::uuid,
             coalesce(e.value ->> 'user_id', m.metadata ->> 'user_id')::uuid
        from jsonb_array_elements(p_events) with ordinality as e(value, ordinality)
             cross join lateral (select coalesce(e.value -> 'metadata', p_metadata, '{}'::jsonb) as metadata) m
      returning id, position, version
    ),
    recorded as (
      update public.idempotency_keys k
         set event_ids = (select array_agg(i.id order by i.version) from inserted i),
             positions = (select array_agg(i.position order by i.version) from inserted i),
             first_version = new_version - event_count + 1,
             last_version = new_version
       where k.creator_id = p_creator_id and k.key = p_idempotency_key
    )
    select i.id, i.position, i.version, false from inserted i order by i.version;
end;
$$;

-- 3. The wake-up trigger, as in the baseline, with its debounce flag set in an assignment
-- rather than by PERFORM, which plans and starts a SELECT where an assignment evaluates the
-- expression directly: 16k fewer instructions per appending transaction (1.8% of a
-- single-event append, which pays it every time; docs/BENCHMARKS.md).
create or replace function public.wake_event_processing() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  previous_flag text;
begin
  if current_setting('creatorflow.event_processing_woken', true) is distinct from 'on' then
    previous_flag := set_config('creatorflow.event_processing_woken', 'on', true);
    if exists (select 1 from public.event_processing_lanes where not wakeup_requested) then
      perform public.request_event_processing();
    end if;
  end if;
  return null;
end;
$$;
