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
create or replace function public.prune_retained_data(p_batch integer default 10000)
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

select cron.schedule('prune-retained-data', '37 * * * *', $job$ select public.prune_retained_data() $job$);
