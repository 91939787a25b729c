-- The event store: an append-only, month-partitioned log of every fact, plus the
-- unpartitioned tables that carry what a partitioned table cannot enforce
-- (per-stream optimistic concurrency, idempotency keys).

-- The creator (tenant) a request acts for, from the Supabase JWT's app_metadata.
create or replace function public.requesting_creator_id() returns uuid
language sql stable
set search_path = ''
as $$
  select nullif(auth.jwt() -> 'app_metadata' ->> 'creator_id', '')::uuid
$$;

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
  primary key (id, occurred_at)
) partition by range (occurred_at);

alter sequence public.event_store_position_seq owned by public.event_store.position;

create table public.event_store_default partition of public.event_store default;

create index event_store_aggregate_version_idx on public.event_store (aggregate_id, version);
create index event_store_type_time_idx on public.event_store (event_type, occurred_at);
create index event_store_creator_time_idx on public.event_store (creator_id, occurred_at);
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

-- Appends events to one aggregate's stream in one round trip.
--   p_expected: 'any' | 'no_stream' | 'stream_exists' | a version number as text
--   p_events:   [{id?, event_type, event_data, metadata?, schema_version?, correlation_id?,
--                 causation_id?, user_id?, occurred_at?}]
-- Raises CF409 (version conflict, DETAIL = {"expected":..,"actual":..}) and CF403 (the
-- stream belongs to another creator). A repeated idempotency key returns the original
-- rows with duplicate = true and writes nothing.
create or replace function public.append_to_stream(
  p_creator_id uuid,
  p_aggregate_id text,
  p_aggregate_type text,
  p_expected text,
  p_events jsonb,
  p_idempotency_key text default null
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
             coalesce(e.value -> 'metadata', '{}'::jsonb),
             coalesce((e.value ->> 'schema_version')::integer, 1),
             new_version - event_count + e.ordinality,
             coalesce((e.value ->> 'occurred_at')::timestamptz, now()),
             (e.value ->> 'correlation_id')::uuid,
             (e.value ->> 'causation_id')::uuid,
             (e.value ->> 'user_id')::uuid
        from jsonb_array_elements(p_events) with ordinality as e(value, ordinality)
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

-- Monthly partitions, created ahead; rows that fell into DEFAULT (no partition yet
-- for their month) are moved into the new partition in the same transaction.
create or replace function public.maintain_event_store_partitions(p_months_ahead integer default 3)
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
grant usage on sequence public.event_store_position_seq to service_role;

revoke execute on function public.append_to_stream(uuid, text, text, text, jsonb, text) from public, anon, authenticated;
revoke execute on function public.maintain_event_store_partitions(integer) from public, anon, authenticated;
grant execute on function public.append_to_stream(uuid, text, text, text, jsonb, text) to service_role;
grant execute on function public.maintain_event_store_partitions(integer) to service_role;
