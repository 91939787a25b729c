-- How long a TikTok webhook took to reach the dashboard. For each order waiting in the
-- outbox whose change came from a webhook: when our endpoint accepted the earliest such
-- delivery (webhook_inbox.received_at), {"<order id>": "<timestamptz>"}. The publisher
-- subtracts it from the time it sends the delta, both by this database's clock, carries the
-- difference in the delta and clears the map. Keys are a subset of changed_orders.
alter table public.realtime_outbox
  add column order_webhook_accepted_at jsonb not null default '{}'::jsonb;
