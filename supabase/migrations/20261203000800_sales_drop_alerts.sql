-- A SKU that stops selling (a listing taken down, a video gone cold) is an alert too: the
-- scheduled sales watch finds it, since such a SKU sends no event of its own.
alter table public.alerts drop constraint if exists alerts_kind_check;
alter table public.alerts add constraint alerts_kind_check
  check (kind in ('low_stock', 'sync_failure', 'sync_conflict', 'stuck_saga', 'shop_connection', 'sales_spike', 'sales_drop'));
