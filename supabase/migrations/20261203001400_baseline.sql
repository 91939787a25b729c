-- Baseline schema of CreatorFlow Sync: the 42 migrations of 2026-11-22 .. 2026-12-03 squashed
-- into one (docs/MIGRATIONS.md: why, the last commit before it, and what a database that
-- applied them all needs). It carries the version of the newest of them, as
-- `supabase migration squash` does, so such a database already counts it as applied.
--
-- A baseline is long because it is the whole schema in one place; it reads top to bottom:
--   1. Privileges by default    6. Projections (read models) and conflicts
--   2. Event store              7. Fulfilment sagas
--   3. Event processing         8. Alerts and push notifications
--   4. Channels (shops)         9. Auth and Realtime (security)
--   5. Webhook inbox           10. Scheduling and retention
-- Each object is written as the last migration left it: superseded function bodies,
-- objects created and dropped again, and backfills of rows that existed before a column
-- did are gone; columns added later are in their CREATE TABLE, in the order they were added.
-- Statements that face the platform (extensions, Vault, pg_cron, grants to Supabase's
-- roles, Realtime policies) are kept as written: this runs on hosted Supabase and on the
-- local stand-in (supabase/local/bootstrap*.sql) alike.
-- New changes go in new migrations after this one.


-- =========================================================================================
-- 1. Privileges by default
-- =========================================================================================
-- Supabase's default privileges give anon and authenticated everything on every new table,
-- sequence and function in public. Here a new object in public grants nothing to either
-- until a statement below says so (hosted and local run migrations as the same role,
-- postgres); service_role keeps its defaults. Every table below still revokes from anon and
-- authenticated explicitly, so that reading one table's block tells its whole story.
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke execute on functions from anon, authenticated;


-- =========================================================================================
-- 2. Event store
-- =========================================================================================
-- An append-only, month-partitioned log of every fact, plus the unpartitioned tables that
-- carry what a partitioned table cannot enforce (per-stream optimistic concurrency,
-- idempotency keys).

-- The creator (tenant) a request acts for, from the Supabase JWT's app_metadata. Every
-- "creators read their own ..." policy calls it as the signed-in user: authenticated (and
-- anon, whose JWT has no creator) must be able to execute it.
create function public.requesting_creator_id() returns uuid
language sql stable
set search_path = ''
as $$
  select nullif(auth.jwt() -> 'app_metadata' ->> 'creator_id', '')::uuid
$$;
grant execute on function public.requesting_creator_id() to anon, authenticated;

create sequence public.event_store_position_seq as bigint;

create table public.event_store (
  id uuid not null default gen_random_uuid(),
  -- Global order of insertion. Positions become visible at commit, out of order
  -- across transactions: readers of the global stream must use transaction_id too.
  position bigint not null default nextval('public.event_store_position_seq'),
  transaction_id xid8 not null default pg_current_xact_id(),
  creator_id uuid not null,
  aggregate_id text not null check (length(aggregate_id) between 1 and 200),
  aggregate_type text not null check (aggregate_type ~ '^[a-z][a-z_]*$'),
  event_type text not null check (event_type ~ '^[a-z][a-z_]*\.[a-z][a-z_]*$'),
  event_data jsonb not null,
  metadata jsonb not null default '{}'::jsonb,
  schema_version integer not null default 1 check (schema_version >= 1),
  version bigint not null check (version >= 1),
  occurred_at timestamptz not null default now(),
  processed_at timestamptz,
  correlation_id uuid,
  causation_id uuid,
  user_id uuid,
  -- A unique constraint on a partitioned table must include the partition key.
  primary key (id, occurred_at),
  -- Every event says where it came from (the seed specification's EventMetadata): a source
  -- of the five, the creator it belongs to (the row's own), a priority, the service version
  -- and the environment that wrote it. The event store checks the full schema before any
  -- append (src/core/event-metadata.ts); this is the wall behind it for every path that
  -- writes rows (append_to_stream, append_to_streams, the webhooks' group commit, a direct
  -- insert). Databases that had events before metadata was required (migrated before the
  -- squash) exempt those positions in their copy of this constraint; their rows are upcast
  -- on read (src/core/event-store/metadata-upcasting.ts).
  constraint event_store_metadata_says_where_from check (
    coalesce(metadata ->> 'source' in ('tiktok_webhook', 'shopify_webhook', 'admin_panel', 'automated_system', 'api_call'), false)
    and coalesce(lower(metadata ->> 'creator_id') = creator_id::text, false)
    and coalesce(metadata ->> 'priority' in ('critical', 'high', 'normal', 'low'), false)
    and coalesce(length(metadata ->> 'service_version') between 1 and 50, false)
    and coalesce(length(metadata ->> 'environment') between 1 and 50, false)
  )
) partition by range (occurred_at);

alter sequence public.event_store_position_seq owned by public.event_store.position;

create table public.event_store_default partition of public.event_store default;

-- Every index of event_store is paid for by every append. Each one is named with the query
-- it serves in tests/integration/event-store/indexes.test.ts (EXPLAIN):
--   primary key (id, occurred_at)     an event by id (admin event links)
--   aggregate_version_idx             a stream's events (readStream, aggregateStream, histories)
--   type_time_idx                     events by type in a time range (health checks, readByType with a range)
--   global_order_idx                  the global stream after a checkpoint (readAllAfter, consumer_lag)
--   position_idx                      the head and the latest events (dashboard, overview), readByType's cursor
--   correlation_idx                   a conversation's events (admin event links)
-- There is deliberately no (creator_id, occurred_at) index: its queries are as well served
-- by position_idx and type_time_idx with a filter on creator_id (docs/BENCHMARKS.md).
create index event_store_aggregate_version_idx on public.event_store (aggregate_id, version);
create index event_store_type_time_idx on public.event_store (event_type, occurred_at);
create index event_store_global_order_idx on public.event_store (transaction_id, position);
create index event_store_position_idx on public.event_store (position);
create index event_store_correlation_idx on public.event_store (correlation_id) where correlation_id is not null;

-- One row per aggregate: the optimistic concurrency check lives here.
create table public.streams (
  aggregate_id text primary key,
  aggregate_type text not null,
  creator_id uuid not null,
  version bigint not null check (version >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index streams_creator_idx on public.streams (creator_id, aggregate_type);

-- A repeated (creator, key) returns what the first append produced.
create table public.idempotency_keys (
  creator_id uuid not null,
  key text not null check (length(key) between 1 and 300),
  aggregate_id text not null,
  event_ids uuid[] not null default '{}',
  positions bigint[] not null default '{}',
  first_version bigint,
  last_version bigint,
  created_at timestamptz not null default now(),
  primary key (creator_id, key)
);

create table public.snapshots (
  aggregate_id text not null,
  version bigint not null check (version >= 1),
  aggregate_type text not null,
  creator_id uuid not null,
  state jsonb not null,
  schema_version integer not null default 1,
  created_at timestamptz not null default now(),
  primary key (aggregate_id, version)
);

-- Stream order locks. Readers of the global stream go by (transaction_id, position), and
-- projections apply a stream's events in that order, so a stream's versions must follow its
-- transactions' ids. A transaction that has its id (it wrote something) and then waits for a
-- stream another transaction holds would commit that stream's next version under an older
-- id: read first, then skipped as already applied. A batch writes several streams, so it
-- would do that often. Every append therefore first takes an advisory lock on its stream
-- (key: 1414, hashtext(aggregate_id)), which needs no transaction id: append_to_stream takes
-- it before any write, and a batch (append_to_streams, store_webhook_deliveries) takes all of
-- its streams' locks, in key order (no deadlock between batches), before its first write.
-- Whoever waits, waits without an id and gets a newer one. A hash collision only makes two
-- streams wait for each other.

-- Appends events to one aggregate's stream in one round trip.
--   p_expected: 'any' | 'no_stream' | 'stream_exists' | a version number as text
--   p_events:   [{id?, event_type, event_data, metadata?, schema_version?, correlation_id?,
--                 causation_id?, user_id?, occurred_at?}]
--   p_metadata: the metadata the events share, sent once (parsing a copy in every row cost
--               a sixth of a batch append's CPU, docs/BENCHMARKS.md); a row that carries
--               `metadata` keeps it whole (its own causation, another priority, ...).
-- The correlation, causation and user columns come from the row when it names them, else
-- from the event's metadata, so they agree with the metadata however it was sent.
-- Raises CF409 (version conflict, DETAIL = {"expected":..,"actual":..}) and CF403 (the
-- stream belongs to another creator). A repeated idempotency key returns the original
-- rows with duplicate = true and writes nothing.
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

  -- The stream's order lock, before anything here is written (see "Stream order locks" above).
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

-- Group commit of appends: several appends from concurrent callers written in one
-- transaction (one commit, one WAL flush: half of a single append's backend CPU is its
-- commit, docs/BENCHMARKS.md), each with its own outcome.
--
-- p_appends: [{creator_id, aggregate_id, aggregate_type, expected, events, idempotency_key,
--              metadata}], each exactly as append_to_stream takes its arguments.
--
-- A batch is written by one set-based statement: the streams of every append checked and
-- moved on together, and every event inserted by one INSERT; one subtransaction for the
-- batch. Each append keeps its own outcome without an exception of its own: a version
-- conflict or another creator's stream is found by the statement (the stream was not
-- created or not moved on) and answered as that append's error row, with the SQLSTATE,
-- message and detail append_to_stream raises (CF409 with {expected, actual}, CF403), while
-- its neighbours are written. What only an exception reveals (a row the database refuses:
-- the primary key, a check) fails the whole statement; it is then undone and the batch is
-- written append by append (append_to_stream in a subtransaction each, in aggregate_id then
-- arrival order), so that error is its append's alone. Batches the statement does not take
-- are written append by append from the start: two appends to one stream (the second's
-- version depends on the first), an idempotency key, an empty append or an expected version
-- of another form (append_to_stream raises for those). The caller keeps a batch at most 32
-- appends: past 64 subtransactions with writes in one transaction, every snapshot taken
-- meanwhile gets slower (the subxid cache overflows).
--
-- The stream order locks are taken first, outside the subtransaction (a rolled-back
-- subtransaction would release them). Events are inserted in (stream, version) order, so
-- each stream's positions follow its versions; all of a batch's events share its
-- transaction id.
create function public.append_to_streams(p_appends jsonb)
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

-- Monthly partitions, created ahead; rows that fell into DEFAULT (no partition yet
-- for their month) are moved into the new partition in the same transaction.
create function public.maintain_event_store_partitions(p_months_ahead integer default 3)
returns table (partition_name text, moved_rows bigint)
language plpgsql
set search_path = ''
as $$
declare
  month_start timestamptz;
  month_end timestamptz;
  name text;
  moved bigint;
begin
  -- Keeps concurrent maintenance runs (pg_cron and a manual call) from racing.
  perform pg_advisory_xact_lock(hashtext('maintain_event_store_partitions'));
  for month_start in
    select distinct m from (
      select date_trunc('month', now() at time zone 'UTC' + make_interval(months => g)) at time zone 'UTC' as m
        from generate_series(0, p_months_ahead) g
      union
      select date_trunc('month', d.occurred_at at time zone 'UTC') at time zone 'UTC'
        from public.event_store_default d
    ) months
    order by 1
  loop
    month_end := (month_start at time zone 'UTC' + interval '1 month') at time zone 'UTC';
    name := 'event_store_y' || to_char(month_start at time zone 'UTC', 'YYYY') || 'm' || to_char(month_start at time zone 'UTC', 'MM');
    continue when to_regclass('public.' || name) is not null;

    -- A partition cannot be attached while DEFAULT holds rows of its range: move them aside first.
    create temporary table moving_events on commit drop as
      select * from public.event_store_default where occurred_at >= month_start and occurred_at < month_end;
    delete from public.event_store_default where occurred_at >= month_start and occurred_at < month_end;
    execute format('create table public.%I partition of public.event_store for values from (%L) to (%L)',
                   name, month_start, month_end);
    -- Queried directly, a partition would bypass the parent's policies: close it.
    execute format('alter table public.%I enable row level security', name);
    execute format('revoke all on public.%I from anon, authenticated', name);
    insert into public.event_store select * from moving_events;
    get diagnostics moved = row_count;
    drop table moving_events;

    partition_name := name;
    moved_rows := moved;
    return next;
  end loop;
end;
$$;

select * from public.maintain_event_store_partitions(3);

-- Row level security: a creator reads only its own rows; only service_role and server
-- code (the table owner) write.
alter table public.event_store enable row level security;
alter table public.event_store_default enable row level security;
alter table public.streams enable row level security;
alter table public.idempotency_keys enable row level security;
alter table public.snapshots enable row level security;

create policy "creators read their own events" on public.event_store
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "creators read their own streams" on public.streams
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "creators read their own idempotency keys" on public.idempotency_keys
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "creators read their own snapshots" on public.snapshots
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));

revoke all on public.event_store, public.event_store_default, public.streams,
              public.idempotency_keys, public.snapshots from anon, authenticated;
grant select on public.event_store, public.streams, public.idempotency_keys, public.snapshots to authenticated;
grant all on public.event_store, public.event_store_default, public.streams,
             public.idempotency_keys, public.snapshots to service_role;
-- Nobody but the owner and service_role may touch the positions (setval() would reorder the log).
revoke all on sequence public.event_store_position_seq from anon, authenticated;
grant usage on sequence public.event_store_position_seq to service_role;

revoke execute on function public.append_to_stream(uuid, text, text, text, jsonb, text, jsonb) from public, anon, authenticated;
revoke execute on function public.append_to_streams(jsonb) from public, anon, authenticated;
revoke execute on function public.maintain_event_store_partitions(integer) from public, anon, authenticated;
grant execute on function public.append_to_stream(uuid, text, text, text, jsonb, text, jsonb) to service_role;
grant execute on function public.append_to_streams(jsonb) to service_role;
grant execute on function public.maintain_event_store_partitions(integer) to service_role;


-- =========================================================================================
-- 3. Event processing: consumers, lanes, wake-ups, shards
-- =========================================================================================
-- Where each consumer stands in the global stream, who holds it, the retries of the event
-- it is stuck on, and the events it gave up on.

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
  updated_at timestamptz not null default now(),
  -- While its consumer is resharded: the checkpoint this shard goes up to and no further
  -- (see "Consumers split into shards" below).
  barrier_transaction_id xid8,
  barrier_position bigint
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

-- A dead letter's retry is a request, carried out by the consumer's own runner under its
-- lease (src/core/processing/dead-letter-retry.ts), never by the admin panel's process:
-- only the runner can apply the event in order with the consumer's other work, and only
-- the process-events function holds the fulfilment saga's TikTok, payment and carrier
-- ports. The panel shows what became of each request:
--   retry_requested  asked for (by whom, when), not yet carried out
--   retried          applied; last_retry_message says how (applied, or the aggregate re-folded)
--   pending again    the retry failed (error is the new one) or could not be done in order
--                    (last_retry_message says why and what to do instead)
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
  status text not null default 'pending',
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by text,
  retry_requested_at timestamptz,
  retry_requested_by text,
  last_retry_at timestamptz,
  last_retry_outcome text check (last_retry_outcome in ('retried', 'failed', 'refused')),
  last_retry_message text,
  -- Channel pushes recover by themselves after an outage longer than the consumer's retries
  -- (src/core/channels/channel-push-recovery.ts): a dead letter of the channel stock outbox
  -- is pushed again once this time has come (30 s after it was written, then doubling up to 15 min).
  next_recovery_at timestamptz,
  unique (consumer, event_id),
  constraint dead_letters_status_check check (status in ('pending', 'retry_requested', 'retried', 'discarded'))
);
create index dead_letters_pending_idx on public.dead_letters (created_at) where status = 'pending';
create index dead_letters_retry_requested_idx on public.dead_letters (consumer, event_position) where status = 'retry_requested';
create index dead_letters_channel_recovery_idx on public.dead_letters (event_position)
  where status = 'pending' and consumer = 'channel-stock-outbox';

-- How far a consumer is behind: the committed events after its checkpoint. One definition
-- for the admin panel, the health checks and `npm run events -- status`.
create function public.consumer_lag(p_transaction_id xid8, p_position bigint)
returns bigint
language sql stable
set search_path = ''
as $$
  select count(*) from public.event_store e where (e.transaction_id, e.position) > (p_transaction_id, p_position)
$$;

-- Periodic jobs that are not event consumers (inventory reconciliation against TikTok):
-- when each last ran, so that any number of process-events callers run it once per period.
create table public.scheduled_jobs (
  name text primary key,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_report jsonb,
  last_error text,
  -- The admin panel's "reconcile now": the next fulfilment call runs the job whatever its period.
  requested_at timestamptz
);

alter table public.consumer_checkpoints enable row level security;
alter table public.consumer_retries enable row level security;
alter table public.consumer_attempt_log enable row level security;
alter table public.dead_letters enable row level security;
alter table public.scheduled_jobs enable row level security;

-- Operational tables: admins read them (the admin panel); nobody but server code writes.
create policy "admins read checkpoints" on public.consumer_checkpoints for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read retries" on public.consumer_retries for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read attempts" on public.consumer_attempt_log for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read dead letters" on public.dead_letters for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read scheduled jobs" on public.scheduled_jobs for select to authenticated
  using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.consumer_checkpoints, public.consumer_retries, public.consumer_attempt_log, public.dead_letters,
              public.scheduled_jobs from anon, authenticated;
grant select on public.consumer_checkpoints, public.consumer_retries, public.consumer_attempt_log, public.dead_letters,
                public.scheduled_jobs to authenticated;
grant all on public.consumer_checkpoints, public.consumer_retries, public.consumer_attempt_log, public.dead_letters,
             public.scheduled_jobs to service_role;
revoke execute on function public.consumer_lag(xid8, bigint) from public, anon, authenticated;
grant execute on function public.consumer_lag(xid8, bigint) to service_role;

-- Wake-ups. Event processing is woken by the appends themselves, within milliseconds,
-- through pg_net: the same mechanism on hosted Supabase and locally (where the bootstrap's
-- stand-ins of pg_net, pg_cron and Vault take the extensions' place; the extensions
-- themselves are created in section 10, before anything calls them).
--
-- Consumers run in lanes, each its own process-events call, so the dashboard's
-- projections ('live') never wait behind the fulfilment saga's external calls
-- ('fulfilment'). Per lane and shard, a flag debounces the wake-ups: the first append after
-- a call has released the lane posts one request; later appends see the flag and post
-- nothing. Why nothing is lost: a call clears the flag only when it is about to stop, then
-- reads the event sequence and the transaction horizon, and drains again once every
-- transaction that could have seen the flag still set has ended (see
-- src/core/processing/lane-call.ts). Without the Vault secrets the flag stays set and
-- nothing is sent: appends pay nothing more, and once the secrets exist the safety net's
-- forced call (section 10) starts the cycle.
--
-- Hosted projects keep the function URL and the service-role key in Vault first:
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');

-- Wake-up flags per lane and shard: shard k's call serves shard k of every consumer of the
-- lane that has more than k shards (shard 0 also every unsharded consumer).
create table public.event_processing_lanes (
  lane text not null,
  wakeup_requested boolean not null default false,
  wakeup_requested_at timestamptz,
  budget_ms integer not null check (budget_ms between 100 and 25000),
  shard integer not null default 0 check (shard between 0 and 63),
  primary key (lane, shard)
);
insert into public.event_processing_lanes (lane, budget_ms) values ('live', 5000), ('fulfilment', 5000);
alter table public.event_processing_lanes enable row level security;
revoke all on public.event_processing_lanes from anon, authenticated;

-- Posts one process-events call per lane and shard whose flag is clear (every one named,
-- with p_force: the safety net, and a call handing its unfinished work to a successor);
-- p_shard narrows it to one shard. Returns how many requests were queued; none where Vault
-- lacks the two secrets.
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
      -- Without the secrets the flag stays set and nothing is sent (see the wake-up notes above).
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
create function public.release_event_processing_lane(p_lane text, p_shard integer default 0) returns void
language sql
security definer
set search_path = ''
as $$
  update public.event_processing_lanes set wakeup_requested = false where lane = p_lane and shard = p_shard
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

-- A dead letter's retry request wakes event processing the way an append does (same
-- transaction, same debounce flag, so the lane call's stop protocol covers it).
create function public.wake_event_processing_for_retry() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.request_event_processing();
  return null;
end;
$$;

create trigger wake_event_processing_for_retry after update of status on public.dead_letters
  for each row when (new.status = 'retry_requested' and old.status is distinct from 'retry_requested')
  execute function public.wake_event_processing_for_retry();

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

-- Trigger functions cannot be called directly, but nothing outside the owner needs them either.
revoke execute on function public.wake_event_processing(), public.wake_event_processing_for_retry() from public, anon, authenticated;
revoke execute on function public.request_event_processing(text[], boolean, integer), public.release_event_processing_lane(text, integer),
  public.event_processing_probe(),
  public.set_consumer_shards(text, text, integer), public.finish_consumer_resharding(text), public.fit_event_processing_shards(text),
  public.acquire_consumer_shard(text, integer, text, integer), public.creator_shard(uuid, integer),
  public.consumer_shard_name(text, integer, integer), public.consumer_shard_names(text, integer) from public, anon, authenticated;
grant execute on function public.request_event_processing(text[], boolean, integer), public.release_event_processing_lane(text, integer),
  public.event_processing_probe(),
  public.set_consumer_shards(text, text, integer), public.finish_consumer_resharding(text), public.fit_event_processing_shards(text),
  public.acquire_consumer_shard(text, integer, text, integer), public.creator_shard(uuid, integer),
  public.consumer_shard_name(text, integer, integer), public.consumer_shard_names(text, integer) to service_role;


-- =========================================================================================
-- 4. Channels: TikTok Shop and Shopify stores, their connections, imports and reconciliation
-- =========================================================================================

-- Which creator each TikTok shop belongs to. A seller (one TikTok account, one open_id) can
-- own several shops: the open_id names the seller, not the shop, so it is not unique.
create table public.tiktok_shops (
  shop_id text primary key,
  creator_id uuid not null,
  -- Type 24 (FBT inventory) webhooks name the seller instead of the shop.
  seller_open_id text,
  shop_name text,
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default now(),
  -- The shop cipher TikTok's API wants with every call about a shop (not a secret). Access
  -- tokens are secrets and stay out of this table (tiktok_seller_credentials, sealed).
  shop_cipher text,
  shop_code text,
  region text,
  -- connected: calls go out; needs_reconnecting: the seller's tokens could not be
  -- refreshed; deauthorized: the seller removed the app (webhook type 6). Calls for a shop
  -- that is not connected stop until the creator connects it again.
  connection_status text not null default 'connected'
    check (connection_status in ('connected', 'needs_reconnecting', 'deauthorized')),
  -- The version of the shop's stream (`shop-<shop_id>`) whose event set the status: an
  -- older event processed late never overrides a newer one.
  connection_status_version bigint not null default 0,
  connection_status_reason text,
  connection_status_changed_at timestamptz
);
create index tiktok_shops_creator_idx on public.tiktok_shops (creator_id);
create index tiktok_shops_seller_idx on public.tiktok_shops (seller_open_id) where seller_open_id is not null;

alter table public.tiktok_shops enable row level security;
create policy "creators read their own shops" on public.tiktok_shops
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every shop" on public.tiktok_shops
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.tiktok_shops from anon, authenticated;
grant select on public.tiktok_shops to authenticated;
grant all on public.tiktok_shops to service_role;

-- Connecting a TikTok Shop with TikTok's OAuth: one-time `state` values bound to the
-- signed-in creator, and the seller's tokens (encrypted by the app, never readable through
-- the API).

-- The seller's tokens, sealed with AES-256-GCM by the app (src/core/shops/token-encryption.ts,
-- key TIKTOK_TOKEN_ENCRYPTION_KEY; the seller's open_id is the additional data, so a sealed
-- token moved to another row does not open). RLS on and no policy: neither anon nor
-- authenticated can read a row, whatever grants later migrations add.
create table public.tiktok_seller_credentials (
  seller_open_id text primary key,
  creator_id uuid not null,
  seller_name text,
  seller_base_region text,
  granted_scopes text[] not null default '{}',
  access_token_sealed text not null,
  access_token_expires_at timestamptz not null,
  refresh_token_sealed text not null,
  refresh_token_expires_at timestamptz not null,
  status text not null default 'active' check (status in ('active', 'needs_reconnecting')),
  status_reason text,
  authorized_at timestamptz not null,
  refreshed_at timestamptz,
  updated_at timestamptz not null default now()
);
create index tiktok_seller_credentials_creator_idx on public.tiktok_seller_credentials (creator_id);
alter table public.tiktok_seller_credentials enable row level security;
revoke all on public.tiktok_seller_credentials from anon, authenticated;
grant all on public.tiktok_seller_credentials to service_role;

-- One row per "Connect TikTok Shop" click: the state travels through TikTok and comes
-- back once. Only its SHA-256 is kept, so a leaked table row cannot be replayed.
-- Transient: purged a day after it expired (section 10).
create table public.tiktok_oauth_states (
  state_hash text primary key,
  user_id uuid not null,
  creator_id uuid not null,
  -- The Supabase Auth session that started it (the JWT's session_id), when it has one.
  session_id text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index tiktok_oauth_states_expiry_idx on public.tiktok_oauth_states (expires_at);
alter table public.tiktok_oauth_states enable row level security;
revoke all on public.tiktok_oauth_states from anon, authenticated;
grant all on public.tiktok_oauth_states to service_role;

-- A shop's history: the import (backfill) that starts when a shop is linked, and the
-- periodic reconciliation of orders and stock against TikTok, with its runs and the drift
-- each run found (what the webhooks had not delivered, and what was done about it).

-- One row per import of a shop's products, stock and recent orders. Progress (phase,
-- page token, counts) is saved in the same transaction as the page's events
-- (save_shop_import_page), so a crash resumes at the page after the last one saved.
create table public.shop_imports (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null,
  shop_id text not null,
  status text not null default 'running' check (status in ('running', 'completed', 'failed')),
  phase text not null default 'products' check (phase in ('products', 'orders', 'done')),
  page_token text,
  -- Pages saved so far: the fence a save checks, so two runners never save the same page.
  pages integer not null default 0,
  orders_since timestamptz not null,
  orders_until timestamptz not null,
  products_imported integer not null default 0,
  skus_imported integer not null default 0,
  orders_imported integer not null default 0,
  products_total integer,
  orders_total integer,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index shop_imports_one_running_idx on public.shop_imports (shop_id) where status = 'running';
create index shop_imports_creator_idx on public.shop_imports (creator_id, started_at desc);

-- p_appends: [{aggregate_id, aggregate_type, expected, events, idempotency_key?}] as
-- append_to_stream takes them. Returns false (and writes nothing) when another runner
-- saved this page first; a version conflict (CF409) rolls everything back.
create function public.save_shop_import_page(
  p_import_id uuid,
  p_expected_pages integer,
  p_phase text,
  p_page_token text,
  p_status text,
  p_products integer,
  p_skus integer,
  p_orders integer,
  p_products_total integer,
  p_orders_total integer,
  p_appends jsonb
) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  import_creator uuid;
  append jsonb;
begin
  update public.shop_imports
     set phase = p_phase,
         page_token = p_page_token,
         status = p_status,
         pages = pages + 1,
         products_imported = products_imported + p_products,
         skus_imported = skus_imported + p_skus,
         orders_imported = orders_imported + p_orders,
         products_total = coalesce(p_products_total, products_total),
         orders_total = coalesce(p_orders_total, orders_total),
         attempts = 0,
         last_error = null,
         next_attempt_at = null,
         updated_at = now(),
         finished_at = case when p_status = 'running' then null else now() end
   where id = p_import_id and pages = p_expected_pages and status = 'running'
  returning creator_id into import_creator;
  if import_creator is null then
    return false;
  end if;
  for append in select value from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) loop
    perform public.append_to_stream(
      import_creator, append ->> 'aggregate_id', append ->> 'aggregate_type', append ->> 'expected', append -> 'events', append ->> 'idempotency_key');
  end loop;
  return true;
end;
$$;

-- Reconciliation (orders and stock, one schedule): one row per run, whoever asked for it.
create table public.reconciliation_runs (
  id uuid primary key default gen_random_uuid(),
  trigger text not null check (trigger in ('scheduled', 'manual')),
  -- Null: every linked shop.
  creator_id uuid,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  report jsonb,
  error text
);
create index reconciliation_runs_time_idx on public.reconciliation_runs (started_at desc);

-- Per shop: up to when its orders have been checked, so the next run asks only for orders
-- updated since then (less an overlap).
create table public.shop_reconciliation_marks (
  shop_id text primary key,
  creator_id uuid not null,
  orders_checked_until timestamptz not null,
  last_run_id uuid,
  last_checked_at timestamptz not null default now()
);

-- What a run found that the webhooks had not delivered, and what it did.
create table public.reconciliation_drift (
  id bigint generated always as identity primary key,
  run_id uuid not null references public.reconciliation_runs (id) on delete cascade,
  creator_id uuid not null,
  shop_id text not null,
  kind text not null check (kind in ('order_missing', 'order_status', 'stock_count')),
  reference text not null,
  -- What the engine had applied, and what TikTok reported.
  applied text,
  observed text not null,
  action text not null,
  event_ids uuid[] not null default '{}',
  found_at timestamptz not null default now()
);
create index reconciliation_drift_creator_idx on public.reconciliation_drift (creator_id, found_at desc);
create index reconciliation_drift_time_idx on public.reconciliation_drift (found_at desc);

alter table public.shop_imports enable row level security;
alter table public.reconciliation_runs enable row level security;
alter table public.shop_reconciliation_marks enable row level security;
alter table public.reconciliation_drift enable row level security;

create policy "creators read their own imports" on public.shop_imports
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every import" on public.shop_imports
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read reconciliation runs" on public.reconciliation_runs
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "creators read their own marks" on public.shop_reconciliation_marks
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every mark" on public.shop_reconciliation_marks
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "creators read their own drift" on public.reconciliation_drift
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every drift" on public.reconciliation_drift
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.shop_imports, public.reconciliation_runs, public.shop_reconciliation_marks, public.reconciliation_drift from anon, authenticated;
grant select on public.shop_imports, public.reconciliation_runs, public.shop_reconciliation_marks, public.reconciliation_drift to authenticated;
grant all on public.shop_imports, public.reconciliation_runs, public.shop_reconciliation_marks, public.reconciliation_drift to service_role;
revoke execute on function public.save_shop_import_page(uuid, integer, text, text, text, integer, integer, integer, integer, integer, jsonb) from public, anon, authenticated;
grant execute on function public.save_shop_import_page(uuid, integer, text, text, text, integer, integer, integer, integer, integer, jsonb) to service_role;

-- Shopify, the second channel: the stores creators connect through Shopify's OAuth, which
-- SKU each store's inventory items are, and the one-time states of the connect flow.
-- Webhook deliveries go to the same inbox as TikTok's (webhook_inbox), keyed
-- `shopify:<X-Shopify-Webhook-Id>`, with the store's domain as shop_id.
create table public.shopify_shops (
  shop_domain text primary key check (shop_domain ~ '^[a-z0-9][a-z0-9-]*\.myshopify\.com$'),
  creator_id uuid not null,
  -- Sealed with the same key and scheme as TikTok's tokens (src/core/shops/token-encryption.ts); never logged.
  access_token_sealed text,
  scopes text[] not null default '{}',
  -- The location whose `available` quantity is the creator's pool on this store (a gid).
  location_id text,
  connection_status text not null default 'connected' check (connection_status in ('connected', 'uninstalled')),
  -- Optional allocation: units kept back from this store, and the most it is ever shown.
  stock_buffer integer not null default 0 check (stock_buffer >= 0),
  stock_cap integer check (stock_cap >= 0),
  connected_at timestamptz not null default now(),
  uninstalled_at timestamptz
);
create index shopify_shops_creator_idx on public.shopify_shops (creator_id);

-- Shopify's webhooks and stock API name inventory items, not SKUs.
create table public.shopify_inventory_items (
  shop_domain text not null references public.shopify_shops (shop_domain) on delete cascade,
  inventory_item_id text not null check (inventory_item_id ~ '^[0-9]{1,30}$'),
  sku_id text not null,
  primary key (shop_domain, inventory_item_id),
  unique (shop_domain, sku_id)
);

-- The same shape as tiktok_oauth_states (src/core/shops/connect-states.ts serves both).
create table public.shopify_oauth_states (
  state_hash text primary key,
  user_id uuid not null,
  creator_id uuid not null,
  session_id text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index shopify_oauth_states_expiry_idx on public.shopify_oauth_states (expires_at);

alter table public.shopify_shops enable row level security;
alter table public.shopify_inventory_items enable row level security;
alter table public.shopify_oauth_states enable row level security;
create policy "creators read their own Shopify stores" on public.shopify_shops
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every Shopify store" on public.shopify_shops
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.shopify_shops, public.shopify_inventory_items, public.shopify_oauth_states from anon, authenticated;
-- The sealed token never reaches a browser: creators read every column but it.
grant select (shop_domain, creator_id, scopes, location_id, connection_status, stock_buffer, stock_cap, connected_at, uninstalled_at)
  on public.shopify_shops to authenticated;
grant all on public.shopify_shops, public.shopify_inventory_items, public.shopify_oauth_states to service_role;


-- =========================================================================================
-- 5. Webhook inbox
-- =========================================================================================
-- Every verified delivery (TikTok's and Shopify's), even those that map to no event, with
-- what became of it.
create table public.webhook_inbox (
  id uuid primary key default gen_random_uuid(),
  -- tts_notification_id, or sha256 of the raw body when there is none: a replay is a duplicate.
  dedupe_key text not null unique,
  notification_type integer,
  shop_id text,
  creator_id uuid,
  raw_body bytea not null,
  status text not null check (status in ('processed', 'ignored', 'stale', 'unprocessable', 'unlinked_shop')),
  reason text,
  event_ids uuid[] not null default '{}',
  received_at timestamptz not null default now(),
  -- Latency we can vouch for: when the function received the request (its clock) and when
  -- the delivery's row was written in the batch's transaction (the database's clock, just
  -- before commit). TikTok's own `timestamp` says when TikTok sent it; a replayed, delayed or
  -- skewed delivery can set that to anything, so it is reported apart and never judges
  -- health (src/core/health/health-measurements.ts).
  request_received_at timestamptz,
  stored_at timestamptz
);
create index webhook_inbox_time_idx on public.webhook_inbox (received_at);
create index webhook_inbox_attention_idx on public.webhook_inbox (received_at) where status in ('unprocessable', 'unlinked_shop');

alter table public.webhook_inbox enable row level security;
create policy "creators read their own deliveries" on public.webhook_inbox
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every delivery" on public.webhook_inbox
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.webhook_inbox from anon, authenticated;
grant select on public.webhook_inbox to authenticated;
grant all on public.webhook_inbox to service_role;

-- Group commit of webhook deliveries: a batch of verified deliveries stored in one
-- transaction, one statement per table, each delivery with its own outcome.
--
-- p_deliveries: [{dedupe_key, notification_type, shop_id, creator_id, raw_body (base64),
--                 status, reason, request_received_at, appends: [{aggregate_id,
--                 aggregate_type, expected, events}]}]
-- where events are rows as append_to_stream takes them (ids made by the caller) and an
-- append with no events only checks its expected version (a decision, such as "this status
-- is stale", made from what the caller believed the stream to be).
--
-- Returns one row per delivery, in order: outcome
--   stored        its inbox row and events are written;
--   duplicate     its key was already stored (or is stored by an earlier copy in the batch);
--   conflict      a stream was not at the expected version: nothing of it is written, the
--                 caller reads the stream and decides again (actual_version says what it is);
--   wrong_tenant  a stream belongs to another creator: kept in the inbox as unprocessable,
--                 no events.
-- A conflict or wrong tenant never affects the other deliveries of the batch.
--
-- It takes the stream order locks (section 2) before anything is written: it writes its
-- inbox rows before it locks the order streams it appends to, so without them a batch
-- waiting for a busy order stream would commit that stream's next version under an older
-- transaction id than the version before it.
--
-- lock_timeout: TikTok waits 3 s for an answer. A batch stuck behind another transaction's
-- row lock (a busy order stream, a long admin statement) gives up after 2.5 s with
-- lock_not_available (55P03), so its deliveries are answered 503 in time and retried.
-- lock_timeout, unlike statement_timeout, is read at each lock wait, so setting it on the
-- function covers the statement that calls it, at no cost to a batch that waits for nothing.
-- (A CREATE OR REPLACE of this function must repeat the setting: a replaced function keeps none.)
create function public.store_webhook_deliveries(p_deliveries jsonb)
returns table (ordinal integer, outcome text, inbox_id uuid, actual_version text)
language plpgsql
set search_path = ''
-- Its statements depend on the batch only through jsonb and arrays, whose estimates never
-- change a plan: planning them afresh on every call cost more than running them.
set plan_cache_mode = force_generic_plan
-- 2.5 s, within TikTok's 3 s (see above).
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
  --    anything is written (section 2 says why).
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

-- A delivery kept as unlinked_shop, decided again once its shop is linked: the inbox row
-- takes its outcome and the events it maps to are appended, together. False when another
-- replay got there first.
create function public.replay_webhook_delivery(
  p_inbox_id uuid,
  p_creator_id uuid,
  p_status text,
  p_reason text,
  p_appends jsonb
) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  append jsonb;
begin
  update public.webhook_inbox
     set creator_id = p_creator_id,
         status = p_status,
         reason = p_reason,
         event_ids = array(select (e.value ->> 'id')::uuid
                             from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) a,
                                  jsonb_array_elements(a.value -> 'events') e)
   where id = p_inbox_id and status = 'unlinked_shop';
  if not found then
    return false;
  end if;
  for append in select value from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) loop
    perform public.append_to_stream(
      p_creator_id, append ->> 'aggregate_id', append ->> 'aggregate_type', append ->> 'expected', append -> 'events');
  end loop;
  return true;
end;
$$;

revoke execute on function public.replay_webhook_delivery(uuid, uuid, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.replay_webhook_delivery(uuid, uuid, text, text, jsonb) to service_role;


-- =========================================================================================
-- 6. Projections (read models) and inventory conflicts
-- =========================================================================================
-- Tables the dashboard reads, kept by projections (src/core/projections) from the event
-- stream, each written in the same transaction as its projection's checkpoint. Everything
-- here can be rebuilt from the events.
--
-- Rows carry no wall-clock "updated_at": every value comes from the events (their
-- occurred_at, their versions), so a rebuild produces exactly what live processing did.

-- Money attribution (dashboard_metrics_*): an order's money always lives in the bucket
-- of the ORDER's received time. Gross counts as soon as the amount is known (order.validated,
-- or a webhook that already carried it); a later cancellation or refund is subtracted from
-- net in that same bucket, never in the bucket of the cancellation. So "today's net
-- revenue" means "net revenue of today's orders", net never goes below zero in a bucket,
-- and yesterday's figure may still shrink when one of yesterday's orders is cancelled.
--   gross_minor     = sum of the known order totals
--   refunded_minor  = refunds, at most the order's total (a refund without an amount is a full refund)
--   cancelled_minor = the rest of the total of cancelled orders (a cancelled and refunded order is not subtracted twice)
--   net_minor       = gross_minor - cancelled_minor - refunded_minor
-- Orders by status count the orders received in the bucket by their CURRENT status, so
-- orders_pending + shipped + delivered + cancelled + refunded = orders_received.
-- Average order value = gross_minor / orders_valued (orders whose amount is known).
-- Time to shipment (received -> first shipped) is attributed to the received bucket too:
-- sum and count give the mean; ship_hours_histogram (bins with upper bounds 1, 2, 4, 8,
-- 12, 24, 48, 72, 168 hours, then the rest) gives an approximate median per bucket, and
-- dashboard_order_facts keeps each order's times for an exact one.
-- Currency: a TikTok shop sells in one currency, so a bucket has one; if an order in
-- another currency lands in it, its amounts are still summed and mixed_currency is set
-- so the dashboard can warn instead of silently showing a wrong figure.
create table public.dashboard_metrics_hourly (
  creator_id uuid not null,
  bucket_start timestamptz not null,
  currency text,
  mixed_currency boolean not null default false,
  orders_received integer not null default 0,
  orders_valued integer not null default 0,
  orders_pending integer not null default 0,
  orders_shipped integer not null default 0,
  orders_delivered integer not null default 0,
  orders_cancelled integer not null default 0,
  orders_refunded integer not null default 0,
  gross_minor bigint not null default 0,
  cancelled_minor bigint not null default 0,
  refunded_minor bigint not null default 0,
  net_minor bigint not null default 0,
  ship_seconds_sum bigint not null default 0,
  ship_count integer not null default 0,
  ship_hours_histogram integer[] not null default '{0,0,0,0,0,0,0,0,0,0}',
  last_event_at timestamptz,
  primary key (creator_id, bucket_start)
);

create table public.dashboard_metrics_daily (like public.dashboard_metrics_hourly including all);

-- The dashboard by channel: sales of each day per channel (TikTok Shop, Shopify) beside the
-- day's totals, by the same money rules as dashboard_metrics_daily: everything about an
-- order counts in the day it was received. So the channels' rows of a day add up to that
-- day's row.
create table public.dashboard_metrics_channel_daily (
  creator_id uuid not null,
  bucket_start timestamptz not null,
  channel text not null,
  currency text,
  orders_received integer not null default 0,
  orders_valued integer not null default 0,
  orders_cancelled integer not null default 0,
  gross_minor bigint not null default 0,
  net_minor bigint not null default 0,
  last_event_at timestamptz,
  primary key (creator_id, bucket_start, channel)
);

-- The dashboard-metrics projection's memory of each order: what it has already counted
-- where (and in which channel), so a later event moves the counts instead of adding them again.
create table public.dashboard_order_facts (
  creator_id uuid not null,
  order_id text not null,
  received_at timestamptz not null,
  status text not null,
  currency text,
  amount_minor bigint,
  cancelled boolean not null default false,
  refund_minor bigint not null default 0,
  refunded_in_full boolean not null default false,
  shipped_at timestamptz,
  last_version bigint not null,
  channel text not null default 'tiktok_shop',
  primary key (creator_id, order_id)
);
create index dashboard_order_facts_received_idx on public.dashboard_order_facts (creator_id, received_at);

create table public.order_summaries (
  creator_id uuid not null,
  order_id text not null,
  aggregate_id text not null,
  shop_id text,
  status text not null,
  tiktok_status text,
  on_hold boolean not null default false,
  items jsonb not null default '[]'::jsonb,
  item_count integer not null default 0,
  total_minor bigint,
  currency text,
  paid_minor bigint not null default 0,
  refunded_minor bigint not null default 0,
  carrier text,
  tracking_number text,
  received_at timestamptz,
  shipped_at timestamptz,
  cancelled_at timestamptz,
  -- [{type, at, version}], oldest first.
  timeline jsonb not null default '[]'::jsonb,
  last_version bigint not null,
  last_event_at timestamptz not null,
  primary key (creator_id, order_id)
);
create index order_summaries_recent_idx on public.order_summaries (creator_id, received_at desc);
create index order_summaries_status_idx on public.order_summaries (creator_id, status, received_at desc);

-- Velocity and hours to stock-out are as of the SKU's last event (not the wall clock),
-- so a rebuild reproduces them; the dashboard may age them from last_event_at.
create table public.inventory_levels (
  creator_id uuid not null,
  sku_id text not null,
  aggregate_id text not null,
  product_id text,
  available integer not null,
  reserved integer not null,
  total integer not null,
  reorder_point integer not null,
  velocity_per_hour double precision not null default 0,
  hours_to_stockout double precision,
  low_stock_severity text check (low_stock_severity in ('warning', 'critical', 'emergency')),
  last_sync_at timestamptz,
  has_open_conflict boolean not null default false,
  open_conflict_ids text[] not null default '{}',
  last_version bigint not null default 0,
  last_event_at timestamptz not null,
  -- The inventory aggregate's folded state (reservations, recent sales): the projection's working memory.
  state jsonb not null,
  -- TikTok's own holds on the SKU (creator and campaign reservations, from its newest type 27
  -- report): units TikTok keeps from sale that no order here holds. `available` is the total
  -- less reservations and these holds, the count a buyer can still buy on TikTok.
  tiktok_held integer not null default 0,
  -- The newest count each channel was told or reported for the SKU, by channel
  -- ({"tiktok_shop": 12, "shopify": 12}), beside the pool's own `available`.
  channel_available jsonb not null default '{}'::jsonb,
  primary key (creator_id, sku_id)
);
create index inventory_levels_low_stock_idx on public.inventory_levels (creator_id, low_stock_severity)
  where low_stock_severity is not null;

-- The seed's event metrics, kept by a projection rather than a materialized view.
-- Latency is how long an event waited to be projected (projection time - occurred_at):
-- it is measured live only; a rebuild recounts events and keeps the measured latencies.
create table public.event_metrics_hourly (
  creator_id uuid not null,
  bucket_start timestamptz not null,
  event_type text not null,
  event_count bigint not null default 0,
  latency_count bigint not null default 0,
  latency_ms_sum double precision not null default 0,
  latency_ms_max double precision not null default 0,
  primary key (creator_id, bucket_start, event_type)
);
create index event_metrics_hourly_time_idx on public.event_metrics_hourly (bucket_start, event_type);

-- Realtime publishing: projections mark a creator dirty here, in their own transaction,
-- with what changed; the publisher sends one coalesced delta per creator at most every
-- 100 ms and bumps `sequence` in the transaction that sends it, so a client that sees a
-- gap knows it missed one and refetches (a client may read its row to learn the current
-- sequence after a refetch).
create table public.realtime_outbox (
  creator_id uuid primary key,
  sequence bigint not null default 0,
  dirty boolean not null default false,
  changed_models text[] not null default '{}',
  changed_orders text[] not null default '{}',
  changed_skus text[] not null default '{}',
  changed_days date[] not null default '{}',
  dirty_since timestamptz,
  last_sent_at timestamptz,
  -- How long a TikTok webhook took to reach the dashboard. For each order waiting in the
  -- outbox whose change came from a webhook: when our endpoint accepted the earliest such
  -- delivery (webhook_inbox.received_at), {"<order id>": "<timestamptz>"}. The publisher
  -- subtracts it from the time it sends the delta, both by this database's clock, carries
  -- the difference in the delta and clears the map. Keys are a subset of changed_orders.
  order_webhook_accepted_at jsonb not null default '{}'::jsonb,
  -- Traces from webhook to realtime delta: the W3C traceparents of the events whose changes
  -- wait here (event_store.metadata ->> 'traceparent', the first 20 in arrival order), so
  -- the publisher can record each delta it sends as a span in those deliveries' traces.
  -- Cleared with the rest when the delta is sent; always empty while tracing is off.
  trace_parents text[] not null default '{}'
);
create index realtime_outbox_dirty_idx on public.realtime_outbox (dirty_since) where dirty;

-- Product names as the orders gave them, so an alert names the product, not only its SKU.
create table public.product_names (
  creator_id uuid not null,
  sku_id text not null,
  product_name text not null,
  primary key (creator_id, sku_id)
);

-- Each SKU's demand forecast, kept by the demand forecasts projection from the orders that
-- sell it: the model's state (folded an hour at a time), the forecast for the next 7 days
-- by hour and by day with an 80% interval, and the latest spike or drop judged against it.
create table public.demand_forecasts (
  creator_id uuid not null,
  sku_id text not null,
  state jsonb not null,
  hours_seen integer not null,
  expected_per_hour double precision not null,
  next_24h double precision not null,
  next_7d double precision not null,
  next_7d_lower double precision not null,
  next_7d_upper double precision not null,
  -- [{at, expected, lower, upper}] per day, and [[expected, lower, upper]] per hour from the hour in progress.
  forecast_daily jsonb not null,
  forecast_hourly jsonb not null,
  -- Units expected by the end of each hour ahead, for the stock-out time (src/core/analytics/demand-model.ts, FORECAST_STOCKOUT_SQL).
  cumulative_expected double precision[] not null,
  recent_units integer not null,
  anomaly_kind text check (anomaly_kind in ('spike', 'drop')),
  anomaly_score double precision,
  last_sale_at timestamptz not null,
  folded_transaction_id bigint not null,
  folded_position bigint not null,
  primary key (creator_id, sku_id)
);

-- A creator's reorder terms per SKU: how long a reorder takes to arrive and how sure they
-- want to be of not running out meanwhile. A SKU without a row gets 7 days and 95%.
-- (Settings, not derived: kept here because the forecasts read them with the same RLS.)
create table public.reorder_settings (
  creator_id uuid not null,
  sku_id text not null,
  lead_time_days numeric not null check (lead_time_days > 0 and lead_time_days <= 365),
  service_level numeric not null default 0.95 check (service_level > 0.5 and service_level < 1),
  primary key (creator_id, sku_id)
);

-- Shadow tables of a rebuild are created here (like the live ones) and swapped in.
create schema if not exists projection_rebuild;
revoke all on schema projection_rebuild from public;
grant usage, create on schema projection_rebuild to service_role;

-- Inventory sync conflicts: each creator's rules for settling them automatically, and
-- the conflicts read model (the admin panel's queue), kept by the sync-conflicts projection.
create table public.inventory_sync_rules (
  creator_id uuid primary key,
  auto_resolve boolean not null default true,
  tolerance_units integer not null default 0 check (tolerance_units >= 0),
  tolerance_percent numeric(5, 2) not null default 0 check (tolerance_percent between 0 and 100),
  source_of_truth text not null default 'tiktok' check (source_of_truth in ('local', 'tiktok')),
  oversell_protection boolean not null default false,
  auto_resolve_pending_reservations boolean not null default true,
  concurrent_window_seconds integer not null default 10 check (concurrent_window_seconds between 1 and 3600),
  -- Differences above this always go to a person; null: no limit.
  review_above_units integer check (review_above_units > 0),
  updated_by text,
  updated_at timestamptz not null default now()
);

create table public.sync_conflicts (
  creator_id uuid not null,
  conflict_id uuid not null,
  sku_id text not null,
  product_id text,
  conflict_type text not null check (conflict_type in ('quantity_mismatch', 'concurrent_update', 'stale_data')),
  status text not null check (status in ('open', 'resolved')),
  local_value integer not null,
  external_value integer not null,
  source text not null,
  external_update_time bigint,
  detected_at timestamptz not null,
  detected_event_id uuid not null,
  resolved_at timestamptz,
  method text,
  winner text,
  winning_value integer,
  losing_value integer,
  resolved_by text,
  reason text,
  resolved_event_id uuid,
  -- The channel (and store) that disagrees with the pool: the admin queue shows it, and a
  -- conflict of a store is resolved as that channel's.
  channel text not null default 'tiktok_shop',
  shop_id text,
  primary key (creator_id, conflict_id)
);
-- The queue: open conflicts oldest first, per creator and across creators.
create index sync_conflicts_queue_idx on public.sync_conflicts (status, detected_at, conflict_id);
create index sync_conflicts_creator_idx on public.sync_conflicts (creator_id, status, detected_at);
create index sync_conflicts_sku_idx on public.sync_conflicts (creator_id, sku_id, detected_at);
-- Conflict ids are unique across creators (derived from event ids); an admin action looks one up by id.
create unique index sync_conflicts_conflict_id_idx on public.sync_conflicts (conflict_id);

alter table public.inventory_sync_rules enable row level security;
alter table public.sync_conflicts enable row level security;

create policy "creators read their own rules" on public.inventory_sync_rules
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every creator's rules" on public.inventory_sync_rules
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "creators read their own conflicts" on public.sync_conflicts
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every conflict" on public.sync_conflicts
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.inventory_sync_rules, public.sync_conflicts from anon, authenticated;
grant select on public.inventory_sync_rules, public.sync_conflicts to authenticated;
grant all on public.inventory_sync_rules, public.sync_conflicts to service_role;


-- =========================================================================================
-- 7. Fulfilment sagas
-- =========================================================================================
-- The order fulfilment saga's state, one row per order: the step it is at, what each
-- completed step produced (payment reference, label), why it waits, and its failure.
-- Written after every step so a crashed run resumes where it stopped; `version` makes
-- every write a compare-and-set, so two runners of one saga never overwrite each other.
--
-- A saga whose next step cannot run where it runs (an order the seller ships and no
-- carrier configured, or a carrier TikTok does not accept for the order) stops in
-- 'needs_configuration' instead of making up a label: nothing is bought and nothing is sent
-- to TikTok. The admin panel lists these sagas; the scheduler does not resume them (a
-- buyer's cancellation still compensates one, and shipping it by hand in Seller Center
-- completes it).
create table public.fulfilment_sagas (
  creator_id uuid not null,
  order_id text not null,
  status text not null,
  -- The step to run next (or being run); 'done' once the order shipped.
  step text not null check (step in ('validate', 'allocate', 'pay', 'label', 'ship', 'done')),
  waiting_for text check (waiting_for in ('payment', 'hold_release', 'retry')),
  correlation_id uuid not null,
  -- The event that triggers the next step: its id becomes that step's causation id.
  cause_event_id uuid not null,
  progress jsonb not null default '{}'::jsonb,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz,
  failure jsonb,
  alerted_at timestamptz,
  version integer not null default 1,
  started_at timestamptz not null,
  updated_at timestamptz not null,
  finished_at timestamptz,
  primary key (creator_id, order_id),
  constraint fulfilment_sagas_status_check
    check (status in ('running', 'waiting', 'needs_configuration', 'compensating', 'completed', 'failed', 'cancelled'))
);

-- What the scheduler looks for: sagas waiting for a retry, or interrupted mid-run.
create index fulfilment_sagas_open_idx on public.fulfilment_sagas (updated_at)
  where status in ('running', 'waiting', 'compensating');
create index fulfilment_sagas_order_idx on public.fulfilment_sagas (order_id);
-- What the admin panel reads: the sagas waiting for configuration, oldest first.
create index fulfilment_sagas_needs_configuration_idx on public.fulfilment_sagas (updated_at)
  where status = 'needs_configuration';

alter table public.fulfilment_sagas enable row level security;

create policy "creators read their own sagas" on public.fulfilment_sagas
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every saga" on public.fulfilment_sagas
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.fulfilment_sagas from anon, authenticated;
grant select on public.fulfilment_sagas to authenticated;
grant all on public.fulfilment_sagas to service_role;


-- =========================================================================================
-- 8. Alerts and push notifications
-- =========================================================================================
-- Alerts a creator can act on: one open alert per problem (creator, kind, subject) with a
-- count and the latest time, written for the creator (title, what it means, the one thing
-- to do and a link), the technical detail apart, and what the creator did about it
-- (acknowledged, snoozed, resolved: each also an alert.* event with who and when).
-- An alert's id is the id of the event that opened it, so replays and rebuilds find it again.
create table public.alerts (
  id uuid primary key,
  creator_id uuid not null,
  kind text not null,
  severity text not null check (severity in ('warning', 'critical', 'emergency')),
  -- What it is about: a SKU, a sync source, a conflict id, an order id.
  subject text not null,
  message text not null,
  -- The facts behind it (available, reorder point, reason...), for the dashboard.
  details jsonb not null default '{}'::jsonb,
  opened_at timestamptz not null,
  resolved_at timestamptz,
  resolved_by_event_id uuid,
  source_event_id uuid not null unique,
  title text not null default '',
  action text not null default '',
  action_href text not null default '',
  detail text not null default '',
  sku_id text,
  product_name text,
  -- An open stuck order or conflict alert waits on its subject (the order, the conflict),
  -- so its recovery resolves it.
  open_causes text[] not null default '{}',
  occurrences integer not null default 1 check (occurrences >= 1),
  last_occurred_at timestamptz not null,
  acknowledged_at timestamptz,
  acknowledged_by text,
  snoozed_until timestamptz,
  snoozed_by text,
  resolved_by text,
  -- The last event folded into the alert, in consumer order: an event at or before it is not folded again.
  folded_transaction_id bigint not null default 0,
  folded_position bigint not null default 0,
  -- A shop that needs connecting again, a sales spike (a video going viral) and a SKU that
  -- stops selling (found by the scheduled sales watch, since such a SKU sends no event of
  -- its own) are alerts too.
  constraint alerts_kind_check
    check (kind in ('low_stock', 'sync_failure', 'sync_conflict', 'stuck_saga', 'shop_connection', 'sales_spike', 'sales_drop'))
);
create index alerts_open_idx on public.alerts (creator_id, opened_at desc) where resolved_at is null;
create index alerts_subject_idx on public.alerts (creator_id, subject) where resolved_at is null;
create index alerts_recent_idx on public.alerts (creator_id, opened_at desc);
-- The open alert of a problem, found by its key. Not unique: one batch may resolve an alert
-- and open the next for the same problem in one upsert, whose rows are checked one by one.
create index alerts_open_key_idx on public.alerts (creator_id, kind, subject) where resolved_at is null;
-- An order that recovers (or a conflict that is settled) finds the open alerts waiting on it.
create index alerts_open_causes_idx on public.alerts using gin (open_causes) where resolved_at is null;

-- Row level security of the read models (sections 6 and 8): a creator reads its own rows,
-- an admin reads every row; only server code (the owner) and service_role write.
do $$
declare
  read_model text;
begin
  foreach read_model in array array[
    'dashboard_metrics_hourly', 'dashboard_metrics_daily', 'dashboard_metrics_channel_daily', 'dashboard_order_facts',
    'order_summaries', 'inventory_levels', 'alerts', 'event_metrics_hourly', 'realtime_outbox', 'product_names',
    'demand_forecasts', 'reorder_settings'
  ] loop
    execute format('alter table public.%I enable row level security', read_model);
    execute format(
      'create policy "creators read their own rows" on public.%I for select to authenticated
         using (creator_id = (select public.requesting_creator_id()))', read_model);
    execute format(
      'create policy "admins read every row" on public.%I for select to authenticated
         using (((select auth.jwt()) -> ''app_metadata'' ->> ''role'') = ''admin'')', read_model);
    execute format('revoke all on public.%I from anon, authenticated', read_model);
    execute format('grant select on public.%I to authenticated', read_model);
    execute format('grant all on public.%I to service_role', read_model);
  end loop;
end;
$$;

-- Push notifications (Web Push with VAPID) for alerts that need the creator now.
--
--   push_subscriptions  one row per device (browser push subscription) a creator turned
--                       notifications on for, with the kinds it wants and its quiet hours.
--                       Creators read only their own rows (RLS); writes go through the app's
--                       route handlers, which scope them to the signed-in creator (the API
--                       roles get SELECT at most, as on every table). The delivery removes a
--                       row when the push service answers 404/410 (the subscription is gone).
--   alert_push_outbox   one row per alert worth a push, written by the alerts projection in
--                       the transaction that opens the alert (so a crash neither loses nor
--                       doubles it); the alert's id is the key, so an alert is queued at most
--                       once whatever replays. The process-events function claims rows
--                       (claimed_at, committed before any send: at most one push per alert
--                       and device) and records what the push services answered. Pruned
--                       after a week (section 10).
create table public.push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null,
  -- The push service's URL for this device; a capability, so only its owner reads it.
  endpoint text not null unique check (endpoint ~ '^https?://' and length(endpoint) <= 2048),
  p256dh text not null check (p256dh ~ '^[A-Za-z0-9_-]{80,100}$'),
  auth text not null check (auth ~ '^[A-Za-z0-9_-]{16,32}$'),
  kinds text[] not null check (kinds <@ array['stock_out', 'unfulfillable_order', 'shop_reconnect', 'sales_spike']::text[]),
  -- Quiet hours in the device's time zone, minutes after midnight; both null: none.
  quiet_start_minute smallint check (quiet_start_minute between 0 and 1439),
  quiet_end_minute smallint check (quiet_end_minute between 0 and 1439),
  time_zone text not null default 'UTC' check (length(time_zone) between 1 and 64),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_push_at timestamptz,
  check ((quiet_start_minute is null) = (quiet_end_minute is null))
);
create index push_subscriptions_creator_idx on public.push_subscriptions (creator_id);

alter table public.push_subscriptions enable row level security;
create policy "creators read their own devices" on public.push_subscriptions
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
grant select on public.push_subscriptions to authenticated;
grant all on public.push_subscriptions to service_role;

create table public.alert_push_outbox (
  alert_id uuid primary key,
  creator_id uuid not null,
  kind text not null check (kind in ('stock_out', 'unfulfillable_order', 'shop_reconnect', 'sales_spike')),
  -- What the notification says and where tapping it leads (src/core/notifications/pushed-alert.ts).
  payload jsonb not null,
  queued_at timestamptz not null default now(),
  claimed_at timestamptz,
  -- Devices the push services accepted it for; devices removed as gone; devices that failed.
  delivered integer,
  removed integer,
  failed integer
);
create index alert_push_outbox_unclaimed_idx on public.alert_push_outbox (queued_at) where claimed_at is null;

alter table public.alert_push_outbox enable row level security;
revoke all on public.alert_push_outbox from anon, authenticated;
grant all on public.alert_push_outbox to service_role;

-- A queued push wakes the fulfilment lane (the one that calls out) the way an append does:
-- same transaction, same debounce flag (section 3).
create function public.wake_event_processing_for_push() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.request_event_processing(array['fulfilment']);
  return null;
end;
$$;
revoke execute on function public.wake_event_processing_for_push() from public, anon, authenticated;

create trigger wake_event_processing_for_push after insert on public.alert_push_outbox
  for each statement execute function public.wake_event_processing_for_push();


-- =========================================================================================
-- 9. Auth and Realtime (security)
-- =========================================================================================

-- Self-service sign-up: every new account is a creator with a tenant of its own.
--
-- RLS and the server trust only app_metadata (role, creator_id); a person signing up can
-- write user_metadata and nothing else. So the role and the tenant are assigned here, in
-- the database, for every row inserted into auth.users by any path (GoTrue's /signup, its
-- admin API, the dashboard, SQL, the local stand-in). Whatever the insert carried in
-- role or creator_id is replaced: no insert makes an admin, and no one can claim another
-- creator's tenant. Admins are made afterwards by an UPDATE of app_metadata, which only
-- the service role or the database owner can do (GoTrue's admin createUser does exactly
-- that: it inserts, then writes the app_metadata it was given).
--
-- BEFORE INSERT, so the row is right when it is first written: GoTrue reloads the user
-- after its insert ("there may be triggers ... that will modify the user data") and the
-- local stand-in signs the token from the row its INSERT ... RETURNING gives back, so the
-- first access token already carries the creator id.
--
-- Not security definer: it reads and writes only NEW. On hosted Supabase the inserting
-- role is supabase_auth_admin, which may fire a trigger without EXECUTE on its function.
create function public.assign_new_user_creator() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.raw_app_meta_data :=
    case when jsonb_typeof(new.raw_app_meta_data) = 'object' then new.raw_app_meta_data else '{}'::jsonb end
    || jsonb_build_object('role', 'creator', 'creator_id', gen_random_uuid());
  return new;
end;
$$;

revoke execute on function public.assign_new_user_creator() from public, anon, authenticated;

create trigger assign_new_user_creator
  before insert on auth.users
  for each row execute function public.assign_new_user_creator();

-- Per-account sign-in throttling as a Supabase Auth Hook ("Password Verification Attempt",
-- config.toml [auth.hook.password_verification_attempt]): Auth calls it after checking a
-- password with { user_id, valid }. Five failures within 15 minutes lock the account's
-- password sign-in until the window passes, whatever the next password; a success resets the
-- count. Per-IP limits are Auth's own ([auth.rate_limit] sign_in_sign_ups). The local stand-in
-- calls this same function the way Auth does.
create table public.password_sign_in_failures (
  user_id uuid primary key,
  failures integer not null check (failures > 0),
  first_failed_at timestamptz not null,
  last_failed_at timestamptz not null
);
alter table public.password_sign_in_failures enable row level security;
revoke all on public.password_sign_in_failures from anon, authenticated;

create function public.hook_password_verification_attempt(event jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  attempt_user uuid := (event ->> 'user_id')::uuid;
  window_length constant interval := interval '15 minutes';
  max_failures constant integer := 5;
  recorded public.password_sign_in_failures;
begin
  delete from public.password_sign_in_failures
   where user_id = attempt_user and first_failed_at < now() - window_length;
  select * into recorded from public.password_sign_in_failures where user_id = attempt_user for update;

  if recorded.failures >= max_failures then
    return jsonb_build_object(
      'decision', 'reject',
      'message', 'Too many failed sign-ins. Wait 15 minutes, then try again.',
      'should_logout_user', false);
  end if;

  if (event ->> 'valid')::boolean then
    delete from public.password_sign_in_failures where user_id = attempt_user;
  else
    insert into public.password_sign_in_failures (user_id, failures, first_failed_at, last_failed_at)
    values (attempt_user, 1, now(), now())
    on conflict (user_id) do update
      set failures = public.password_sign_in_failures.failures + 1, last_failed_at = now();
  end if;
  return jsonb_build_object('decision', 'continue');
end;
$$;

revoke execute on function public.hook_password_verification_attempt(jsonb) from public, anon, authenticated;
grant execute on function public.hook_password_verification_attempt(jsonb) to supabase_auth_admin;
grant all on public.password_sign_in_failures to supabase_auth_admin;

-- Core Web Vitals from real sessions (LCP, INP, CLS, and FCP/TTFB for context), reported by
-- signed-in browsers through POST /api/vitals, so the operator sees mobile performance in
-- /api/metrics (p75 per page and form factor over the last hour, as the CrUX reports read it).
-- No user or creator is stored: a sample is a page, a metric, a value and a form factor.
-- Pruned after a week (section 10).
create table public.web_vitals_samples (
  id bigint generated always as identity primary key,
  page text not null check (page in ('dashboard', 'onboarding', 'admin', 'sign-in', 'other')),
  metric text not null check (metric in ('LCP', 'INP', 'CLS', 'FCP', 'TTFB')),
  -- Milliseconds, or the unitless layout-shift score for CLS.
  value double precision not null check (value >= 0 and value < 600000),
  form_factor text not null check (form_factor in ('phone', 'desktop')),
  recorded_at timestamptz not null default now()
);
create index web_vitals_samples_recent_idx on public.web_vitals_samples (recorded_at);

alter table public.web_vitals_samples enable row level security;
revoke all on public.web_vitals_samples from anon, authenticated;
grant all on public.web_vitals_samples to service_role;

-- Who may use which private Realtime topic. Realtime evaluates these policies on
-- realtime.messages with the joining user's JWT claims (realtime.topic() names the
-- topic): a visible row grants read, an allowed insert grants write. Policies only:
-- hosted Supabase owns the table itself.
--
-- A policy must look at the row's own topic as well as the caller-set realtime.topic(): the
-- latter alone would let a session that set its topic to its own read every row of
-- realtime.messages. No client publishes (deltas come from the database through
-- realtime.send as the owner), so creators get no insert policy: nobody can push fake
-- deltas into a feed an admin is watching. Admins watch any creator's live feed (support,
-- conflict resolution) but do not publish into it.
drop policy if exists "creators send to their own topic" on realtime.messages;

drop policy if exists "creators receive their own topic" on realtime.messages;
create policy "creators receive their own topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select realtime.topic()) = 'creator:' || ((select auth.jwt()) -> 'app_metadata' ->> 'creator_id')
  );

drop policy if exists "admins receive every creator topic" on realtime.messages;
create policy "admins receive every creator topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select realtime.topic()) like 'creator:%'
    and ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin'
  );


-- =========================================================================================
-- 10. Scheduling and retention
-- =========================================================================================
-- Hosted Supabase ships pg_cron and pg_net; the local stack's bootstrap provides stand-ins
-- of both (and of Vault) instead, so these statements run unchanged in either place.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
  end if;
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
  end if;
end
$$;

-- Bounded growth: what each table keeps, and an hourly job that enforces it. Every period is
-- longer than anything that reads the rows (README "Data retention" gives the reasons):
--   webhook_inbox         30 days (90 for deliveries that need attention). Dedupe keys must
--                         outlive TikTok's retries (15.5 hours); 30 days also keeps a month of
--                         raw bodies for replays and investigations.
--   idempotency_keys      30 days. Command ids are retried within minutes; saga steps within
--                         hours; outbox pushes are guarded by stream versions besides.
--   consumer_attempt_log  14 days (the admin panel shows recent attempts).
--   dead_letters          30 days after an admin retried or discarded one; pending ones stay.
--   password_sign_in_failures  once their 15-minute window has passed.
create function public.prune_retained_data(p_batch integer default 10000)
returns table (table_name text, deleted bigint)
language plpgsql
security definer
set search_path = ''
as $$
declare
  removed bigint;
begin
  -- In batches, so one run never holds a long lock on a busy table.
  table_name := 'webhook_inbox'; deleted := 0;
  loop
    delete from public.webhook_inbox where id in (
      select id from public.webhook_inbox
       where received_at < now() - case when status in ('unprocessable', 'unlinked_shop') then interval '90 days' else interval '30 days' end
       limit p_batch);
    get diagnostics removed = row_count;
    deleted := deleted + removed;
    exit when removed < p_batch;
  end loop;
  return next;

  table_name := 'idempotency_keys'; deleted := 0;
  loop
    delete from public.idempotency_keys where (creator_id, key) in (
      select creator_id, key from public.idempotency_keys where created_at < now() - interval '30 days' limit p_batch);
    get diagnostics removed = row_count;
    deleted := deleted + removed;
    exit when removed < p_batch;
  end loop;
  return next;

  table_name := 'consumer_attempt_log'; deleted := 0;
  loop
    delete from public.consumer_attempt_log where id in (
      select id from public.consumer_attempt_log where recorded_at < now() - interval '14 days' limit p_batch);
    get diagnostics removed = row_count;
    deleted := deleted + removed;
    exit when removed < p_batch;
  end loop;
  return next;

  table_name := 'dead_letters';
  delete from public.dead_letters where status <> 'pending' and resolved_at < now() - interval '30 days';
  get diagnostics deleted = row_count;
  return next;

  table_name := 'password_sign_in_failures';
  delete from public.password_sign_in_failures where first_failed_at < now() - interval '15 minutes';
  get diagnostics deleted = row_count;
  return next;
end;
$$;

revoke execute on function public.prune_retained_data(integer) from public, anon, authenticated;
grant execute on function public.prune_retained_data(integer) to service_role;

-- The safety net of the wake-ups (section 3): every few seconds each lane is called
-- whatever its flag says, so a lost wake-up (a failed request, a call that died holding the
-- flag) costs seconds at most.
select cron.schedule('process-events-safety-net', '5 seconds', $job$ select public.request_event_processing(p_force => true) $job$);
select cron.schedule('maintain-event-store-partitions', '17 3 * * *', $job$ select public.maintain_event_store_partitions(3) $job$);
-- Transient rows: a connect state is useless ten minutes after it was made; a day later it goes.
select cron.schedule('purge-tiktok-oauth-states', '23 * * * *',
  $job$ delete from public.tiktok_oauth_states where expires_at < now() - interval '1 day' $job$);
select cron.schedule('purge-shopify-oauth-states', '29 * * * *',
  $job$ delete from public.shopify_oauth_states where expires_at < now() - interval '1 day' $job$);
select cron.schedule('prune-retained-data', '37 * * * *', $job$ select public.prune_retained_data() $job$);
-- A queued push is worth nothing after a week (the projection queues only alerts opened in
-- the last hour, so a rebuild never queues an old one again).
select cron.schedule('prune-alert-push-outbox', '43 * * * *', $job$ delete from public.alert_push_outbox where queued_at < now() - interval '7 days' $job$);
-- The metrics read the last hour of web vitals; a week is kept for investigations.
select cron.schedule('prune-web-vitals', '47 * * * *', $job$ delete from public.web_vitals_samples where recorded_at < now() - interval '7 days' $job$);
