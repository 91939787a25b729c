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
--                       and device) and records what the push services answered.

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
-- same transaction, same debounce flag (see 20261201000100_event_processing_wakeup.sql).
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

-- Bounded growth: a queued push is worth nothing after a week (the projection queues only
-- alerts opened in the last hour, so a rebuild never queues an old one again).
select cron.schedule('prune-alert-push-outbox', '43 * * * *', $job$ delete from public.alert_push_outbox where queued_at < now() - interval '7 days' $job$);
