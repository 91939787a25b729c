-- TikTok's own holds on a SKU (creator and campaign reservations, from its newest type 27
-- report): units TikTok keeps from sale that no order here holds. `available` is the total
-- less reservations and these holds, the count a buyer can still buy on TikTok.
alter table public.inventory_levels
  add column if not exists tiktok_held integer not null default 0;
