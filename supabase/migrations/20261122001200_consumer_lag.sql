-- How far a consumer is behind: the committed events after its checkpoint. One definition
-- for the admin panel, the health checks and `npm run events -- status`.
create or replace function public.consumer_lag(p_transaction_id xid8, p_position bigint)
returns bigint
language sql stable
set search_path = ''
as $$
  select count(*) from public.event_store e where (e.transaction_id, e.position) > (p_transaction_id, p_position)
$$;

revoke execute on function public.consumer_lag(xid8, bigint) from public, anon, authenticated;
grant execute on function public.consumer_lag(xid8, bigint) to service_role;
