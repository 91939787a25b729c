-- Traces from webhook to realtime delta: the W3C traceparents of the events whose changes
-- wait in the outbox (event_store.metadata ->> 'traceparent', the first 20 in arrival order),
-- so the publisher can record each delta it sends as a span in those deliveries' traces.
-- Cleared with the rest when the delta is sent; always empty while tracing is off.
alter table public.realtime_outbox
  add column trace_parents text[] not null default '{}';
