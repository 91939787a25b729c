-- A rebuild waiting for a consumer's lease gets it at the live call's next round.
--
-- Live calls renew their lease every round and a lane call stays while events keep coming,
-- then the next wake-up's call leases again within milliseconds. A rebuild that polled for a
-- free lease could wait through a whole flash sale and give up ("held by another instance").
-- Now the rebuild first says it wants the lease (lease_wanted_by, until lease_wanted_until):
-- the holder lets go at its next round (between batches: nothing of that consumer is in
-- flight then), no other live call takes it meanwhile, and the rebuild takes it and clears
-- the want. A want that outlives its rebuild (the process died) lapses at lease_wanted_until.

alter table public.consumer_checkpoints
  add column lease_wanted_by text,
  add column lease_wanted_until timestamptz;

create or replace function public.acquire_consumer_shard(p_consumer text, p_shard integer, p_owner text, p_lease_ms integer)
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
  -- Looked up first: every round of every call leases, and an insert that conflicts costs a
  -- speculative check that waits on the row's last writer (a third of a lease's time here).
  if not exists (select 1 from public.consumer_checkpoints c where c.consumer = v_name) then
    insert into public.consumer_checkpoints (consumer) values (v_name) on conflict do nothing;
  end if;
  return query
    update public.consumer_checkpoints c
       set lease_owner = case when c.lease_wanted_by is not null and c.lease_wanted_by <> p_owner and c.lease_wanted_until > now()
                              then null else p_owner end,
           lease_expires_at = case when c.lease_wanted_by is not null and c.lease_wanted_by <> p_owner and c.lease_wanted_until > now()
                                   then null else now() + p_lease_ms * interval '1 millisecond' end
     where c.consumer = v_name and (c.lease_owner is null or c.lease_owner = p_owner or c.lease_expires_at < now())
    -- A wanted lease is let go (or left free) and answered as held by someone else.
    returning c.consumer, running, c.lease_owner is not null, c.transaction_id, c.position, c.barrier_transaction_id, c.barrier_position;
  if not found then
    return query select v_name, running, false, null::xid8, null::bigint, null::xid8, null::bigint;
  end if;
end;
$$;
