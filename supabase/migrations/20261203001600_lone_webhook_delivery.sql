-- A batch of one webhook delivery, stored in fewer statements.
--
-- Under steady traffic (hundreds a second, not a burst) the group commit closes most batches
-- with one delivery, and store_webhook_deliveries then runs all of its set-based steps for
-- one row: the stream order locks over the jsonb, the inbox insert through two CTEs, the
-- touched streams, a placeholder, a locking read, a loop, an update, a delete, the events.
-- That cost Postgres about 1 ms of CPU per delivery against 0.13 ms in a batch of 32
-- (docs/BENCHMARKS.md). This function takes the common shapes of a lone delivery (no
-- appends, or one append of events at 'no_stream' or a version number) the way
-- append_to_stream takes an append: the stream's order lock, the inbox row, the stream
-- moved on by one conditional write, the events. Anything else, and any delivery whose
-- stream turns out not to be where it expected (a conflict, another creator's stream), is
-- handed to store_webhook_deliveries, which decides it with the full rules; nothing of it
-- has been written by then (its inbox row is taken back first), so the outcome is exactly
-- the one store_webhook_deliveries gives a batch of one.
--
-- p_delivery: one element of store_webhook_deliveries' p_deliveries; returns its row
-- (ordinal 1).
create function public.store_lone_webhook_delivery(p_delivery jsonb)
returns table (ordinal integer, outcome text, inbox_id uuid, actual_version text)
language plpgsql
set search_path = ''
-- As store_webhook_deliveries: its statements depend on the delivery only through jsonb.
set plan_cache_mode = force_generic_plan
-- 2.5 s, within TikTok's 3 s (store_webhook_deliveries, baseline section 5, says why).
set lock_timeout = '2500ms'
as $$
declare
  appends jsonb := coalesce(p_delivery -> 'appends', '[]'::jsonb);
  append jsonb := appends -> 0;
  events jsonb := append -> 'events';
  event_count integer := coalesce(jsonb_array_length(append -> 'events'), 0);
  expected text := append ->> 'expected';
  creator uuid := (p_delivery ->> 'creator_id')::uuid;
  stored_id uuid;
  new_version bigint;
begin
  if jsonb_array_length(appends) > 1 or (append is not null and (event_count = 0 or creator is null
      or not (expected = 'no_stream' or expected ~ '^[0-9]+$'))) then
    return query select * from public.store_webhook_deliveries(jsonb_build_array(p_delivery));
    return;
  end if;

  -- The stream's order lock before anything is written (baseline section 2).
  if append is not null then
    perform pg_advisory_xact_lock(1414, hashtext(append ->> 'aggregate_id'));
  end if;

  insert into public.webhook_inbox (dedupe_key, notification_type, shop_id, creator_id, raw_body, status, reason,
                                    request_received_at, stored_at, event_ids)
  values (p_delivery ->> 'dedupe_key', (p_delivery ->> 'notification_type')::integer, p_delivery ->> 'shop_id', creator,
          decode(p_delivery ->> 'raw_body', 'base64'), p_delivery ->> 'status', p_delivery ->> 'reason',
          (p_delivery ->> 'request_received_at')::timestamptz, clock_timestamp(),
          array(select (e.value ->> 'id')::uuid from jsonb_array_elements(coalesce(events, '[]'::jsonb)) e))
  on conflict (dedupe_key) do nothing
  returning id into stored_id;
  if stored_id is null then
    return query select 1, 'duplicate'::text, null::uuid, null::text;
    return;
  end if;
  if append is null then
    return query select 1, 'stored'::text, stored_id, null::text;
    return;
  end if;

  if expected = 'no_stream' or expected = '0' then
    insert into public.streams (aggregate_id, aggregate_type, creator_id, version)
    values (append ->> 'aggregate_id', append ->> 'aggregate_type', creator, event_count)
    on conflict (aggregate_id) do nothing
    returning version into new_version;
  else
    update public.streams s set version = s.version + event_count, updated_at = now()
     where s.aggregate_id = append ->> 'aggregate_id' and s.creator_id = creator and s.version = expected::bigint
    returning s.version into new_version;
  end if;
  if new_version is null then
    -- Not where the delivery expected: take the inbox row back and let the batch rules say why.
    delete from public.webhook_inbox w where w.id = stored_id;
    return query select * from public.store_webhook_deliveries(jsonb_build_array(p_delivery));
    return;
  end if;

  insert into public.event_store (
    id, creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata,
    schema_version, version, occurred_at, correlation_id, causation_id, user_id
  )
  select coalesce((e.value ->> 'id')::uuid, gen_random_uuid()),
         creator, append ->> 'aggregate_id', append ->> 'aggregate_type',
         e.value ->> 'event_type',
         e.value -> 'event_data',
         coalesce(e.value -> 'metadata', '{}'::jsonb),
         coalesce((e.value ->> 'schema_version')::integer, 1),
         new_version - event_count + e.ordinality,
         coalesce((e.value ->> 'occurred_at')::timestamptz, now()),
         (e.value ->> 'correlation_id')::uuid,
         (e.value ->> 'causation_id')::uuid,
         (e.value ->> 'user_id')::uuid
    from jsonb_array_elements(events) with ordinality e
   order by e.ordinality;
  return query select 1, 'stored'::text, stored_id, null::text;
end;
$$;

revoke execute on function public.store_lone_webhook_delivery(jsonb) from public, anon, authenticated;
grant execute on function public.store_lone_webhook_delivery(jsonb) to service_role;
