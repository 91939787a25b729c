-- Channel pushes recover by themselves after an outage longer than the consumer's retries
-- (src/core/channels/channel-push-recovery.ts): a dead letter of the channel stock outbox is
-- pushed again once this time has come (30 s after it was written, then doubling up to 15 min).
alter table public.dead_letters add column if not exists next_recovery_at timestamptz;
create index if not exists dead_letters_channel_recovery_idx on public.dead_letters (event_position)
  where status = 'pending' and consumer = 'channel-stock-outbox';
