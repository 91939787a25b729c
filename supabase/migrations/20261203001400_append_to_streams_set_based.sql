-- Group commit without a subtransaction per append. append_to_streams
-- (20261203001100_append_to_streams.sql) ran every append of a batch as its own
-- append_to_stream call inside an exception block: a subtransaction, a function call and
-- an INSERT statement (with its partition routing and its statement trigger) per append.
-- Now a batch is written by one set-based statement: the streams of every append checked
-- and moved on together, and every event inserted by one INSERT; one subtransaction for
-- the batch instead of one per append.
--
-- Each append keeps its own outcome without an exception of its own: a version conflict or
-- another creator's stream is found by the statement (the stream was not created or not
-- moved on) and answered as that append's error row, with the SQLSTATE, message and detail
-- append_to_stream raises (CF409 with {expected, actual}, CF403), while its neighbours are
-- written. What only an exception reveals (a row the database refuses: the primary key, a
-- check) fails the whole statement; it is then undone (one subtransaction for the batch)
-- and the batch is written append by append as before, so that error is its append's alone.
-- Batches the statement does not take are written append by append from the start: two
-- appends to one stream (the second's version depends on the first), an idempotency key, an
-- empty append or an expected version of another form (append_to_stream raises for those).
--
-- The stream order locks are taken first, outside the subtransaction (a rolled-back
-- subtransaction would release them): every stream's, in key order, before anything is
-- written, as before. Events are inserted in (stream, version) order, so each stream's
-- positions follow its versions; all of a batch's events share its transaction id.
create or replace function public.append_to_streams(p_appends jsonb)
returns table (ordinal integer, event_id uuid, event_position bigint, event_version bigint, duplicate boolean,
               error_code text, error_message text, error_detail text)
language plpgsql
set search_path = ''
-- The batch statement depends on the batch only through jsonb, whose estimates never change
-- its plan (as store_webhook_deliveries; custom plans measured no cheaper here).
set plan_cache_mode = force_generic_plan
as $$
declare
  append record;
  failed_code text;
  failed_message text;
  failed_detail text;
  set_based boolean;
  -- The batch statement's answer, one element per row, returned once it has all succeeded.
  ords integer[];
  ids uuid[];
  positions bigint[];
  versions bigint[];
  codes text[];
  messages text[];
  details text[];
begin
  -- Taken in the subquery's order (the documented way to order lock calls).
  perform pg_advisory_xact_lock(1414, k.key)
     from (select distinct hashtext(a.value ->> 'aggregate_id') as key from jsonb_array_elements(p_appends) a order by 1) k;

  select count(distinct a.value ->> 'aggregate_id') = count(*)
         and bool_and(a.value ->> 'idempotency_key' is null
                      and jsonb_array_length(a.value -> 'events') > 0
                      and (a.value ->> 'expected' in ('any', 'no_stream', 'stream_exists') or a.value ->> 'expected' ~ '^[0-9]+$'))
    into set_based
    from jsonb_array_elements(p_appends) a;

  if set_based then
    begin
      -- The decisions of append_to_stream, stream by stream: 'no_stream' (or '0') creates the
      -- stream, a number moves it on from exactly that version, 'stream_exists' from any,
      -- 'any' creates or moves it on; a stream of another creator is never created or moved.
      -- The statement's snapshot is taken after the order locks, and an UPDATE waiting on a
      -- stream's row re-reads it, so what it sees of the batch's streams is current.
      with batch as (
        select a.ordinality::integer as ord,
               (a.value ->> 'creator_id')::uuid as creator_id,
               a.value ->> 'aggregate_id' as aggregate_id,
               a.value ->> 'aggregate_type' as aggregate_type,
               a.value ->> 'expected' as expected,
               case when a.value ->> 'expected' in ('no_stream', '0') then 'new'
                    when a.value ->> 'expected' in ('any', 'stream_exists') then a.value ->> 'expected'
                    else 'version' end as kind,
               a.value -> 'events' as events,
               jsonb_array_length(a.value -> 'events') as event_count,
               a.value -> 'metadata' as metadata
          from jsonb_array_elements(p_appends) with ordinality a
      ),
      created as (
        insert into public.streams (aggregate_id, aggregate_type, creator_id, version)
        select b.aggregate_id, b.aggregate_type, b.creator_id, b.event_count from batch b where b.kind = 'new'
        on conflict (aggregate_id) do nothing
        returning aggregate_id, version
      ),
      moved as (
        update public.streams s set version = s.version + b.event_count, updated_at = now()
          from batch b
         where s.aggregate_id = b.aggregate_id and s.creator_id = b.creator_id
           and (b.kind = 'stream_exists'
                or (b.kind = 'version' and s.version = case when b.kind = 'version' then b.expected::bigint end))
        returning s.aggregate_id, s.version
      ),
      created_or_moved as (
        insert into public.streams as s (aggregate_id, aggregate_type, creator_id, version)
        select b.aggregate_id, b.aggregate_type, b.creator_id, b.event_count from batch b where b.kind = 'any'
        on conflict (aggregate_id) do update
          set version = s.version + excluded.version, updated_at = now()
          where s.creator_id = excluded.creator_id
        returning s.aggregate_id, s.version
      ),
      written as (
        select b.*, v.version as new_version
          from batch b
          join (select * from created union all select * from moved union all select * from created_or_moved) v
            on v.aggregate_id = b.aggregate_id
      ),
      inserted as (
        insert into public.event_store (
          id, creator_id, aggregate_id, aggregate_type, event_type, event_data, metadata,
          schema_version, version, occurred_at, correlation_id, causation_id, user_id
        )
        select coalesce((e.value ->> 'id')::uuid, gen_random_uuid()),
               w.creator_id, w.aggregate_id, w.aggregate_type,
               e.value ->> 'event_type',
               e.value -> 'event_data',
               m.metadata,
               coalesce((e.value ->> 'schema_version')::integer, 1),
               w.new_version - w.event_count + e.ordinality,
               coalesce((e.value ->> 'occurred_at')::timestamptz, now()),
               coalesce(e.value ->> 'correlation_id', m.metadata ->> 'correlation_id')::uuid,
               coalesce(e.value ->> 'causation_id', m.metadata ->> 'causation_id')::uuid,
               coalesce(e.value ->> 'user_id', m.metadata ->> 'user_id')::uuid
          from written w
               cross join lateral jsonb_array_elements(w.events) with ordinality as e(value, ordinality)
               cross join lateral (select coalesce(e.value -> 'metadata', w.metadata, '{}'::jsonb) as metadata) m
         -- Positions are drawn in this order: each stream's follow its versions.
         order by w.aggregate_id, e.ordinality
        returning id, aggregate_id, position, version
      ),
      answers as (
        select w.ord, i.id, i.position, i.version, null::text as code, null::text as message, null::text as detail
          from inserted i join written w on w.aggregate_id = i.aggregate_id
        union all
        -- Neither created nor moved: another creator's stream, else a version conflict, with
        -- the stream as this statement sees it (its order lock is held: no one else moves it).
        select b.ord, null, null, null,
               case when s.creator_id <> b.creator_id then 'CF403' else 'CF409' end,
               case when s.creator_id <> b.creator_id then format('stream %s belongs to another creator', b.aggregate_id)
                    else format('version conflict on stream %s', b.aggregate_id) end,
               case when s.creator_id <> b.creator_id then null
                    else jsonb_build_object('expected', b.expected,
                                            'actual', case when s.version is null then 'no_stream' else s.version::text end)::text end
          from batch b
          left join public.streams s on s.aggregate_id = b.aggregate_id
         where not exists (select 1 from written w where w.ord = b.ord)
      )
      select array_agg(a.ord), array_agg(a.id), array_agg(a.position), array_agg(a.version),
             array_agg(a.code), array_agg(a.message), array_agg(a.detail)
        into ords, ids, positions, versions, codes, messages, details
        from answers a;
    exception when others then
      -- A row the database refuses: the batch statement is undone, and the batch is written
      -- append by append below, where that error is its append's alone.
      set_based := false;
    end;
    if set_based then
      return query
        select r.ord, r.id, r.pos, r.ver, case when r.code is null then false end, r.code, r.message, r.detail
          from unnest(ords, ids, positions, versions, codes, messages, details) as r(ord, id, pos, ver, code, message, detail);
      return;
    end if;
  end if;

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
