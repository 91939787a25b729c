-- Sync conflicts name their channel: the admin queue shows which channel (and which store)
-- disagrees with the pool, and a conflict of a store is resolved as that channel's.
alter table public.sync_conflicts
  add column if not exists channel text not null default 'tiktok_shop',
  add column if not exists shop_id text;

-- Conflicts raised before: only a channel other than TikTok Shop records source 'shopify'.
update public.sync_conflicts c
   set channel = e.event_data ->> 'channel', shop_id = e.event_data ->> 'shop_id'
  from public.event_store e
 where c.source = 'shopify' and e.id = c.detected_event_id and e.event_data ? 'channel';
