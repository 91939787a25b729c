-- TikTok waits 3 s for an answer. A batch stuck behind another transaction's row lock (a busy
-- order stream, a long admin statement) gives up after 2.5 s with lock_not_available (55P03),
-- so its deliveries are answered 503 in time and retried. lock_timeout, unlike
-- statement_timeout, is read at each lock wait, so setting it on the function covers the
-- statement that calls it, at no cost to a batch that waits for nothing.
alter function public.store_webhook_deliveries(jsonb) set lock_timeout = '2500ms';
