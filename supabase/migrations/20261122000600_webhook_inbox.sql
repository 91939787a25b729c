-- TikTok Shop webhooks: which creator each shop belongs to, and an inbox that keeps
-- every verified delivery (even those that map to no event) with what became of it.

create table public.tiktok_shops (
  shop_id text primary key,
  creator_id uuid not null,
  -- Type 24 (FBT inventory) webhooks name the seller instead of the shop.
  seller_open_id text unique,
  shop_name text,
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default now()
);
create index tiktok_shops_creator_idx on public.tiktok_shops (creator_id);

create table public.webhook_inbox (
  id uuid primary key default gen_random_uuid(),
  -- tts_notification_id, or sha256 of the raw body when there is none: a replay is a duplicate.
  dedupe_key text not null unique,
  notification_type integer,
  shop_id text,
  creator_id uuid,
  raw_body bytea not null,
  status text not null check (status in ('processed', 'ignored', 'stale', 'unprocessable', 'unlinked_shop')),
  reason text,
  event_ids uuid[] not null default '{}',
  received_at timestamptz not null default now()
);
create index webhook_inbox_time_idx on public.webhook_inbox (received_at);
create index webhook_inbox_attention_idx on public.webhook_inbox (received_at) where status in ('unprocessable', 'unlinked_shop');

alter table public.tiktok_shops enable row level security;
alter table public.webhook_inbox enable row level security;

create policy "creators read their own shops" on public.tiktok_shops
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "creators read their own deliveries" on public.webhook_inbox
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every shop" on public.tiktok_shops
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create policy "admins read every delivery" on public.webhook_inbox
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.tiktok_shops, public.webhook_inbox from anon, authenticated;
grant select on public.tiktok_shops, public.webhook_inbox to authenticated;
grant all on public.tiktok_shops, public.webhook_inbox to service_role;
