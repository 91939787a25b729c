-- append_to_stream takes the metadata its events share once (p_metadata), instead of a
-- copy in every row. Measured (docs/BENCHMARKS.md, issue 14): Postgres spent about a
-- third of a batch append's CPU parsing the p_events text into jsonb, and the repeated
-- metadata was half of that text. A row that carries `metadata` keeps it whole (an event
-- with its own causation, another priority, ...); a row without gets p_metadata.
-- The correlation, causation and user columns come from the row when it names them,
-- else from the event's metadata, so they agree with the metadata however it was sent.
--
-- Everything else is as before (20261122000100_event_store.sql); the stored rows are the
-- same, and event_store_metadata_says_where_from still checks every one of them.
drop function public.append_to_stream(uuid, text, text, text, jsonb, text);

create function public.append_to_stream(
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

revoke execute on function public.append_to_stream(uuid, text, text, text, jsonb, text, jsonb) from public, anon, authenticated;
grant execute on function public.append_to_stream(uuid, text, text, text, jsonb, text, jsonb) to service_role;
