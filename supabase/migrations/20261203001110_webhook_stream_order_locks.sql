-- The webhooks' group commit takes the stream order locks too (see
-- 20261203001100_append_to_streams.sql): it writes its inbox rows before it locks the order
-- streams it appends to, so without them a batch waiting for a busy order stream commits
-- that stream's next version under an older transaction id than the version before it, and a
-- projection reading the global stream applies them out of order. Otherwise
-- store_webhook_deliveries is as in 20261202000600_webhook_ingest_latency.sql.
create or replace function public.store_webhook_deliveries(p_deliveries jsonb)
returns table (ordinal integer, outcome text, inbox_id uuid, actual_version text)
language plpgsql
set search_path = ''
-- Its statements depend on the batch only through jsonb and arrays, whose estimates never
-- change a plan: planning them afresh on every call cost more than running them.
set plan_cache_mode = force_generic_plan
-- As 20261202000700_webhook_store_lock_timeout.sql set it (a replaced function keeps no settings).
set lock_timeout = '2500ms'
as $$
declare
  claimed jsonb;            -- dedupe_key -> {ord, id}: the copy of each key this batch stored
  streams_now jsonb;        -- aggregate_id -> [version, creator_id]; version 0 = no stream yet
  trial jsonb;
  verdicts jsonb := '{}';   -- dedupe_key -> {outcome, actual}
  accepted jsonb := '[]';   -- appends to write: {aggregate_id, aggregate_type, creator_id, first_version, events}
  planned jsonb;
  touched text[];
  delivery record;
  append jsonb;
  stream_id text;
  current_version bigint;
  current_owner uuid;
  expected text;
  verdict text;
  actual text;
begin
  -- 0. The stream order locks of every stream the batch may append to, in key order, before
  --    anything is written (20261203001100_append_to_streams.sql says why).
  perform pg_advisory_xact_lock(1414, k.key)
     from (select distinct hashtext(a.value ->> 'aggregate_id') as key
             from jsonb_array_elements(p_deliveries) d, jsonb_array_elements(coalesce(d.value -> 'appends', '[]'::jsonb)) a
            order by 1) k;

  -- 1. Inbox rows, in key order so concurrent batches wait on each other's keys without
  --    deadlocking. A key already stored, or stored meanwhile by a concurrent transaction
  --    (its insert makes ours wait until it commits), is a duplicate. A delivery's row
  --    already names the events it will produce.
  with candidates as (
    select distinct on (d.value ->> 'dedupe_key') d.ordinality::integer as ord, d.value as v
      from jsonb_array_elements(p_deliveries) with ordinality d
     order by d.value ->> 'dedupe_key', d.ordinality
  ), inserted as (
    insert into public.webhook_inbox (dedupe_key, notification_type, shop_id, creator_id, raw_body, status, reason,
                                      request_received_at, stored_at, event_ids)
    select c.v ->> 'dedupe_key', (c.v ->> 'notification_type')::integer, c.v ->> 'shop_id', (c.v ->> 'creator_id')::uuid,
           decode(c.v ->> 'raw_body', 'base64'), c.v ->> 'status', c.v ->> 'reason',
           (c.v ->> 'request_received_at')::timestamptz, clock_timestamp(),
           array(select (e.value ->> 'id')::uuid
                   from jsonb_array_elements(coalesce(c.v -> 'appends', '[]'::jsonb)) a,
                        jsonb_array_elements(a.value -> 'events') e)
      from candidates c
     order by c.v ->> 'dedupe_key'
    on conflict (dedupe_key) do nothing
    returning id, dedupe_key
  )
  select coalesce(jsonb_object_agg(i.dedupe_key, jsonb_build_object('ord', c.ord, 'id', i.id)), '{}'::jsonb) into claimed
    from inserted i join candidates c on c.v ->> 'dedupe_key' = i.dedupe_key;

  -- 2. The streams they append to, locked in id order (again: no deadlock between batches).
  --    A stream that does not exist yet gets a placeholder at version 0 first, so a
  --    concurrent first append to it waits for us instead of racing; placeholders still at
  --    0 at the end are removed.
  select array_agg(distinct a.value ->> 'aggregate_id') into touched
    from jsonb_array_elements(p_deliveries) d, jsonb_array_elements(coalesce(d.value -> 'appends', '[]'::jsonb)) a
   where (claimed -> (d.value ->> 'dedupe_key') ->> 'ord')::integer is not null;
  if touched is not null then
    insert into public.streams (aggregate_id, aggregate_type, creator_id, version)
    select distinct on (a.value ->> 'aggregate_id') a.value ->> 'aggregate_id', a.value ->> 'aggregate_type', (d.value ->> 'creator_id')::uuid, 0
      from jsonb_array_elements(p_deliveries) d, jsonb_array_elements(coalesce(d.value -> 'appends', '[]'::jsonb)) a
     where a.value ->> 'aggregate_id' = any (touched)
     order by a.value ->> 'aggregate_id'
    on conflict (aggregate_id) do nothing;
    select jsonb_object_agg(s.aggregate_id, jsonb_build_array(s.version, s.creator_id)) into streams_now
      from (select st.aggregate_id, st.version, st.creator_id from public.streams st
             where st.aggregate_id = any (touched) order by st.aggregate_id for update) s;
  end if;

  -- 3. Each stored delivery in arrival order, against the versions as they stand after the
  --    deliveries before it: all of its appends are accepted, or none.
  for delivery in
    select d.ordinality::integer as ord, d.value as v
      from jsonb_array_elements(p_deliveries) with ordinality d
     where (claimed -> (d.value ->> 'dedupe_key') ->> 'ord')::integer = d.ordinality
     order by d.ordinality
  loop
    trial := streams_now;
    planned := '[]';
    verdict := 'stored';
    for append in select value from jsonb_array_elements(coalesce(delivery.v -> 'appends', '[]'::jsonb)) loop
      stream_id := append ->> 'aggregate_id';
      current_version := (trial -> stream_id ->> 0)::bigint;
      current_owner := (trial -> stream_id ->> 1)::uuid;
      expected := append ->> 'expected';
      if current_version > 0 and current_owner <> (delivery.v ->> 'creator_id')::uuid then
        verdict := 'wrong_tenant';
        exit;
      end if;
      if not (expected = 'any'
              or (expected in ('no_stream', '0') and current_version = 0)
              or (expected ~ '^[0-9]+$' and current_version = expected::bigint)) then
        verdict := 'conflict';
        actual := case when current_version = 0 then 'no_stream' else current_version::text end;
        exit;
      end if;
      if jsonb_array_length(append -> 'events') > 0 then
        planned := planned || jsonb_build_array(jsonb_build_object(
          'aggregate_id', stream_id, 'aggregate_type', append ->> 'aggregate_type', 'creator_id', delivery.v ->> 'creator_id',
          'first_version', current_version + 1, 'events', append -> 'events'));
        trial := jsonb_set(trial, array[stream_id],
                           jsonb_build_array(current_version + jsonb_array_length(append -> 'events'), delivery.v ->> 'creator_id'));
      end if;
    end loop;
    if verdict = 'stored' then
      streams_now := trial;
      accepted := accepted || planned;
    else
      verdicts := verdicts || jsonb_build_object(delivery.v ->> 'dedupe_key', jsonb_build_object('outcome', verdict, 'actual', actual));
    end if;
  end loop;

  -- 4. Undo the inbox rows of refused deliveries: a conflict is decided again by the caller,
  --    another creator's stream is kept for a person to look at.
  if verdicts <> '{}'::jsonb then
    delete from public.webhook_inbox w
     where w.id = any (array(select (claimed -> v.key ->> 'id')::uuid from jsonb_each(verdicts) v where v.value ->> 'outcome' = 'conflict'));
    update public.webhook_inbox w
       set status = 'unprocessable', reason = 'order belongs to another creator''s shop', event_ids = '{}'
     where w.id = any (array(select (claimed -> v.key ->> 'id')::uuid from jsonb_each(verdicts) v where v.value ->> 'outcome' = 'wrong_tenant'));
  end if;

  -- 5. Stream versions, the placeholders nobody appended to, then every event in one insert.
  if touched is not null then
    -- Found by primary key (= any), never by a join the planner could turn into a scan of every stream.
    update public.streams s
       set version = (streams_now -> s.aggregate_id ->> 0)::bigint, creator_id = (streams_now -> s.aggregate_id ->> 1)::uuid, updated_at = now()
     where s.aggregate_id = any (touched) and s.version <> (streams_now -> s.aggregate_id ->> 0)::bigint;
    delete from public.streams s where s.aggregate_id = any (touched) and s.version = 0;
  end if;
  if jsonb_array_length(accepted) > 0 then
    insert into public.event_store (
      id, creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata,
      schema_version, version, occurred_at, correlation_id, causation_id, user_id
    )
    select coalesce((e.value ->> 'id')::uuid, gen_random_uuid()),
           (a.value ->> 'creator_id')::uuid, a.value ->> 'aggregate_id', a.value ->> 'aggregate_type',
           e.value ->> 'event_type',
           e.value -> 'event_data',
           coalesce(e.value -> 'metadata', '{}'::jsonb),
           coalesce((e.value ->> 'schema_version')::integer, 1),
           (a.value ->> 'first_version')::bigint + e.ordinality - 1,
           coalesce((e.value ->> 'occurred_at')::timestamptz, now()),
           (e.value ->> 'correlation_id')::uuid,
           (e.value ->> 'causation_id')::uuid,
           (e.value ->> 'user_id')::uuid
      from jsonb_array_elements(accepted) with ordinality a(value, append_order),
           jsonb_array_elements(a.value -> 'events') with ordinality e
     order by a.append_order, e.ordinality;
  end if;

  -- Every copy of a key shares its fate: a later copy in the batch of a delivery that
  -- conflicted is a conflict too (it must be retried, not answered as already stored).
  return query
    select d.ordinality::integer,
           case
             when claimed -> (d.value ->> 'dedupe_key') is null then 'duplicate'
             when verdicts -> (d.value ->> 'dedupe_key') ->> 'outcome' = 'conflict' then 'conflict'
             when (claimed -> (d.value ->> 'dedupe_key') ->> 'ord')::integer <> d.ordinality then 'duplicate'
             else coalesce(verdicts -> (d.value ->> 'dedupe_key') ->> 'outcome', 'stored')
           end,
           case when verdicts -> (d.value ->> 'dedupe_key') ->> 'outcome' = 'conflict' then null
                else (claimed -> (d.value ->> 'dedupe_key') ->> 'id')::uuid end,
           verdicts -> (d.value ->> 'dedupe_key') ->> 'actual'
      from jsonb_array_elements(p_deliveries) with ordinality d
     order by d.ordinality;
end;
$$;

revoke execute on function public.store_webhook_deliveries(jsonb) from public, anon, authenticated;
grant execute on function public.store_webhook_deliveries(jsonb) to service_role;
