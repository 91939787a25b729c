-- A dead letter's retry is a request, carried out by the consumer's own runner under its
-- lease (src/core/processing/dead-letter-retry.ts), never by the admin panel's process:
-- only the runner can apply the event in order with the consumer's other work, and only
-- the process-events function holds the fulfilment saga's TikTok, payment and carrier
-- ports. The panel shows what became of each request:
--   retry_requested  asked for (by whom, when), not yet carried out
--   retried          applied; last_retry_message says how (applied, or the aggregate re-folded)
--   pending again    the retry failed (error is the new one) or could not be done in order
--                    (last_retry_message says why and what to do instead)
alter table public.dead_letters drop constraint dead_letters_status_check;
alter table public.dead_letters
  add constraint dead_letters_status_check check (status in ('pending', 'retry_requested', 'retried', 'discarded')),
  add column retry_requested_at timestamptz,
  add column retry_requested_by text,
  add column last_retry_at timestamptz,
  add column last_retry_outcome text check (last_retry_outcome in ('retried', 'failed', 'refused')),
  add column last_retry_message text;

create index dead_letters_retry_requested_idx on public.dead_letters (consumer, event_position) where status = 'retry_requested';

-- A request wakes event processing the way an append does (same transaction, same
-- debounce flag, so the lane call's stop protocol covers it: see
-- 20261201000100_event_processing_wakeup.sql).
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

revoke execute on function public.wake_event_processing_for_retry() from public, anon, authenticated;
