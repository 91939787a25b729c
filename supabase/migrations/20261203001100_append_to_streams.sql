-- Group commit of event-store appends: several appends from concurrent callers written in
-- one transaction (one commit, one WAL flush), each with its own outcome. Measured
-- (docs/BENCHMARKS.md, issue 14): half of a single append's backend CPU is its commit.
--
-- p_appends: [{creator_id, aggregate_id, aggregate_type, expected, events, idempotency_key,
--              metadata}], each exactly as append_to_stream takes its arguments.
--
-- Each append runs append_to_stream in a block of its own (a subtransaction): a version
-- conflict, another creator's stream, or rows the database refuses undo that append alone
-- and come back as its error (SQLSTATE, message, detail), never failing its neighbours.
-- Appends run in aggregate_id order, then arrival order (so one stream's appends keep theirs).
-- The caller keeps a batch at most 32 appends: past 64 subtransactions with writes in one
-- transaction, every snapshot taken meanwhile gets slower (the subxid cache overflows).
--
-- Stream order locks. Readers of the global stream go by (transaction_id, position), and
-- projections apply a stream's events in that order, so a stream's versions must follow its
-- transactions' ids. A transaction that has its id (it wrote something) and then waits for a
-- stream another transaction holds would commit that stream's next version under an older
-- id: read first, then skipped as already applied. A batch writes several streams, so it
-- would do that often. Every append therefore first takes an advisory lock on its stream
-- (key: 1414, hashtext(aggregate_id)), which needs no transaction id: append_to_stream takes
-- it before any write, and a batch takes all of its streams' locks, in key order (no
-- deadlock between batches), before its first write. Whoever waits, waits without an id and
-- gets a newer one. A hash collision only makes two streams wait for each other.
-- append_to_stream as in 20261203000700_append_metadata_once.sql, with the stream's order lock first.
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

  -- The stream's order lock, before anything here is written (see the top of this file).
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
       where p_idempotency_key is not null and k.creator_id = p_creator_id and k.key = p_idempotency_key
    )
    select i.id, i.position, i.version, false from inserted i order by i.version;
end;
$$;

create function public.append_to_streams(p_appends jsonb)
returns table (ordinal integer, event_id uuid, event_position bigint, event_version bigint, duplicate boolean,
               error_code text, error_message text, error_detail text)
language plpgsql
set search_path = ''
as $$
declare
  append record;
  failed_code text;
  failed_message text;
  failed_detail text;
begin
  -- Taken in the subquery's order (the documented way to order lock calls).
  perform pg_advisory_xact_lock(1414, k.key)
     from (select distinct hashtext(a.value ->> 'aggregate_id') as key from jsonb_array_elements(p_appends) a order by 1) k;
  for append in
    select a.ordinality::integer as ord, a.value as v
      from jsonb_array_elements(p_appends) with ordinality a
     order by a.value ->> 'aggregate_id', a.ordinality
  loop
    begin
      return query
        select append.ord, r.event_id, r.event_position, r.event_version, r.duplicate, null::text, null::text, null::text
          from public.append_to_stream(
                 (append.v ->> 'creator_id')::uuid, append.v ->> 'aggregate_id', append.v ->> 'aggregate_type',
                 append.v ->> 'expected', append.v -> 'events', append.v ->> 'idempotency_key', append.v -> 'metadata') r;
    exception when others then
      get stacked diagnostics failed_code = returned_sqlstate, failed_message = message_text, failed_detail = pg_exception_detail;
      return query select append.ord, null::uuid, null::bigint, null::bigint, null::boolean, failed_code, failed_message, failed_detail;
    end;
  end loop;
end;
$$;

revoke execute on function public.append_to_streams(jsonb) from public, anon, authenticated;
grant execute on function public.append_to_streams(jsonb) to service_role;
