-- Connecting a TikTok Shop with TikTok's OAuth: one-time `state` values bound to the
-- signed-in creator, the seller's tokens (encrypted by the app, never readable through
-- the API), and each shop's connection status.

-- A seller (one TikTok account, one open_id) can own several shops: the open_id names the
-- seller, not the shop, so it cannot be unique here.
alter table public.tiktok_shops drop constraint if exists tiktok_shops_seller_open_id_key;
create index if not exists tiktok_shops_seller_idx on public.tiktok_shops (seller_open_id) where seller_open_id is not null;

alter table public.tiktok_shops
  add column if not exists shop_code text,
  add column if not exists region text,
  -- connected: calls go out; needs_reconnecting: the seller's tokens could not be
  -- refreshed; deauthorized: the seller removed the app (webhook type 6). Calls for a shop
  -- that is not connected stop until the creator connects it again.
  add column if not exists connection_status text not null default 'connected'
    check (connection_status in ('connected', 'needs_reconnecting', 'deauthorized')),
  -- The version of the shop's stream (`shop-<shop_id>`) whose event set the status: an
  -- older event processed late never overrides a newer one.
  add column if not exists connection_status_version bigint not null default 0,
  add column if not exists connection_status_reason text,
  add column if not exists connection_status_changed_at timestamptz;

-- The seller's tokens, sealed with AES-256-GCM by the app (src/core/shops/token-encryption.ts,
-- key TIKTOK_TOKEN_ENCRYPTION_KEY; the seller's open_id is the additional data, so a sealed
-- token moved to another row does not open). RLS on and no policy: neither anon nor
-- authenticated can read a row, whatever grants later migrations add.
create table public.tiktok_seller_credentials (
  seller_open_id text primary key,
  creator_id uuid not null,
  seller_name text,
  seller_base_region text,
  granted_scopes text[] not null default '{}',
  access_token_sealed text not null,
  access_token_expires_at timestamptz not null,
  refresh_token_sealed text not null,
  refresh_token_expires_at timestamptz not null,
  status text not null default 'active' check (status in ('active', 'needs_reconnecting')),
  status_reason text,
  authorized_at timestamptz not null,
  refreshed_at timestamptz,
  updated_at timestamptz not null default now()
);
create index tiktok_seller_credentials_creator_idx on public.tiktok_seller_credentials (creator_id);
alter table public.tiktok_seller_credentials enable row level security;
revoke all on public.tiktok_seller_credentials from anon, authenticated;
grant all on public.tiktok_seller_credentials to service_role;

-- One row per "Connect TikTok Shop" click: the state travels through TikTok and comes
-- back once. Only its SHA-256 is kept, so a leaked table row cannot be replayed.
create table public.tiktok_oauth_states (
  state_hash text primary key,
  user_id uuid not null,
  creator_id uuid not null,
  -- The Supabase Auth session that started it (the JWT's session_id), when it has one.
  session_id text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index tiktok_oauth_states_expiry_idx on public.tiktok_oauth_states (expires_at);
alter table public.tiktok_oauth_states enable row level security;
revoke all on public.tiktok_oauth_states from anon, authenticated;
grant all on public.tiktok_oauth_states to service_role;

-- Transient: a state is useless ten minutes after it was made; a day later it goes.
select cron.schedule('purge-tiktok-oauth-states', '23 * * * *',
  $job$ delete from public.tiktok_oauth_states where expires_at < now() - interval '1 day' $job$);

-- The creator is told on the dashboard when a shop needs connecting again.
alter table public.alerts drop constraint if exists alerts_kind_check;
alter table public.alerts add constraint alerts_kind_check
  check (kind in ('low_stock', 'sync_failure', 'sync_conflict', 'stuck_saga', 'shop_connection'));
