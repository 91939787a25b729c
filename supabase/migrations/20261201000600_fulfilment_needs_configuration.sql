-- A fulfilment saga whose next step cannot run where it runs (an order the seller ships and
-- no carrier configured, or a carrier TikTok does not accept for the order) stops in
-- 'needs_configuration' instead of making up a label: nothing is bought and nothing is sent
-- to TikTok. The admin panel lists these sagas; the scheduler does not resume them (a buyer's
-- cancellation still compensates one, and shipping it by hand in Seller Center completes it).
alter table public.fulfilment_sagas drop constraint fulfilment_sagas_status_check;
alter table public.fulfilment_sagas add constraint fulfilment_sagas_status_check
  check (status in ('running', 'waiting', 'needs_configuration', 'compensating', 'completed', 'failed', 'cancelled'));

-- What the admin panel reads: the sagas waiting for configuration, oldest first.
create index fulfilment_sagas_needs_configuration_idx on public.fulfilment_sagas (updated_at)
  where status = 'needs_configuration';
